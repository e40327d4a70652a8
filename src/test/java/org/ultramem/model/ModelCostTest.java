package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.ProductKeyMemory;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.nn.moe.MoeConfig;
import org.ultramem.nn.moe.MoeLayer;

/** ModelCost against hand-computed numbers on tiny configs and against real layers' numel. */
class ModelCostTest {

    // V 10, D 4, L 2, 2 heads (head dim 2), I 6, max positions 8 -> default context 4.
    private static final ModelConfig TINY = ModelConfig.of(10, 4, 2, 2, 6, 8);
    private static final ModelCost.Options BF16 = ModelCost.Options.defaults(TINY);

    @Test
    void denseMatchesHandComputedNumbers() {
        ModelCost c = ModelCost.of(TINY);
        assertEquals(4, c.options().context());
        assertEquals(2, c.options().bytesPerParam());
        assertRow(c, "embedding", 40, 40, 80);        // V·D; logits 2·V·D
        assertRow(c, "norms", 20, 20, 0);             // 2·L·D + D
        assertRow(c, "attention", 128, 128, 256);     // 4·D²·L; 8·D²·L
        assertRow(c, "attention_scores", 0, 0, 128);  // 4·c·D·L
        assertRow(c, "ffn", 144, 144, 288);           // 3·D·I·L; 6·D·I·L
        assertEquals(5, c.components().size());
        assertEquals(332, c.totalParams());
        assertEquals(TINY.parameterCount(), c.totalParams());
        assertEquals(332, c.activeParams());
        assertEquals(752, c.flopsPerToken());
        assertEquals(664, c.decodeBytesPerToken());
        assertEquals(2 * 2 * 4 * 4 * 2, c.kvCacheBytesPerToken()); // 2·L·D·c values, bf16
    }

    @Test
    void fp32DoublesDecodeBytesAndContextMovesOnlyTheScoreTerm() {
        ModelCost bf16 = ModelCost.of(TINY);
        ModelCost fp32 = ModelCost.of(TINY, new ModelCost.Options(6, 4));
        assertEquals(2 * bf16.decodeBytesPerToken(), fp32.decodeBytesPerToken());
        assertEquals(bf16.totalParams(), fp32.totalParams());
        assertEquals(4.0 * 6 * 4 * 2, fp32.component("attention_scores").flopsPerToken());
        assertEquals(bf16.flopsPerToken() + 4.0 * 2 * 4 * 2, fp32.flopsPerToken());
        assertEquals(2 * 2 * 4 * 6 * 4, fp32.kvCacheBytesPerToken());
    }

    @Test
    void ultraMemPartsMatchHandComputedNumbers() {
        // K0 4, D_k 4, D_v 4, m = k = 2, H 2, r 2, T 2, E 4 -> n 8, N 16.
        UltraMemConfig u = UltraMemConfig.of(4, 4, 4, 2);
        ModelCost c = ModelCost.of(TINY, null, List.of(u), BF16);
        assertRow(c, "memory.0.query", 32, 32, 64);        // 2·D_k·D; 2·D·2D_k
        assertRow(c, "memory.0.norms", 8, 8, 0);           // 2·D_k
        assertRow(c, "memory.0.keys", 256, 256, 640);      // H·2·n·D_k·r; 2·H·2·n·(D_k·r + r)
        assertRow(c, "memory.0.cores", 16, 16, 128);       // T·H·r²; 2·H·T·(m·r² + m²·r)
        assertRow(c, "memory.0.values", 64, 16, 32);       // N·D_v; H·k·D_v; 2·H·k·D_v
        assertRow(c, "memory.0.out_proj", 64, 64, 128);    // D·E·D_v; 2·E·D_v·D
        assertEquals(332 + 440, c.totalParams());
        assertEquals(332 + 392, c.activeParams());
        assertEquals(2 * (332 + 392), c.decodeBytesPerToken());
        assertEquals(752 + 992, c.flopsPerToken());
    }

    @Test
    void ultraMemV2PartsMatchHandComputedNumbersWithTheTableCountedOnce() {
        // TinyV2: D 16, D_k 8, D_v 8, D_p 8, m = k = 3, H 2, T 2, κ_e 2, E 4, ρ 0.5, L 3
        // -> N_all 48, K0' 4, n 8.
        ModelCost c = ModelCost.of(TinyV2.config());
        for (int l = 0; l < 3; l++) {
            String p = "memory." + l + ".";
            assertRow(c, p + "query", 512, 512, 1024);       // 4·D_k·D; 2·D·4D_k
            // Decode reads fp32: the query norm D_k; K_fold 2·H·n·D_k + candidates 2·H·m·r·D_k.
            assertRow(c, p + "norms", 16, 16, 0, 32);        // 2·D_k
            assertRow(c, p + "keys", 512, 512, 1152, 1792);  // H·2·n·D_k·r; + 2·H·2·n·r
            assertRow(c, p + "cores", 16, 16, 240, 64);      // T·H·r²; 2·H·T·(m·r² + m²·r)
            assertRow(c, p + "values", 0, 48, 96);           // reads H·k rows of D_v
            assertRow(c, p + "pre_values", 0, 48, 96);       // H·k pre-score dots of D_p
            assertRow(c, p + "pre_proj", 128, 128, 256);     // D_p·D
            assertRow(c, p + "out_proj", 512, 512, 1024);    // D·E·D_v
        }
        assertRow(c, "memory.shared.values", 384, 0, 0);     // N_all·D_v, once
        assertRow(c, "memory.shared.pre_values", 384, 0, 0); // N_all·D_p
        assertEquals(2, c.components().stream().filter(x -> x.name().startsWith("memory.shared"))
                .count());
        assertEquals(TinyV2.config().parameterCount(), c.totalParams());
    }

    @Test
    void pkmPartsMatchHandComputedNumbersAndTheConfigsOwnCounts() {
        PkmConfig p = new PkmConfig(2, 4, 4, 2, true, 1e-3, null);
        ModelCost c = ModelCost.of(TINY, null, List.of(p), BF16);
        assertRow(c, "memory.0.query", 40, 40, 64);     // H·Dq·D + H·Dq; 2·D·H·Dq
        assertRow(c, "memory.0.norms", 16, 16, 0);      // BatchNorm affine 2·H·Dq
        assertRow(c, "memory.0.keys", 32, 32, 72);      // H·2·n·Dq/2; 2·H·n·Dq + H·k²
        assertRow(c, "memory.0.values", 64, 16, 32);    // n²·D; H·k·D; 2·H·k·D
        ModelCost dense = ModelCost.of(TINY);
        assertEquals(p.parameterCount(4), c.totalParams() - dense.totalParams());
        assertEquals(p.activeParameterCount(4), c.activeParams() - dense.activeParams());
        assertEquals(p.flopsPerToken(4), c.flopsPerToken() - dense.flopsPerToken());
    }

    @Test
    void moeReplacesTheFfnOnlyInItsBlocks() {
        MoeConfig moe = new MoeConfig(3, 2, 5, 0.01, 0.001, false, List.of(1));
        ModelCost c = ModelCost.of(TINY, moe, List.of(), BF16);
        assertRow(c, "ffn", 72, 72, 144);               // block 0 only
        assertRow(c, "moe_router", 12, 12, 24);         // N·D
        assertRow(c, "moe_experts", 180, 120, 240);     // N·3·D·d_e; k·3·D·d_e
        ModelCost dense = ModelCost.of(TINY);
        assertEquals(dense.totalParams() - 72 + moe.parameterCount(4), c.totalParams());
        assertEquals(dense.activeParams() - 72 + moe.activeParameterCount(4), c.activeParams());
        assertEquals(dense.flopsPerToken() - 144 + moe.flopsPerToken(4), c.flopsPerToken());
    }

    @Test
    void totalsEqualTheNumelOfRealLayers() {
        ModelConfig cfg = ModelConfig.of(64, 16, 2, 2, 24, 16);
        assertEquals(numel(new Transformer(cfg, 1, 8, 1).parameters()),
                ModelCost.of(cfg).totalParams());

        UltraMemConfig u = UltraMemConfig.of(4, 8, 8, 3);
        assertEquals(numel(new UltraMemLayer(u, 16, 1, 1).parameters()), memoryParams(cfg, u));
        UltraMemConfig unshared = new UltraMemConfig(4, 8, 16, 3, 3, 2, 2, 1, 1, null, false,
                false, false, false, true, true, "code", 1, 1.0, 1.0, "dense_adamw", 0, 0.15,
                1e-5f);
        assertEquals(numel(new UltraMemLayer(unshared, 16, 1, 1).parameters()),
                memoryParams(cfg, unshared));

        for (String gate : List.of("scale", "silu")) {
            UltraMemConfig remedied = unshared.withRemedies(new org.ultramem.nn.memory.RetrievalRemedies(
                    true, 0.01, 1, 0, 0, true, 5, gate, 0.1));
            assertEquals(numel(new UltraMemLayer(remedied, 16, 2, 1).parameters()),
                    memoryParams(cfg, remedied), gate);
            ModelConfig withLayer = ModelConfig.fromJson("""
                    {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 24,
                     "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 16,
                     "memory_layers": [{"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4,
                       "mem_kdim": 8, "mem_vdim": 8, "mem_knn": 3, "query_batchnorm": true,
                       "output_gate": "%s"}]}
                    """.formatted(gate), "remedies");
            assertEquals(numel(new Transformer(withLayer, 1, 4, 1).parameters()),
                    withLayer.parameterCount(), gate);
        }

        PkmConfig pkm = new PkmConfig(2, 5, 6, 3, true, 1e-3, null);
        assertEquals(numel(new ProductKeyMemory(pkm, 16, 1, 1).parameters()),
                memoryParams(cfg, pkm));
        PkmConfig noBn = new PkmConfig(1, 5, 6, 3, false, 1e-3, null);
        assertEquals(numel(new ProductKeyMemory(noBn, 16, 1, 1).parameters()),
                memoryParams(cfg, noBn));

        MoeConfig moe = new MoeConfig(4, 2, 8, 0.01, 0.001, false, null);
        ModelCost withMoe = ModelCost.of(cfg, moe, List.of(), ModelCost.Options.defaults(cfg));
        assertEquals(2 * numel(new MoeLayer(moe, 16, 1, 1).parameters()),
                withMoe.component("moe_router").params()
                        + withMoe.component("moe_experts").params());
    }

    @Test
    void totalsEqualTheNumelOfASparseTransformer() {
        ModelConfig cfg = ModelConfig.fromJson("""
                {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 24,
                 "num_hidden_layers": 3, "num_attention_heads": 2, "max_position_embeddings": 16,
                 "moe": {"moe_num_experts": 4, "moe_top_k": 2, "moe_intermediate_size": 8,
                         "moe_layers": [2]},
                 "memory_layers": [
                   {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4, "mem_kdim": 8,
                    "mem_vdim": 8, "mem_knn": 3},
                   {"mem_type": "pkm", "placement": "2:2", "pkm_heads": 2, "pkm_knum": 5,
                    "pkm_kdim": 6, "pkm_topk": 3}]}
                """, "sparse test config");
        ModelCost cost = ModelCost.of(cfg);
        assertEquals(numel(new Transformer(cfg, 1, 4, 1).parameters()), cost.totalParams());
        assertEquals(cfg.parameterCount(), cost.totalParams());
        assertEquals(ModelCost.of(cfg, cfg.moe(), List.of(cfg.memoryLayers().get(0).ultraMem(),
                cfg.memoryLayers().get(1).pkm()), cost.options()).components(), cost.components());
    }

    @Test
    void jsonHasTotalsAndOneObjectPerComponent() {
        ModelCost c = ModelCost.of(TINY, null, List.of(UltraMemConfig.of(4, 4, 4, 2)), BF16);
        JsonNode j = c.toJson();
        assertEquals(c.totalParams(), j.get("total_params").asLong());
        assertEquals(c.activeParams(), j.get("active_params").asLong());
        assertEquals(c.flopsPerToken(), j.get("flops_per_token").asDouble());
        assertEquals(c.decodeBytesPerToken(), j.get("decode_bytes_per_token").asLong());
        assertEquals(c.components().size(), j.get("components").size());
        long sum = 0;
        for (JsonNode row : j.get("components")) {
            assertTrue(row.has("name") && row.has("active_params") && row.has("flops_per_token")
                    && row.has("decode_bytes"));
            sum += row.get("params").asLong();
        }
        assertEquals(c.totalParams(), sum);
    }

    @Test
    void rejectsBadOptionsAndUnknownMemoryTypes() {
        assertThrows(IllegalArgumentException.class, () -> new ModelCost.Options(4, 3));
        assertThrows(IllegalArgumentException.class, () -> new ModelCost.Options(-1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> ModelCost.of(TINY, null, List.of("pkm"), BF16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelCost.of(TINY).component("moe_router"));
        assertTrue(e.getMessage().contains("attention"), e.getMessage());
    }

    private static long memoryParams(ModelConfig cfg, Object layer) {
        ModelCost c = ModelCost.of(cfg, null, List.of(layer), ModelCost.Options.defaults(cfg));
        return c.totalParams() - ModelCost.of(cfg).totalParams();
    }

    private static long numel(List<Parameter> ps) {
        return ps.stream().mapToLong(Parameter::numel).sum();
    }

    private static void assertRow(ModelCost c, String name, long params, long active, double flops) {
        assertRow(c, name, params, active, flops, active * c.options().bytesPerParam());
    }

    private static void assertRow(ModelCost c, String name, long params, long active, double flops,
                                  long decodeBytes) {
        ModelCost.Component row = c.component(name);
        assertEquals(params, row.params(), name + " params");
        assertEquals(active, row.activeParams(), name + " active params");
        assertEquals(flops, row.flopsPerToken(), name + " FLOPs/token");
        assertEquals(decodeBytes, row.decodeBytes(), name + " bytes");
    }
}
