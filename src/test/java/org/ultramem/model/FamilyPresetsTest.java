package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The matched family presets {@code configs/family-*.json} keep their matching (spec §E.4):
 * MoE (top-2) and UltraMem with the released code's settings ({@code family-ultramem-paper})
 * spend the dense model's FLOPs per token and share one total parameter budget of at least 10×
 * the dense model; PKM and UltraMemV2 (a memory in every block over one shared table) have that
 * budget and those FLOPs too. The recommended UltraMem ({@code family-ultramem}: the remedies,
 * value tables sized for {@code main}'s token budget) spends the same FLOPs with a smaller table:
 * more than 3× the dense parameters, fewer than the matched members, never more.
 */
class FamilyPresetsTest {

    private static final double TOLERANCE = 0.05;

    private static ModelConfig load(String name) {
        return ModelConfig.load(Path.of("configs", "family-" + name + ".json"));
    }

    @Test
    void sparseModelsMatchDenseFlopsAndEachOthersParameters() {
        ModelCost dense = ModelCost.of(load("dense"));
        ModelCost moe = ModelCost.of(load("moe"));
        ModelCost ultra = ModelCost.of(load("ultramem-paper"));
        ModelCost pkm = ModelCost.of(load("pkm"));
        ModelCost v2 = ModelCost.of(load("ultramem-v2"));

        for (ModelCost sparse : List.of(moe, ultra, pkm, v2)) {
            assertWithin(dense.flopsPerToken(), sparse.flopsPerToken(), "FLOPs/token vs dense");
            assertTrue(sparse.totalParams() >= 10 * dense.totalParams(), "total params "
                    + sparse.totalParams() + " < 10 × dense " + dense.totalParams());
            assertWithin(ultra.totalParams(), sparse.totalParams(), "total params vs UltraMem");
            // Trainable on the project machine: weights, grads and AdamW moments (16 B/param).
            assertTrue(sparse.totalParams() * 16 < 2L << 30, "training state over 2 GiB");
        }
    }

    @Test
    void recommendedUltraMemSpendsTheSameFlopsWithASmallerTable() {
        ModelCost dense = ModelCost.of(load("dense"));
        ModelCost recipe = ModelCost.of(load("ultramem"));
        assertWithin(dense.flopsPerToken(), recipe.flopsPerToken(), "FLOPs/token vs dense");
        assertTrue(recipe.totalParams() > 3 * dense.totalParams(), "total params " + recipe.totalParams());
        for (String matched : List.of("moe", "pkm", "ultramem-paper")) {
            assertTrue(recipe.totalParams() <= ModelCost.of(load(matched)).totalParams(), matched);
        }
        for (MemorySpec s : load("ultramem").memoryLayers()) {
            assertTrue(s.ultraMem().remedies().queryBatchNorm(), "query_batchnorm in the recipe");
            assertEquals(0.001, s.ultraMem().remedies().keyBalanceCoef(), "key_balance_coef in the recipe");
        }
    }

    @Test
    void presetsHaveTheIntendedShape() {
        ModelConfig dense = load("dense");
        assertNull(dense.moe());
        assertTrue(dense.memoryLayers().isEmpty());

        ModelConfig moe = load("moe");
        assertEquals(2, moe.moe().topK());
        // Two experts are about one dense FFN.
        assertWithin(dense.intermediateSize(), 2.0 * moe.moe().intermediateSize(), "2·d_e vs I");

        ModelConfig ultra = load("ultramem");
        assertEquals(2, ultra.memoryLayers().size());
        assertEquals(List.of("1:2", "3:4"),
                ultra.memoryLayers().stream().map(MemorySpec::placement).toList());
        ultra.memoryLayers().forEach(s -> assertNotNull(s.ultraMem()));

        ModelConfig pkm = load("pkm");
        assertEquals(1, pkm.memoryLayers().size());
        assertNotNull(pkm.memoryLayers().getFirst().pkm());

        ModelConfig v2 = load("ultramem-v2");
        assertEquals(dense.numLayers(), v2.memoryLayers().size());
        for (MemorySpec s : v2.memoryLayers()) {
            assertNotNull(s.ultraMemV2());
            assertEquals(s.index() + ":" + s.index(), s.placement());
        }

        for (ModelConfig c : List.of(dense, moe, ultra, load("ultramem-paper"), pkm, v2)) {
            assertEquals(c.parameterCount(), ModelCost.of(c).totalParams());
            assertEquals(dense.hiddenSize(), c.hiddenSize());
            assertEquals(dense.numLayers(), c.numLayers());
            assertEquals(dense.vocabSize(), c.vocabSize());
        }
    }

    private static void assertWithin(double expected, double actual, String what) {
        double rel = Math.abs(actual - expected) / expected;
        assertTrue(rel <= TOLERANCE, what + ": " + actual + " vs " + expected + " differ by "
                + String.format("%.1f%%", 100 * rel) + " (allowed 5%)");
    }
}
