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

    @Test
    void reportsTokensPerSecondAsJson() throws Exception {
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, """
                {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "max_position_embeddings": 16,
                 "training": {"batch_size": 2, "seq_len": 16, "lr": 1e-3, "max_steps": 10}}
                """);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        assertEquals(0, TrainBench.run(cfg, 5, true, new PrintStream(buf, true, StandardCharsets.UTF_8)));
        JsonNode j = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertTrue(j.get("tokens_per_s").asDouble() > 0);
        assertEquals(32, j.get("batch_tokens").asLong());
        assertTrue(j.get("threads").asInt() >= 1);
        assertEquals(5, j.get("steps").asInt());
        assertTrue(j.get("allocated_mb_per_step").asDouble() >= 0, j.toString());
    }
}
