package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CollapseWatchTest {

    @Test
    void warnsOncePerEventWhenRowsInUseFallBelowTheThresholdOrHalve() {
        CollapseWatch w = new CollapseWatch(0.5);
        assertEquals(List.of(), w.check(250, Map.of("mem0.slot_frac", 0.84, "mem1.slot_frac", 0.9)));
        List<String> drop = w.check(500, Map.of("mem0.slot_frac", 0.12, "mem1.slot_frac", 0.6));
        assertEquals(1, drop.size(), drop.toString());
        assertTrue(drop.get(0).startsWith("warning: memory layer mem0 is collapsing at step 500: "
                + "12.0% of its value rows in use"), drop.get(0));
        assertTrue(drop.get(0).contains("halved") && drop.get(0).contains("84.0% at step 250"),
                drop.get(0));
        // staying low is not a new event; halving again is
        assertEquals(List.of(), w.check(750, Map.of("mem0.slot_frac", 0.10, "mem1.slot_frac", 0.55)));
        assertEquals(1, w.check(1000, Map.of("mem0.slot_frac", 0.05)).size());
        // crossing the threshold without halving (0.55 -> 0.45) warns, naming the key
        List<String> below = w.check(1250, Map.of("mem1.slot_frac", 0.45));
        assertEquals(1, below.size());
        assertTrue(below.get(0).contains("below training.collapse_warn_slot_frac 0.50"), below.get(0));
    }

    @Test
    void firstEvaluationBelowThresholdWarnsAndZeroThresholdOnlyWatchesHalvings() {
        assertEquals(1, new CollapseWatch(0.5).check(10, Map.of("mem2.slot_frac", 0.2)).size());
        CollapseWatch halvings = new CollapseWatch(0);
        assertEquals(List.of(), halvings.check(10, Map.of("mem0.slot_frac", 0.2)));
        assertEquals(List.of(), halvings.check(20, Map.of("mem0.slot_frac", 0.15)));
        assertEquals(1, halvings.check(30, Map.of("mem0.slot_frac", 0.07)).size());
        assertEquals(List.of(), halvings.check(40, Map.of("mem0.key_frac", 0.01, "moe1.balance", 9.0)));
    }
}
