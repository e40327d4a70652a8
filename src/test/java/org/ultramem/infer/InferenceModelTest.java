package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;

class InferenceModelTest {

    private static final ModelConfig CFG = ModelConfig.of(67, 48, 2, 4, 80, 64);

    private static InferenceModel engine(Transformer t, Precision precision) {
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "", t.parameters());
        return new InferenceModel(DecodeArchitecture.dense(CFG), store, precision);
    }

    /** The engine over a store filled by hand (parameter names only, no buffers) decodes like
     * the engine over the live model, and meters its dense and KV traffic. */
    @Test
    void handFilledStoreDecodesLikeTheLiveModelEngine() {
        Transformer t = new Transformer(CFG, 1, 16, 11);
        int[][] prompts = {{1, 2, 3, 4, 5}, {9}, {40, 41, 42, 43, 44, 45, 46, 47, 48}};
        try (InferenceModel m = engine(t, Precision.F32);
             InferenceModel live = InferenceModel.of(t, Precision.F32)) {
            DecodeState s = m.newState(3, 32);
            DecodeState w = live.newState(3, 32);
            for (int b = 0; b < 3; b++) {
                assertArrayEquals(live.prefill(w, b, prompts[b]), m.prefill(s, b, prompts[b]));
            }
            int[] next = {7, 8, 9};
            assertArrayEquals(live.decode(w, next), m.decode(s, next));
            assertTrue(m.meter().bytes(TrafficMeter.Component.KV_CACHE) > 0);
            assertTrue(m.meter().bytes(TrafficMeter.Component.DENSE) > 0);
        }
    }

    @Test
    void bf16StorageStaysCloseToF32() {
        Transformer t = new Transformer(CFG, 1, 16, 5);
        try (InferenceModel a = engine(t, Precision.F32);
             InferenceModel b = engine(t, Precision.BF16)) {
            int[] prompt = {3, 1, 4, 1, 5, 9, 2, 6};
            float[] fa = a.prefill(a.newState(1, 16), 0, prompt);
            float[] fb = b.prefill(b.newState(1, 16), 0, prompt);
            double worst = InferenceFixtures.maxRelDiff(fa, 0, fb, 0, fa.length);
            assertTrue(worst < 2e-2, "bf16 logits differ from f32 by " + worst);
            assertTrue(worst > 0, "bf16 weights should round something");
        }
    }

    @Test
    void batchOfSeventeenTakesTheBatchedGemmPathAndMatchesTheTransformer() {
        Transformer t = new Transformer(CFG, 1, 16, 17);
        int batch = 17;
        try (InferenceModel m = engine(t, Precision.F32)) {
            DecodeState s = m.newState(batch, 16);
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
                int[] prompt = {b + 1, 2 * b + 3};
                m.prefill(s, b, prompt);
                next[b] = (5 * b + 7) % CFG.vocabSize();
            }
            float[] got = m.decode(s, next);
            float[] full = new float[3 * CFG.vocabSize()];
            for (int b = 0; b < batch; b++) {
                t.forwardLogits(full, new int[] {b + 1, 2 * b + 3, next[b]}, 1, 3);
                assertClose(full, 2 * CFG.vocabSize(), got, b * CFG.vocabSize(), "seq " + b);
            }
        }
    }

    @Test
    void bf16KvCacheStaysCloseToF32AndCountsHalfTheBytes() {
        Transformer t = new Transformer(CFG, 1, 16, 9);
        try (InferenceModel m = engine(t, Precision.F32)) {
            DecodeState f = m.newState(2, 16, Precision.F32);
            DecodeState h = m.newState(2, 16, Precision.BF16);
            assertTrue(h.kvBytes() * 2 == f.kvBytes(), "bf16 KV holds half the bytes");
            for (DecodeState s : new DecodeState[] {f, h}) {
                m.prefill(s, 0, new int[] {4, 8, 15, 16});
                m.prefill(s, 1, new int[] {23, 42});
            }
            m.meter().reset();
            float[] a = m.decode(f, new int[] {7, 9}).clone();
            long kvF32 = m.meter().bytes(TrafficMeter.Component.KV_CACHE);
            m.meter().reset();
            float[] b = m.decode(h, new int[] {7, 9});
            long kvBf16 = m.meter().bytes(TrafficMeter.Component.KV_CACHE);
            double worst = InferenceFixtures.maxRelDiff(a, 0, b, 0, a.length);
            assertTrue(worst < 2e-2, "bf16-KV logits differ from f32-KV by " + worst);
            assertTrue(worst > 0, "bf16 KV should round something");
            assertTrue(kvBf16 * 2 == kvF32, "KV bytes " + kvBf16 + " vs " + kvF32);
        }
    }

    @Test
    void decodeIsIndependentOfBatchComposition() {
        Transformer t = new Transformer(CFG, 1, 16, 2);
        try (InferenceModel m = engine(t, Precision.F32)) {
            DecodeState one = m.newState(1, 16);
            DecodeState two = m.newState(2, 16);
            m.prefill(one, 0, new int[] {5, 6});
            m.prefill(two, 0, new int[] {7});
            m.prefill(two, 1, new int[] {5, 6});
            float[] a = m.decode(one, new int[] {8}).clone();
            float[] b = m.decode(two, new int[] {3, 8});
            float[] row = java.util.Arrays.copyOfRange(b, CFG.vocabSize(), 2 * CFG.vocabSize());
            assertClose(a, 0, row, 0, "sequence 1 of a batch of 2");
        }
    }

    /** A step over some slots advances only those; a repeated or outside slot is refused. */
    @Test
    void decodesASubsetOfSlotsAndRefusesBadSlots() {
        Transformer t = new Transformer(CFG, 1, 16, 2);
        try (InferenceModel m = engine(t, Precision.F32)) {
            DecodeState s = m.newState(3, 8);
            for (int b = 0; b < 3; b++) {
                m.prefill(s, b, new int[] {b + 1});
            }
            m.decode(s, new int[] {2, 0}, new int[] {5, 6}, 2);
            assertEquals(2, s.length(0));
            assertEquals(1, s.length(1));
            assertEquals(2, s.length(2));
            assertThrows(IllegalArgumentException.class,
                    () -> m.decode(s, new int[] {1, 1}, new int[] {5, 6}, 2));
            assertThrows(IllegalArgumentException.class,
                    () -> m.decode(s, new int[] {3}, new int[] {5}, 1));
            assertThrows(IllegalArgumentException.class,
                    () -> m.decode(s, new int[] {0}, new int[] {5}, 0));
        }
    }

    @Test
    void rejectsFullCacheAndBadTokens() {
        Transformer t = new Transformer(CFG, 1, 16, 2);
        try (InferenceModel m = engine(t, Precision.F32)) {
            DecodeState s = m.newState(1, 2);
            m.prefill(s, 0, new int[] {1, 2});
            assertThrows(IllegalStateException.class, () -> m.decode(s, new int[] {1}));
            DecodeState s2 = m.newState(1, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.decode(s2, new int[] {CFG.vocabSize()}));
            assertTrue(e.getMessage().contains("vocabulary"), e.getMessage());
        }
    }

    @Test
    void meterCountsEveryStreamedMatrixOncePerStep() {
        Transformer t = new Transformer(CFG, 1, 16, 2);
        try (InferenceModel m = engine(t, Precision.F32)) {
            DecodeState s = m.newState(4, 8);
            s.fillRandom(3, 1);
            m.meter().reset();
            m.decode(s, new int[] {1, 2, 3, 4});
            long d = CFG.hiddenSize();
            long perBlock = 4 * d * d + 3 * d * CFG.intermediateSize();
            assertArrayEquals(new long[] {CFG.numLayers() * perBlock * 4},
                    new long[] {m.meter().bytes(TrafficMeter.Component.DENSE)});
            long kv = CFG.numLayers() * 4L * 2 * 4 * d * 4;   // layers × seqs × (K,V) × span 4
            assertArrayEquals(new long[] {kv},
                    new long[] {m.meter().bytes(TrafficMeter.Component.KV_CACHE)});
        }
    }

    @Test
    void warmUpRunsItsStepsAndLeavesGenerationUnchanged() {
        Sampler.Settings greedy = Sampler.Settings.greedyDecoding();
        Transformer t = new Transformer(CFG, 1, 16, 5);
        try (InferenceModel cold = engine(t, Precision.F32);
             InferenceModel warm = engine(t, Precision.F32)) {
            Generator g = new Generator(warm);
            // More steps than one context holds: the warm-up starts fresh sequences as it goes.
            int context = CFG.maxPositionEmbeddings();
            assertEquals(2 * context, g.warmUp(2 * context, new Sampler(greedy, 0)));
            assertEquals(0L, warm.meter().steps(), "warm-up steps must not count as traffic");
            int[] a = new Generator(cold).generate(new int[] {1, 2}, 5, new Sampler(greedy, 0),
                    -1, null).tokens();
            int[] b = g.generate(new int[] {1, 2}, 5, new Sampler(greedy, 0), -1, null).tokens();
            assertArrayEquals(a, b);
        }
    }

    static void assertClose(float[] want, int wOff, float[] got, int gOff, String what) {
        double worst = InferenceFixtures.maxRelDiff(want, wOff, got, gOff, CFG.vocabSize());
        assertTrue(worst < 1e-4, what + ": logits differ by " + worst);
    }
}
