package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.model.MemorySpec;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.ModelCost;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;

/**
 * {@code ModelCost}'s decode bytes per token of each UltraMemV2 layer are what
 * {@link UltraMemV2Decoder} reads for one token, component by component, at fp32 and bf16: the
 * projections, query norm and cores (DENSE), the folded keys and candidates (KEYS), the value
 * rows (VALUES) and pre-value rows (PRE_VALUES). With one head and no key expansion the k rows a
 * token reads are distinct, so the row counts are exact; with two heads the cost is the bound.
 */
class UltraMemV2DecodeCostTest {

    @ParameterizedTest
    @CsvSource({"1, 1, 1, F32", "1, 1, 1, BF16", "2, 2, 4, F32", "2, 2, 1, BF16"})
    void costMatchesTheBytesTheDecoderReads(int heads, int keyExpand, int valueExpand,
                                            String precisionName) {
        Precision precision = Precision.valueOf(precisionName);
        ModelConfig cfg = UltraMemV2DecodeTest.config(UltraMemV2DecodeTest.entry(
                "\"mem_pre_vdim\": 8, \"mem_head\": " + heads + ", \"mem_key_expand_time\": "
                        + keyExpand + ", \"mem_value_expand_time\": " + valueExpand
                        + ", \"mem_use_glu_act\": true", ", \"mem_insert_way\": \"0:1/2:2\""));
        Transformer t = new Transformer(cfg, 1, 8, 3);
        ModelCost cost = ModelCost.of(cfg, new ModelCost.Options(8, precision.bytes()));
        int d = cfg.hiddenSize();
        SplittableRandom rnd = new SplittableRandom(4);
        try (MemoryWeightStore store = ModelWeights.copyOf(t); Arena arena = Arena.ofConfined()) {
            UltraMemV2Tables tables = null;
            for (MemorySpec s : cfg.memoryLayers()) {
                if (tables == null) {
                    tables = UltraMemV2Tables.load(store, s.ultraMemV2().geometry(), precision,
                            arena);
                }
                UltraMemV2Decoder dec = new UltraMemV2Decoder(store,
                        "model.memory_layers." + s.index() + ".", s.ultraMemV2(), tables, d,
                        precision, arena, KernelProvider.get());
                for (int token = 0; token < 4; token++) {
                    float[] x = new float[d];
                    for (int i = 0; i < d; i++) {
                        x[i] = (float) rnd.nextGaussian();
                    }
                    TrafficMeter meter = new TrafficMeter();
                    dec.apply(new float[d], x, 1, meter);
                    String p = "memory." + s.index() + ".";
                    String what = "layer " + s.index() + " token " + token + " " + precision;
                    assertEquals(bytes(cost, p, "query", "norms", "cores", "pre_proj", "out_proj"),
                            meter.bytes(Component.DENSE), what + " dense");
                    assertEquals(bytes(cost, p, "keys"), meter.bytes(Component.KEYS),
                            what + " keys");
                    long values = bytes(cost, p, "values");
                    long pre = bytes(cost, p, "pre_values");
                    if (heads == 1 && keyExpand == 1) {
                        assertEquals(values, meter.bytes(Component.VALUES), what + " values");
                        assertEquals(pre, meter.bytes(Component.PRE_VALUES), what + " pre");
                    } else {
                        assertTrue(meter.bytes(Component.VALUES) <= values
                                && meter.bytes(Component.VALUES) > 0, what + " values");
                        assertEquals(meter.bytes(Component.VALUES) / 8 / precision.bytes(),
                                meter.bytes(Component.PRE_VALUES) / 8 / precision.bytes(),
                                what + " one pre-value row per value row");
                    }
                }
            }
        }
    }

    private static long bytes(ModelCost cost, String prefix, String... parts) {
        long sum = 0;
        for (String part : parts) {
            sum += cost.component(prefix + part).decodeBytes();
        }
        return sum;
    }
}
