package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigJson;

class MemoryTableTest {

    private static JsonNode eval(long step, double mem0, double mem1) {
        return ConfigJson.parse("{\"type\":\"eval\",\"step\":" + step + ",\"mem0.slot_frac\":" + mem0
                + ",\"mem1.slot_frac\":" + mem1 + "}", "test");
    }

    @Test
    void fewestRowsUsedIgnoresWarmupAndNamesItsStep() {
        // the lowest share overall (0.10) is inside warmup; after it the dip at step 200 is the answer
        List<JsonNode> evals = List.of(eval(50, 0.10, 0.9), eval(100, 0.95, 0.9), eval(150, 0.9, 0.7),
                eval(200, 0.62, 0.8), eval(250, 0.85, 0.95));
        assertEquals("62.0% (200)", MemoryTable.fewestAfterWarmup(evals, 0, 100));
        assertEquals("70.0% (150)", MemoryTable.fewestAfterWarmup(evals, 1, 100));
        assertEquals("10.0% (50)", MemoryTable.fewestAfterWarmup(evals, 0, 0));
    }

    @Test
    void noEvaluationAfterWarmupIsSaidSo() {
        assertEquals("none after warmup", MemoryTable.fewestAfterWarmup(List.of(eval(50, 0.5, 0.5)), 0, 100));
        assertEquals("none after warmup", MemoryTable.fewestAfterWarmup(List.of(eval(150, 0.5, 0.5)), 2, 100));
    }
}
