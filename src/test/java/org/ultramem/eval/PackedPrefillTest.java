package org.ultramem.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;

/**
 * The packed prefill of a batch gives, bit for bit, the logits and KV cache of prefilling each
 * prompt alone in a state of the default pass size: prompts of 1 to 14 tokens (those under 8 run
 * alone, the GEMM would take another kernel) and one of 70 (longer than the 64-token chunk, run
 * alone in chunks), in passes of several sizes, dense and MoE/UltraMem/PKM.
 */
class PackedPrefillTest {

    @Test
    void denseLogitsAreThoseOfOnePromptAtATime() {
        check(ModelConfig.of(67, 48, 2, 4, 80, 96));
    }

    @Test
    void sparseLogitsAreThoseOfOnePromptAtATime() {
        check(ModelConfig.fromJson(TinySparse.json(0.2, "").replace(
                "\"max_position_embeddings\": 16", "\"max_position_embeddings\": 96"), "sparse"));
    }

    private static void check(ModelConfig cfg) {
        Transformer t = new Transformer(cfg, 1, 4, 3);
        int vocab = cfg.vocabSize();
        int batch = 12;
        int capacity = 80;
        SplittableRandom rnd = new SplittableRandom(5);
        List<int[]> prompts = new ArrayList<>();
        for (int i = 0; i < batch; i++) {
            prompts.add(rnd.ints(i == 4 ? 70 : 1 + (i * 5) % 14, 0, vocab).toArray());
        }
        int[] next = rnd.ints(batch, 0, vocab).toArray();
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            DecodeState one = m.newState(batch, capacity);
            float[][] want = new float[batch][];
            for (int i = 0; i < batch; i++) {
                want[i] = m.prefill(one, i, prompts.get(i));
            }
            float[] wantNext = m.decode(one, next).clone();
            int chunk = DecodeState.defaultRows(batch, capacity);
            assertEquals(64, chunk);
            for (int passRows : new int[] {64, 90, 400}) {
                DecodeState s = m.newState(batch, capacity, Precision.F32, passRows);
                float[][] got = PackedPrefill.run(m, s, prompts, chunk);
                for (int i = 0; i < batch; i++) {
                    assertArrayEquals(want[i], got[i], "prompt " + i + " of "
                            + prompts.get(i).length + " tokens, passes of " + passRows);
                    assertEquals(prompts.get(i).length, s.length(i));
                }
                assertArrayEquals(wantNext, Arrays.copyOf(m.decode(s, next), batch * vocab),
                        "the step after, passes of " + passRows);
            }
        }
    }
}
