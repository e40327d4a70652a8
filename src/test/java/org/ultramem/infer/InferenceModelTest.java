package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.model.KvCache;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;

class InferenceModelTest {

    private static final ModelConfig CFG = ModelConfig.of(67, 48, 2, 4, 80, 64);

    private static InferenceModel engine(Transformer t, Precision precision) {
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "", t.parameters());
        return new InferenceModel(DecodeArchitecture.dense(CFG), store, precision);
    }

    @Test
    void batchedDecodeMatchesTrainingTransformerLogits() {
        Transformer t = new Transformer(CFG, 1, 16, 11);
        int batch = 3;
        int[][] prompts = {{1, 2, 3, 4, 5}, {9}, {40, 41, 42, 43, 44, 45, 46, 47, 48}};
        SplittableRandom rnd = new SplittableRandom(1);
        try (InferenceModel m = engine(t, Precision.F32)) {
            DecodeState s = m.newState(batch, 32);
            KvCache[] caches = new KvCache[batch];
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
                caches[b] = t.newKvCache(32);
                float[] want = t.prefill(caches[b], prompts[b]);
                float[] got = m.prefill(s, b, prompts[b]);
                assertClose(want, 0, got, 0, "prefill of sequence " + b);
                next[b] = rnd.nextInt(CFG.vocabSize());
            }
            for (int step = 0; step < 4; step++) {
                float[] got = m.decode(s, next);
                for (int b = 0; b < batch; b++) {
                    float[] want = t.decode(caches[b], next[b]);
                    assertClose(want, 0, got, b * CFG.vocabSize(), "step " + step + " seq " + b);
                }
                for (int b = 0; b < batch; b++) {
                    next[b] = rnd.nextInt(CFG.vocabSize());
                }
            }
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
            KvCache[] caches = new KvCache[batch];
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
                int[] prompt = {b + 1, 2 * b + 3};
                caches[b] = t.newKvCache(16);
                t.prefill(caches[b], prompt);
                m.prefill(s, b, prompt);
                next[b] = (5 * b + 7) % CFG.vocabSize();
            }
            float[] got = m.decode(s, next);
            for (int b = 0; b < batch; b++) {
                assertClose(t.decode(caches[b], next[b]), 0, got, b * CFG.vocabSize(), "seq " + b);
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
            EngineGenerator g = new EngineGenerator(warm);
            // More steps than one context holds: the warm-up starts fresh sequences as it goes.
            int context = CFG.maxPositionEmbeddings();
            assertEquals(2 * context, g.warmUp(2 * context, new Sampler(greedy, 0)));
            assertEquals(0L, warm.meter().steps(), "warm-up steps must not count as traffic");
            int[] a = new EngineGenerator(cold).generate(new int[] {1, 2}, 5, new Sampler(greedy, 0),
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
