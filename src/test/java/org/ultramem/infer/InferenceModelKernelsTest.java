package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * The decode engine runs on the {@link Kernels} it is given, all of them: the weight GEMMs and row
 * reads over memory segments, KV attention, the memory layers' key scores, top-k and gathers, and
 * the MoE routing (before issue 14 these were static calls a test could not swap). The
 * {@link TinySparse} model covers dense blocks, an MoE block, an UltraMem layer and a PKM layer.
 */
class InferenceModelKernelsTest {

    private static final int SEQ = 16;

    /** {@code target}, recording the name of every method called through it (from any thread). */
    private static Kernels recording(Kernels target, Set<String> calls) {
        return (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
                new Class<?>[] {Kernels.class}, (proxy, method, args) -> {
                    calls.add(method.getName());
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Prefill of two prompts, then two batched decode steps; returns every logit produced. */
    private static float[] logits(Transformer t, Kernels kern) {
        int vocab = t.config().vocabSize();
        try (InferenceModel m = InferenceModel.of(t, Precision.F32, kern)) {
            DecodeState s = m.newState(2, SEQ);
            float[] out = new float[4 * vocab];
            System.arraycopy(m.prefill(s, 0, new int[] {1, 2, 3, 4, 5}), 0, out, 0, vocab);
            System.arraycopy(m.prefill(s, 1, new int[] {9, 8}), 0, out, vocab, vocab);
            System.arraycopy(m.decode(s, new int[] {7, 11}), 0, out, 2 * vocab, 2 * vocab);
            return out;
        }
    }

    @Test
    void everyDecodeKernelComesFromTheKernelsGiven() {
        Transformer t = new Transformer(TinySparse.config(0.3, ""), 2, SEQ, 5);
        Set<String> calls = ConcurrentHashMap.newKeySet();
        float[] viaRecorder = logits(t, recording(KernelProvider.scalar(), calls));
        for (String kernel : List.of("segmentMatmulT", "segmentReadRow", "segmentAttend",
                "keyScores", "topK", "gatherDot", "rmsNormForward", "rope", "swigluForward")) {
            assertTrue(calls.contains(kernel), kernel + " not called through the given kernels;"
                    + " called: " + calls);
        }
        assertArrayEquals(logits(t, KernelProvider.scalar()), viaRecorder,
                "the same kernels give the same bits");
    }

    @Test
    void scalarAndVectorEnginesAgree() {
        Transformer t = new Transformer(TinySparse.config(0.3, ""), 2, SEQ, 6);
        float[] scalar = logits(t, KernelProvider.scalar());
        float[] vector = logits(t, KernelProvider.vector());
        double worst = InferenceFixtures.maxRelDiff(scalar, 0, vector, 0, scalar.length);
        assertTrue(worst < 1e-4, "scalar and vector decode logits differ by " + worst);
    }
}
