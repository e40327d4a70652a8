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
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.bench.ResponseValidator.Outcome;
import org.ultramem.model.ModelConfig;
import org.ultramem.testing.CheckpointMutants;
import org.ultramem.testing.TinyTokenizers;

/**
 * A few seconds of soak on a tiny checkpoint with a batch and queue of one, so that 4 x capacity
 * really overloads it: nothing malformed, requests were shed, every shed one with 429/503, the
 * server healthy at the end, and the reports written.
 */
class SoakBenchTest {

    @TempDir
    Path dir;

    @Test
    void shortOverloadIsShedCleanlyAndReported() throws Exception {
        Path tok = TinyTokenizers.save(dir.resolve("tokenizer.json"), TinyTokenizers.A, 270);
        Path model = CheckpointMutants.write(dir.resolve("tiny"), ModelConfig.of(300, 16, 1, 2,
                32, 160), tok);
        Path out = dir.resolve("out");
        SoakBench.Options o = new SoakBench.Options(model, null, null, 3, 4.0, 1, 1, 8, 0.5,
                7, out, true);
        assertEquals(8, o.clients());
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        SoakResult r = SoakBench.run(o, new PrintStream(stdout, true, StandardCharsets.UTF_8));

        SoakTally t = r.tally();
        assertEquals(0, t.count(Outcome.MALFORMED), t.malformedSamples().toString());
        assertEquals(0, t.count(Outcome.SERVER_ERROR) + t.count(Outcome.TIMEOUT)
                + t.count(Outcome.CONNECTION_ERROR), t.failureReasons().toString());
        assertTrue(t.count(Outcome.OK) > 0 && t.totalTokens() > 0, t.byOutcome().toString());
        assertTrue(t.count(Outcome.REJECTED) > 0, "8 clients on capacity 2 must be shed: "
                + t.byOutcome());
        assertTrue(Set.of("200", "400", "413", "429", "503").containsAll(t.byStatus().keySet()),
                t.byStatus().toString());
        assertTrue(r.healthyAtEnd());
        assertEquals("PASS", r.verdicts().get(0).state());
        assertEquals("PASS", r.verdicts().get(1).state());
        assertEquals("PASS", r.verdicts().get(2).state());
        assertEquals("FAIL", r.verdicts().get(4).state(), "3 s is not the 600 s target");

        JsonNode json = new ObjectMapper().readTree(stdout.toString(StandardCharsets.UTF_8));
        assertEquals(2, json.path("capacity").asInt());
        assertEquals(t.total(), json.path("requests").asLong());
        assertTrue(json.path("heap").path("peak_after_gc_bytes").isNumber());
        assertTrue(json.path("heap").path("live_before_bytes").asLong() > 0);
        for (String f : new String[] {"soak.md", "soak.json", "soak_tokens_per_s.png",
                "soak_heap.png", "heap_histogram_before.txt", "heap_histogram_after.txt"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
        assertTrue(Files.readString(out.resolve("soak.md")).contains("| zero malformed"
                + " responses | PASS |"));
    }
}
