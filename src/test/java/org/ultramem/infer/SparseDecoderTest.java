package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.nn.moe.MoeConfig;
import org.ultramem.nn.moe.MoeLayer;

/**
 * The sparse decode paths against the training layers' own forward: {@code MoeLayer.apply} and
 * {@code UltraMemLayer.forward} on the same weights (the training Transformer does not wire the
 * sparse layers yet; once it does, InferenceModelTest should compare whole models too).
 */
class SparseDecoderTest {

    private static final int D = 40;

    private static float[] randomRows(int rows, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[rows * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17})
    void moeDecoderMatchesMoeLayer(int rows) {
        for (boolean normalize : new boolean[] {false, true}) {
            MoeConfig cfg = new MoeConfig(6, 2, 24, 0.01, 0.001, normalize, null);
            MoeLayer layer = new MoeLayer(cfg, D, 32, 9);
            float[] x = randomRows(rows, rows);
            float[] want = new float[rows * D];
            layer.apply(want, x, rows, layer.newActivations(rows));
            MemoryWeightStore store = new MemoryWeightStore();
            InferenceFixtures.put(store, "p.", layer.parameters());
            try (Arena arena = Arena.ofShared(); store) {
                MoeDecoder dec = new MoeDecoder(store, "p.", cfg, D, Precision.F32, arena);
                float[] got = new float[rows * D];
                TrafficMeter meter = new TrafficMeter();
                dec.apply(got, x, rows, meter);
                double worst = InferenceFixtures.maxRelDiff(want, 0, got, 0, want.length);
                assertTrue(worst < 1e-4, "MoE output differs by " + worst);
                long experts = meter.bytes(TrafficMeter.Component.EXPERTS);
                assertTrue(experts > 0 && experts % dec.expertBytes() == 0
                        && experts / dec.expertBytes() <= Math.min(6, 2L * rows));
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"default", "pkm-scoring", "softmax", "no-share"})
    void ultraMemDecoderMatchesUltraMemLayer(String variant) {
        UltraMemConfig base = UltraMemConfig.of(8, 16, 24, 4);
        UltraMemConfig cfg = switch (variant) {
            case "pkm-scoring" -> new UltraMemConfig(8, 16, 24, 4, 4, 2, 1, 1, 1, null, false,
                    true, true, true, false, false, "code", 1, 4.0, 1.0, "dense_adamw", 0.0, 0.15,
                    1e-5f);
            case "softmax" -> new UltraMemConfig(8, 16, 24, 5, 4, 3, 2, 1, 4, null, true,
                    true, true, false, true, true, "code", 1, 4.0, 1.0, "dense_adamw", 0.0, 0.15,
                    1e-5f);
            case "no-share" -> new UltraMemConfig(8, 16, 24, 4, 6, 2, 3, 3, 9, null, false,
                    true, false, true, true, true, "code", 1, 4.0, 1.0, "dense_adamw", 0.0, 0.15,
                    1e-5f);
            default -> base;
        };
        int rows = 7;
        UltraMemLayer layer = new UltraMemLayer(cfg, D, rows, 21);
        float[] x = randomRows(rows, 4);
        float[] want = new float[rows * D];
        layer.forward(want, x, rows);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "m.", layer.parameters());
        int h = cfg.heads();
        int r = cfg.tuckerRank();
        store.putF32("m.tucker_u", layer.tuckerU(), h, r);
        store.putF32("m.tucker_v", layer.tuckerV(), h, r);
        int[] pi = layer.shuffleIndex();
        store.putI32("m.shuffle_index", pi, pi.length);
        try (Arena arena = Arena.ofShared(); store) {
            UltraMemDecoder dec = new UltraMemDecoder(store, "m.", cfg, D, Precision.F32, arena);
            float[] got = new float[rows * D];
            TrafficMeter meter = new TrafficMeter();
            dec.apply(got, x, rows, meter);
            double worst = InferenceFixtures.maxRelDiff(want, 0, got, 0, want.length);
            assertTrue(worst < 1e-4, variant + ": UltraMem output differs by " + worst);
            long valueBytes = meter.bytes(TrafficMeter.Component.VALUES);
            long maxRows = (long) rows * h * cfg.topK();
            assertTrue(valueBytes > 0 && valueBytes <= maxRows * cfg.valueDim() * 4
                    && valueBytes % (cfg.valueDim() * 4L) == 0, "value bytes " + valueBytes);
        }
    }
}
