package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import java.util.Map;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.ProductKeyMemory;
import org.ultramem.nn.memory.RetrievalRemedies;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.nn.moe.MoeConfig;
import org.ultramem.nn.moe.MoeLayer;
import org.ultramem.tensor.kernel.KernelProvider;

/**
 * The sparse decode paths against the training layers' own forward on the same weights:
 * {@code MoeLayer.apply}, {@code UltraMemLayer.forward} and {@code ProductKeyMemory.apply}
 * (whole models through a checkpoint: {@link InferenceModelSparseTest}).
 */
class SparseDecoderTest {

    private static final int D = 40;

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 17})
    void moeDecoderMatchesMoeLayer(int rows) {
        for (boolean normalize : new boolean[] {false, true}) {
            MoeConfig cfg = new MoeConfig(6, 2, 24, 0.01, 0.001, normalize, null);
            MoeLayer layer = new MoeLayer(cfg, D, 32, 9);
            float[] x = InferenceFixtures.randomRows(rows, D, rows);
            float[] want = new float[rows * D];
            layer.forward(want, x, rows);
            MemoryWeightStore store = new MemoryWeightStore();
            InferenceFixtures.put(store, "p.", layer.parameters());
            try (Arena arena = Arena.ofShared(); store) {
                MoeDecoder dec = new MoeDecoder(store, "p.", cfg, D, Precision.F32, arena,
                        KernelProvider.get());
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
        float[] x = InferenceFixtures.randomRows(rows, D, 4);
        float[] want = new float[rows * D];
        layer.forward(want, x, rows);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.putUltraMem(store, "m.", layer, cfg, layer.shuffleIndex());
        try (Arena arena = Arena.ofShared(); store) {
            TrafficMeter meter = assertDecodes(want, x, rows, variant + ": UltraMem",
                    new UltraMemDecoder(store, "m.", cfg, D, Precision.F32, arena,
                            KernelProvider.get()));
            long valueBytes = meter.bytes(TrafficMeter.Component.VALUES);
            long maxRows = (long) rows * cfg.heads() * cfg.topK();
            assertTrue(valueBytes > 0 && valueBytes <= maxRows * cfg.valueDim() * 4
                    && valueBytes % (cfg.valueDim() * 4L) == 0, "value bytes " + valueBytes);
        }
    }

    /** A π with a repeated entry (right length) is refused at load, naming the tensor. */
    @org.junit.jupiter.api.Test
    void ultraMemDecoderRefusesAShuffleThatIsNotAPermutation() {
        UltraMemConfig cfg = UltraMemConfig.of(8, 16, 24, 4);
        UltraMemLayer layer = new UltraMemLayer(cfg, D, 4, 21);
        MemoryWeightStore store = new MemoryWeightStore();
        int[] pi = layer.shuffleIndex().clone();
        pi[1] = pi[0];
        InferenceFixtures.putUltraMem(store, "m.", layer, cfg, pi);
        try (Arena arena = Arena.ofShared(); store) {
            String m = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> new UltraMemDecoder(store, "m.", cfg,
                            D, Precision.F32, arena, KernelProvider.get())).getMessage();
            assertTrue(m.contains("m.shuffle_index`[1]") && m.contains("permutation"), m);
        }
    }

    /**
     * The remedies that change the forward: query BatchNorm (running statistics moved off init;
     * the layer in evaluation mode, as decoding is) and both output gates, also combined with
     * per-head queries. Off-forward remedies (balance loss, restart) are set too: they must not
     * change what is decoded.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bn", "gate-scale", "gate-silu", "bn-silu-unshared"})
    void ultraMemDecoderMatchesUltraMemLayerWithRemedies(String variant) {
        UltraMemConfig base = variant.endsWith("unshared")
                ? new UltraMemConfig(8, 16, 24, 4, 6, 2, 3, 3, 9, null, false, true, false, true,
                true, true, "code", 1, 4.0, 1.0, "dense_adamw", 0.0, 0.15, 1e-5f)
                : UltraMemConfig.of(8, 16, 24, 4);
        String gate = variant.contains("scale") ? "scale" : variant.contains("silu") ? "silu" : "none";
        UltraMemConfig cfg = base.withRemedies(new RetrievalRemedies(variant.startsWith("bn"), 0.01,
                0.5, 10, 1.0, false, 7, gate, 0.3));
        int rows = 7;
        UltraMemLayer layer = new UltraMemLayer(cfg, D, rows, 21);
        SplittableRandom rnd = new SplittableRandom(5);
        if (cfg.remedies().queryBatchNorm()) {
            float[] mean = layer.queryBatchNormRunningMean();
            float[] var = layer.queryBatchNormRunningVar();
            for (int j = 0; j < mean.length; j++) {
                mean[j] = (float) (0.3 * rnd.nextGaussian());
                var[j] = (float) rnd.nextDouble(0.2, 3);
            }
            for (String name : new String[] {"query_bn.weight", "query_bn.bias"}) {
                float[] w = layer.parameter(name).data;
                for (int j = 0; j < w.length; j++) {
                    w[j] += (float) (0.2 * rnd.nextGaussian());
                }
            }
        }
        if (gate.equals("scale")) {
            float[] g = layer.parameter("output_scale").data;
            for (int j = 0; j < g.length; j++) {
                g[j] += (float) (0.2 * rnd.nextGaussian());
            }
        }
        layer.setTraining(false);
        float[] x = InferenceFixtures.randomRows(rows, D, 4);
        float[] want = new float[rows * D];
        layer.forward(want, x, rows);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "m.", layer.parameters());
        store.putF32("m.tucker_u", layer.tuckerU(), cfg.heads(), cfg.tuckerRank());
        store.putF32("m.tucker_v", layer.tuckerV(), cfg.heads(), cfg.tuckerRank());
        int[] pi = layer.shuffleIndex();
        store.putI32("m.shuffle_index", pi, pi.length);
        if (cfg.remedies().queryBatchNorm()) {
            float[] mean = layer.queryBatchNormRunningMean();
            store.putF32("m.query_bn.running_mean", mean, mean.length);
            store.putF32("m.query_bn.running_var", layer.queryBatchNormRunningVar(), mean.length);
        }
        try (Arena arena = Arena.ofShared(); store) {
            TrafficMeter meter = assertDecodes(want, x, rows, variant + ": UltraMem",
                    new UltraMemDecoder(store, "m.", cfg, D, Precision.F32, arena,
                            KernelProvider.get()));
            assertTrue(meter.bytes(TrafficMeter.Component.DENSE) > 0);
        }
    }

    /**
     * "bn": BatchNorm with moved running statistics; "plain": no BatchNorm; "ties": integer
     * queries and keys, so side scores and k² sums tie exactly (also across score levels:
     * s1[a] + s2[c'] = s1[a'] + s2[c]) and only the lower-slot-index rule decides.
     */
    @ParameterizedTest
    @ValueSource(strings = {"bn", "plain", "ties"})
    void pkmDecoderMatchesProductKeyMemory(String variant) {
        PkmConfig cfg = new PkmConfig(3, 6, 8, 3, variant.equals("bn"), 1e-3, null);
        int rows = 9;
        ProductKeyMemory layer = new ProductKeyMemory(cfg, D, rows, 13);
        SplittableRandom rnd = new SplittableRandom(5);
        for (float[] b : layer.buffers().values()) {
            for (int i = 0; i < b.length; i++) {
                b[i] = b == layer.buffers().get("query_bn.running_var")
                        ? (float) rnd.nextDouble(0.2, 3) : (float) rnd.nextGaussian();
            }
        }
        float[] x = InferenceFixtures.randomRows(rows, D, 8);
        if (variant.equals("ties")) {
            for (float[] w : new float[][] {layer.parameter("query_proj.weight").data,
                    layer.parameter("query_proj.bias").data, layer.parameter("keys").data, x}) {
                for (int i = 0; i < w.length; i++) {
                    w[i] = rnd.nextInt(-1, 2);
                }
            }
        }
        float[] want = new float[rows * D];
        layer.setTraining(false);
        layer.forward(want, x, rows);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "k.", layer.parameters());
        for (Map.Entry<String, float[]> e : layer.buffers().entrySet()) {
            store.putF32("k." + e.getKey(), e.getValue(), e.getValue().length);
        }
        try (Arena arena = Arena.ofShared(); store) {
            PkmDecoder dec = new PkmDecoder(store, "k.", cfg, D, Precision.F32, arena,
                    KernelProvider.get());
            TrafficMeter meter = assertDecodes(want, x, rows, variant + ": PKM", dec);
            int sel = rows * cfg.heads() * cfg.topK();
            assertArrayEquals(java.util.Arrays.copyOf(layer.selectedSlots(), sel),
                    java.util.Arrays.copyOf(dec.selectedSlots(), sel), variant + ": selections");
            long distinct = java.util.Arrays.stream(layer.selectedSlots(), 0, sel).distinct().count();
            assertTrue(meter.bytes(TrafficMeter.Component.VALUES) == distinct * D * 4L,
                    "value bytes " + meter.bytes(TrafficMeter.Component.VALUES) + " for "
                            + distinct + " distinct rows");
        }
    }

    /** Runs {@code dec} on x and checks y against {@code want} to 1e-4; returns its meter. */
    private static TrafficMeter assertDecodes(float[] want, float[] x, int rows, String what,
                                              MemoryDecoder dec) {
        float[] got = new float[rows * D];
        TrafficMeter meter = new TrafficMeter();
        dec.apply(got, x, rows, meter);
        double worst = InferenceFixtures.maxRelDiff(want, 0, got, 0, want.length);
        assertTrue(worst < 1e-4, what + " output differs by " + worst);
        return meter;
    }
}
