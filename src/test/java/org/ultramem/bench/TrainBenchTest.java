package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainBenchTest {

    @TempDir
    Path dir;

    /** A dense model of {@code layers} blocks trained on batches of {@code batch} × 16 tokens. */
    private Path tinyConfig(String name, int layers, int batch) throws Exception {
        Path cfg = dir.resolve(name);
        Files.writeString(cfg, """
                {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": %d,
                 "num_attention_heads": 2, "max_position_embeddings": 16,
                 "training": {"batch_size": %d, "seq_len": 16, "lr": 1e-3, "max_steps": 10}}
                """.formatted(layers, batch));
        return cfg;
    }

    @Test
    void reportsTokensPerSecondAsJson() throws Exception {
        Path cfg = tinyConfig("tiny.json", 1, 2);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, TrainBench.run(cfg, 5, true, new PrintStream(buf, true, StandardCharsets.UTF_8)));
        JsonNode j = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertTrue(j.get("tokens_per_s").asDouble() > 0);
        assertEquals(32, j.get("batch_tokens").asLong());
        assertTrue(j.get("threads").asInt() >= 1);
        assertEquals(5, j.get("steps").asInt());
        assertTrue(j.get("allocated_mb_per_step").asDouble() >= 0, j.toString());
    }

    @Test
    void comparesTwoConfigsStepsAlternatingAsJson() throws Exception {
        Path small = tinyConfig("small.json", 1, 2);
        Path wide = tinyConfig("wide.json", 2, 4);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, TrainBench.runComparison(wide, small, 7, true,
                new PrintStream(buf, true, StandardCharsets.UTF_8)));
        JsonNode j = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertEquals("wide.json", j.get("config").asText());
        assertEquals(64, j.get("batch_tokens").asLong());
        assertEquals(7, j.get("steps").asInt());
        JsonNode base = j.get("baseline");
        assertEquals("small.json", base.get("config").asText());
        assertEquals(32, base.get("batch_tokens").asLong());
        assertEquals(7, base.get("steps").asInt());
        double ratio = j.get("token_time_ratio").asDouble();
        assertTrue(j.get("token_time_ratio_min").asDouble() <= ratio
                && ratio <= j.get("token_time_ratio_max").asDouble(), j.toString());
        assertTrue(ratio > 0 && Double.isFinite(ratio), j.toString());
    }
}
