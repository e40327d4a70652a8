package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class LayerBenchTest {

    @Test
    @Tag("slow")
    void presetAPrintsJsonWithMedians() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LayerBench.Result r = LayerBench.run("a", true, new PrintStream(buf, true, StandardCharsets.UTF_8), 5);
        JsonNode json = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertTrue(json.get("fwd_ms").asDouble() > 0);
        assertTrue(json.get("fwd_bwd_ms").asDouble() >= 0.5 * json.get("fwd_ms").asDouble());
        assertTrue(r.tokens() == 512 && json.get("preset").asText().equals("A"));
    }

    @Test
    @Tag("slow")
    void presetV2APrintsJsonWithoutTorchFigures() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        LayerBench.Result r = LayerBench.run("v2a", true,
                new PrintStream(buf, true, StandardCharsets.UTF_8), 5);
        JsonNode json = new ObjectMapper().readTree(buf.toString(StandardCharsets.UTF_8));
        assertTrue(json.get("bench").asText().equals("ultramem_v2_layer"), json.toString());
        assertTrue(json.get("fwd_ms").asDouble() > 0 && json.get("torch_fwd_ms").isNull());
        assertTrue(r.tokens() == 512 && json.get("preset").asText().equals("V2A"));
    }

    @Test
    void rejectsUnknownPresetAndTooFewReps() {
        PrintStream out = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        assertThrows(IllegalArgumentException.class, () -> LayerBench.run("C", false, out));
        assertThrows(IllegalArgumentException.class, () -> LayerBench.run("A", false, out, 2));
        assertThrows(IllegalArgumentException.class, () -> LayerBench.run("V2C", false, out));
    }
}
