package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

    @TempDir
    Path dir;

    @Test
    void writesOneJsonObjectPerLineWithNonFiniteAsStrings() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(f)) {
            log.write(Map.of("step", 1, "loss", 0.5));
            log.write(Map.of("step", 2, "loss", Double.NaN));
        }
        List<JsonNode> all = MetricsLog.read(f);
        assertEquals(2, Files.readAllLines(f).size());
        assertEquals(0.5, all.get(0).get("loss").asDouble());
        assertEquals("NaN", all.get(1).get("loss").asText());
    }

    @Test
    void resumeDropsEntriesAfterTheCheckpointAndTornLines() throws Exception {
        Path f = dir.resolve("metrics.jsonl");
        try (MetricsLog log = MetricsLog.create(f)) {
            for (int s = 1; s <= 4; s++) {
                log.write(Map.of("type", "train", "step", s, "loss", 1.0 / s));
            }
        }
        Files.writeString(f, "{\"type\":\"tra", StandardOpenOption.APPEND); // crash mid-line
        try (MetricsLog log = MetricsLog.resume(f, 2)) {
            log.write(Map.of("type", "train", "step", 3, "loss", 0.125));
        }
        List<JsonNode> kept = MetricsLog.read(f);
        assertEquals(List.of(1L, 2L, 3L), kept.stream().map(n -> n.get("step").asLong()).toList());
        assertEquals(0.125, kept.get(2).get("loss").asDouble());
    }
}
