package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ultramem.infer.Precision;

class DecodeBenchTest {

    private static final List<DecodeBench.Point> POINTS = List.of(
            new DecodeBench.Point("dense", 4, 2.0, 2000, 26e6, 0.8, 4.0, 32.5, 0.1),
            new DecodeBench.Point("moe", 4, 8.0, 500, 72e6, 2.2, 15.0, 32.5, 0.1),
            new DecodeBench.Point("ultramem", 4, 2.5, 1600, 26.5e6, 0.8, 5.0, 32.5, 0.1),
            new DecodeBench.Point("ultramem_v2", 4, 3.2, 1250, 27e6, 0.83, 6.0, 32.5, 0.1));

    @Test
    void tableRowCarriesBothRatiosAndTheBoundRatio() {
        String md = DecodeBench.markdown(POINTS, new int[] {4});
        String row = md.lines().filter(l -> l.startsWith("| 4 |")).findFirst().orElseThrow();
        // moe/um 8 / 2.5 = 3.20, um/dense 2.5 / 2 = 1.25, moe/v2 8 / 3.2 = 2.50,
        // v2/dense 3.2 / 2 = 1.60; um/bound 2.5 / 0.8 = 3.13, v2/bound 3.2 / 0.83 = 3.86
        assertTrue(row.contains("| 3.20 | 1.25 | 2.50 | 1.60 |"), row);
        assertTrue(row.contains("| 0.800 | 3.13 | 0.830 | 3.86 | 32.5 |"), row);
        assertTrue(row.contains("| 26.5 | 27.0 |"), row);
    }

    @Test
    void jsonHasTheDocumentedPointFields() throws Exception {
        DecodeBench.Options o = new DecodeBench.Options(new int[] {4}, 512, 5, Precision.F32,
                Precision.BF16, Path.of("unused"), true);
        JsonNode root = new ObjectMapper().readTree(DecodeBench.json(POINTS, o, 31.0, List.of()));
        assertEquals(4, root.path("points").size());
        JsonNode p = root.path("points").get(2);
        assertEquals("ultramem", p.path("model").asText());
        for (String f : new String[] {"batch", "step_ms", "tokens_per_s", "bytes_per_step",
                "bound_ms"}) {
            assertTrue(p.path(f).isNumber(), f);
        }
        assertTrue(root.path("random_weights").asBoolean());
    }

    @Test
    void stageTableAndJsonCarryEachStagesTimeAndRate() throws Exception {
        // attention 2 ms for 20 MB: 10.0 GB/s; logits 0.5 ms for 4 MB: 8.0 GB/s
        StageTimes t = new StageTimes(new double[] {0.01, 2.0, 0.0, 1.0, 0.5},
                new double[] {0.01, 20.0, 0.0, 6.0, 4.0});
        List<DecodeBench.Point> points = List.of(new DecodeBench.Point("ultramem", 4, 3.6, 1100,
                30e6, 0.9, 7.0, 33.0, 0.1, t));
        String md = StageTimes.markdown(points);
        String row = md.lines().filter(l -> l.startsWith("| 4 | ultramem |")).findFirst()
                .orElseThrow();
        assertTrue(row.contains("| 2.000 (10.0) |"), row);
        assertTrue(row.contains("| 0.500 (8.0) | 3.600 | 33.0 |"), row);
        assertTrue(StageTimes.markdown(POINTS).isEmpty(), "no stage table without --stages");
        DecodeBench.Options o = new DecodeBench.Options(new int[] {4}, 512, 5, Precision.F32,
                Precision.BF16, Path.of("unused"), true, true);
        JsonNode p = new ObjectMapper().readTree(DecodeBench.json(points, o, 31.0, List.of()))
                .path("points").get(0).path("stages");
        assertEquals(2.0, p.path("attention").path("ms").asDouble(), 1e-12);
        assertEquals(20.0, p.path("attention").path("mb").asDouble(), 1e-12);
        assertEquals(5, p.size(), "one object per stage");
    }
}
