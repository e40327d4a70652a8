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
}
