package org.ultramem.infer;

import java.nio.file.Path;

/**
 * Forked-JVM probe for {@link MappedValueTableTest}: loads a model directory through the mapping,
 * prefills a prompt, decodes two steps and prints the last logits' checksum (and the heap limit).
 */
public final class MappedModelProbe {

    private MappedModelProbe() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println("checksum " + checksum(Path.of(args[0])));
        System.out.println("maxHeap " + Runtime.getRuntime().maxMemory());
    }

    static double checksum(Path dir) throws Exception {
        try (InferenceModel m = InferenceModel.load(dir, Precision.F32)) {
            DecodeState s = m.newState(2, 8);
            m.prefill(s, 0, new int[] {1, 2, 3});
            m.prefill(s, 1, new int[] {4});
            m.decode(s, new int[] {5, 6});
            float[] logits = m.decode(s, new int[] {7, 8});
            double sum = 0;
            for (int i = 0; i < 2 * m.config().vocabSize(); i++) {
                sum += logits[i] * (1 + i % 7);
            }
            return sum;
        }
    }
}
