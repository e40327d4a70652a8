package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.Precision;

/** The decode benchmark's sizing budgets (issue #4), checked from the formulas, no weights built. */
class RandomModelsTest {

    private final DecodeArchitecture dense = RandomModels.dense(600);
    private final DecodeArchitecture moe = RandomModels.moe(600);
    private final DecodeArchitecture um = RandomModels.ultraMem(600);
    private final DecodeArchitecture v2 = RandomModels.ultraMemV2(600);

    @Test
    void flopsPerTokenAgreeWithinFivePercent() {
        double d = RandomModels.flopsPerToken(dense);
        for (DecodeArchitecture a : new DecodeArchitecture[] {moe, um, v2}) {
            double ratio = RandomModels.flopsPerToken(a) / d;
            assertTrue(Math.abs(ratio - 1) <= 0.05, "FLOPs/token ratio to dense " + ratio);
        }
    }

    @Test
    void sparseModelsHoldEqualParametersAtLeastTwelveTimesDense() {
        double m = RandomModels.parameters(moe);
        double u = RandomModels.parameters(um);
        assertTrue(Math.abs(u / m - 1) <= 0.05, "UltraMem/MoE params " + u / m);
        assertTrue(m >= 12.0 * RandomModels.parameters(dense), "MoE params " + m);
        assertTrue(u >= 12.0 * RandomModels.parameters(dense), "UltraMem params " + u);
        double v = RandomModels.parameters(v2);
        assertTrue(Math.abs(v / m - 1) <= 0.05, "UltraMemV2/MoE params " + v / m);
    }

    /** The V2 count agrees with {@code ModelCost} (the count {@code inspect} prints). */
    @Test
    void ultraMemV2CountsAgreeWithModelCost() {
        var cost = org.ultramem.model.ModelCost.of(v2.model(), null, v2.memory().stream()
                .map(DecodeArchitecture.MemorySlot::ultraMemV2).toList(),
                new org.ultramem.model.ModelCost.Options(600, 4));
        assertEquals(cost.totalParams(), RandomModels.parameters(v2));
    }

    @Test
    void eachSparseModelHoldsAtLeastOneGigabyteOfSparseWeightsInF32() {
        assertTrue(RandomModels.sparseBytes(moe, Precision.F32) >= 1_000_000_000L);
        assertTrue(RandomModels.sparseBytes(um, Precision.F32) >= 1_000_000_000L);
        assertTrue(RandomModels.sparseBytes(v2, Precision.F32) >= 1_000_000_000L);
        assertTrue(RandomModels.sparseBytes(dense, Precision.F32) == 0);
    }

    @Test
    void ultraMemKeysAreSmallNextToTheBackbone() {
        var u = um.memory().get(0).ultraMem();
        long foldedKeyBytes = 2L * u.heads() * u.keysPerSide() * u.keyDim() * Float.BYTES;
        long backboneFfnBytes = 3L * RandomModels.HIDDEN * RandomModels.UM_FFN * Float.BYTES;
        assertTrue(foldedKeyBytes * 4 < backboneFfnBytes, "folded keys " + foldedKeyBytes
                + " B vs one block's FFN " + backboneFfnBytes + " B");
    }
}
