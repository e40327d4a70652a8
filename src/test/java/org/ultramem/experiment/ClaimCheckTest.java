package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.ultramem.experiment.ClaimCheck.Verdict;

class ClaimCheckTest {

    private static ClaimCheck check(Map<String, SeedStats> val) {
        return new ClaimCheck(val, Map.of(), Map.of());
    }

    @Test
    void belowHoldsOnlyWhenTheGapExceedsTheLargerSpread() {
        // sd of {2.0, 2.02} = 0.01414; of {2.2, 2.21} = 0.00707
        ClaimCheck c = check(Map.of("um", SeedStats.of(2.0, 2.02), "pkm", SeedStats.of(2.2, 2.21),
                "dense", SeedStats.of(2.015, 2.02), "worse", SeedStats.of(2.3, 2.31)));
        assertEquals(Verdict.HOLDS, c.below("um", "pkm").verdict());
        assertEquals(Verdict.INCONCLUSIVE, c.below("um", "dense").verdict());
        assertEquals(Verdict.DOES_NOT_HOLD, c.below("worse", "um").verdict());
        assertTrue(c.below("um", "pkm").evidence().contains("um lower by 0.1950"), c.below("um", "pkm").evidence());
        assertTrue(c.below("worse", "um").evidence().contains("worse higher by 0.2950"), c.below("worse", "um").evidence());
    }

    @Test
    void belowWithOneSeedEachIsInconclusiveAndSaysWhy() {
        ClaimCheck.Result r = check(Map.of("um", SeedStats.of(2.0), "pkm", SeedStats.of(2.5))).below("um", "pkm");
        assertEquals(Verdict.INCONCLUSIVE, r.verdict());
        assertTrue(r.evidence().contains("--seeds 2"), r.evidence());
    }

    @Test
    void withinOrBelowAcceptsADifferenceInsideTheNoise() {
        // um 2.020, moe 2.015 ± 0.0212: +0.005 is inside the noise
        ClaimCheck c = check(Map.of("um", SeedStats.of(2.01, 2.03), "moe", SeedStats.of(2.0, 2.03)));
        assertEquals(Verdict.HOLDS, c.withinOrBelow("um", "moe").verdict());
    }

    @Test
    void withinOrBelowFailsBeyondTheNoise() {
        ClaimCheck c = check(Map.of("um", SeedStats.of(2.10, 2.11), "moe", SeedStats.of(2.0, 2.01)));
        assertEquals(Verdict.DOES_NOT_HOLD, c.withinOrBelow("um", "moe").verdict());
    }

    @Test
    void bitsAboveComparesWithTheFactorAndTheSeedSpread() {
        // um 3100 ± 141, dense 900 ± 14: 3x dense = 2700, margin +400 > max(141, 3 x 14 = 42)
        Map<String, SeedStats> bits = Map.of("um", SeedStats.of(3000, 3200), "dense", SeedStats.of(890, 910),
                "pkm", SeedStats.of(3050, 3100), "moe", SeedStats.of(3500, 3600));
        ClaimCheck c = new ClaimCheck(Map.of(), Map.of(), Map.of(), bits);
        ClaimCheck.Result r = c.bitsAbove("um", "dense", 3);
        assertEquals(Verdict.HOLDS, r.verdict(), r.evidence());
        assertTrue(r.claim().equals("um stores more than 3x dense's bits of knowledge"), r.claim());
        assertTrue(r.evidence().contains("ratio 3.44") && r.evidence().contains("+400.0 bits"), r.evidence());
        assertEquals(Verdict.INCONCLUSIVE, c.bitsAbove("um", "pkm", 1).verdict());
        assertEquals(Verdict.DOES_NOT_HOLD, c.bitsAbove("um", "moe", 1).verdict());
        List<ClaimCheck.Result> all = c.check(new ClaimSpec("bits_above", "um", List.of("dense", "moe"), "", 3));
        assertEquals(2, all.size());
    }

    @Test
    void bitsAboveWithoutAFactsEvaluationOrWithOneSeedIsInconclusive() {
        ClaimCheck none = new ClaimCheck(Map.of(), Map.of(), Map.of(), Map.of("um", SeedStats.of(10)));
        assertTrue(none.bitsAbove("um", "dense", 1).evidence().contains("no facts evaluation"));
        ClaimCheck one = new ClaimCheck(Map.of(), Map.of(), Map.of(),
                Map.of("um", SeedStats.of(100), "dense", SeedStats.of(10)));
        ClaimCheck.Result r = one.bitsAbove("um", "dense", 3);
        assertEquals(Verdict.INCONCLUSIVE, r.verdict());
        assertTrue(r.evidence().contains("--seeds 2"), r.evidence());
    }

    @Test
    void ladderJudgesOnlyStepsThePaperFoundHelpful() {
        Map<String, SeedStats> val = Map.of("a", SeedStats.of(3.0, 3.02), "b", SeedStats.of(2.95),
                "c", SeedStats.of(3.10), "d", SeedStats.of(3.0));
        ClaimCheck c = new ClaimCheck(val, Map.of("b", -0.01, "c", 0.003, "d", -0.02), Map.of());
        List<ClaimCheck.Result> rs = c.check(new ClaimSpec("ladder", null, List.of("a", "b", "c", "d"), ""));
        assertEquals(2, rs.size());
        assertEquals(Verdict.HOLDS, rs.get(0).verdict()); // 3.01 -> 2.95
        assertEquals(Verdict.HOLDS, rs.get(1).verdict()); // 3.10 -> 3.00
        ClaimCheck hurt = new ClaimCheck(Map.of("a", SeedStats.of(3.0, 3.002), "b", SeedStats.of(3.05)),
                Map.of("b", -0.01), Map.of());
        assertEquals(Verdict.DOES_NOT_HOLD, hurt.ladderStep("a", "b", -0.01).verdict());
    }

    @Test
    void logSlotsFitsSlopeAndRSquared() {
        Map<String, SeedStats> val = Map.of("k1", SeedStats.of(3.0), "k2", SeedStats.of(2.9),
                "k3", SeedStats.of(2.8, 2.8001), "k4", SeedStats.of(2.7));
        Map<String, Long> slots = Map.of("k1", 1000L, "k2", 2000L, "k3", 4000L, "k4", 8000L);
        ClaimCheck.Result r = new ClaimCheck(val, Map.of(), slots).logSlots(List.of("k1", "k2", "k3", "k4"));
        assertEquals(Verdict.HOLDS, r.verdict());
        assertTrue(r.evidence().contains("-0.1000 per doubling"), r.evidence());
        assertTrue(r.evidence().contains("R² 1.000"), r.evidence());
        Map<String, SeedStats> flat = Map.of("k1", SeedStats.of(3.0, 3.1), "k2", SeedStats.of(3.0),
                "k4", SeedStats.of(3.01));
        assertEquals(Verdict.INCONCLUSIVE, new ClaimCheck(flat, Map.of(), slots)
                .logSlots(List.of("k1", "k2", "k4")).verdict());
    }

    @Test
    void missingRunsAreInconclusive() {
        ClaimCheck.Result r = check(Map.of("um", SeedStats.of(2.0))).below("um", "pkm");
        assertEquals(Verdict.INCONCLUSIVE, r.verdict());
        assertTrue(r.evidence().contains("`pkm` has no finished seed"), r.evidence());
    }
}
