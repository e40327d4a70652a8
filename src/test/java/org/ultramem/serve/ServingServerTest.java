package org.ultramem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ultramem.serve.ServeFixtures.get;
import static org.ultramem.serve.ServeFixtures.json;
import static org.ultramem.serve.ServeFixtures.post;
import static org.ultramem.serve.ServeFixtures.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The routes of a real server on loopback: completions whole and streamed, chat, and the rest. */
class ServingServerTest {

    @TempDir
    static Path dir;
    static ServingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ServeFixtures.ready(ServeFixtures.options(4, 16), ServeFixtures.checkpoint(dir),
                new StepGate());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void leavesTheJvmWideDeserializationFilterUnset() {
        // Helidon would install an allow-list here that rejects Hazelcast's Java-serialized
        // config and tasks in the same JVM (serve --cluster, embedded members)
        assertEquals("ignore", System.getProperty(ServingServer.HELIDON_FILTER_ACTION));
        assertEquals(null, java.io.ObjectInputFilter.Config.getSerialFilter());
    }

    @Test
    void completionHasOpenAiShapeAndUsage() throws Exception {
        HttpResponse<String> r = post(server, "/v1/completions",
                "{\"model\": \"tiny\", \"prompt\": \"the cat\", \"max_tokens\": 7,"
                + " \"temperature\": 0}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = json(r);
        assertEquals("text_completion", j.path("object").asText());
        assertEquals("tiny", j.path("model").asText());
        assertTrue(j.path("id").asText().startsWith("cmpl-"));
        JsonNode c = j.path("choices").path(0);
        assertTrue(c.path("text").isTextual());
        assertTrue(c.path("finish_reason").asText().matches("stop|length"), r.body());
        JsonNode u = j.path("usage");
        assertTrue(u.path("prompt_tokens").asInt() > 0);
        assertTrue(u.path("completion_tokens").asInt() <= 7);
        assertEquals(u.path("prompt_tokens").asInt() + u.path("completion_tokens").asInt(),
                u.path("total_tokens").asInt());
    }

    /** The same seeded request streamed gives the same text as whole, framed as OpenAI's SSE. */
    @Test
    void streamCarriesTheSameTextAsTheWholeAnswer() throws Exception {
        String req = "\"prompt\": \"the dog ran\", \"max_tokens\": 12, \"temperature\": 0.9,"
                + " \"seed\": 42";
        HttpResponse<String> whole = post(server, "/v1/completions", "{" + req + "}");
        HttpResponse<String> streamed = post(server, "/v1/completions",
                "{" + req + ", \"stream\": true}");
        assertEquals(200, streamed.statusCode(), streamed.body());
        assertTrue(streamed.headers().firstValue("Content-Type").orElse("")
                .startsWith("text/event-stream"));
        SseChunks chunks = SseChunks.parse(streamed.body());
        assertEquals(text(whole), chunks.text());
        assertEquals(json(whole).path("choices").path(0).path("finish_reason").asText(),
                chunks.finishReason());
        for (JsonNode c : chunks.chunks()) {
            assertEquals("text_completion", c.path("object").asText());
        }
        SseChunks withUsage = SseChunks.parse(post(server, "/v1/completions", "{" + req
                + ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}").body());
        JsonNode last = withUsage.chunks().get(withUsage.chunks().size() - 1);
        assertEquals(json(whole).path("usage"), last.path("usage"));
        assertEquals(chunks.text(), withUsage.text());
    }

    @Test
    void chatCompletesWholeAndStreamed() throws Exception {
        String req = "\"messages\": [{\"role\": \"system\", \"content\": \"be brief\"},"
                + " {\"role\": \"user\", \"content\": \"the park\"}], \"max_tokens\": 6,"
                + " \"seed\": 3";
        HttpResponse<String> whole = post(server, "/v1/chat/completions", "{" + req + "}");
        assertEquals(200, whole.statusCode(), whole.body());
        JsonNode j = json(whole);
        assertEquals("chat.completion", j.path("object").asText());
        assertEquals("assistant", j.path("choices").path(0).path("message").path("role").asText());
        HttpResponse<String> streamed = post(server, "/v1/chat/completions",
                "{" + req + ", \"stream\": true}");
        SseChunks chunks = SseChunks.parse(streamed.body());
        assertEquals("assistant", chunks.chunks().get(0).path("choices").path(0).path("delta")
                .path("role").asText());
        assertEquals("chat.completion.chunk", chunks.chunks().get(0).path("object").asText());
        assertEquals(text(whole), chunks.text());
    }

    @Test
    void stopSequenceEndsTheTextBeforeIt() throws Exception {
        HttpResponse<String> free = post(server, "/v1/completions",
                "{\"prompt\": \"the mat\", \"max_tokens\": 30, \"seed\": 11}");
        String all = text(free);
        if (all.length() < 4) {
            return; // the random model ended at once; nothing to cut
        }
        String stop = all.substring(2, 4);
        HttpResponse<String> cut = post(server, "/v1/completions",
                "{\"prompt\": \"the mat\", \"max_tokens\": 30, \"seed\": 11, \"stop\": "
                + ServeFixtures.JSON.writeValueAsString(stop) + ", \"stream\": true}");
        assertEquals(all.substring(0, all.indexOf(stop)), text(cut));
        assertEquals("stop", SseChunks.parse(cut.body()).finishReason());
    }

    @Test
    void refusesAPortInUseInsteadOfRunningDeaf() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1,
                java.net.InetAddress.getLoopbackAddress())) {
            IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                    IllegalArgumentException.class, () -> ServingServer.start(ServeOptions.of(
                            "127.0.0.1", taken.getLocalPort(), 1, 1)
                            .withTimeout(java.time.Duration.ofSeconds(5)),
                            ServeFixtures.loader(dir.resolve("tiny"))));
            assertTrue(e.getMessage().contains("--port"), e.getMessage());
        }
    }

    @Test
    void listsTheModelAndReportsHealth() throws Exception {
        JsonNode models = json(get(server, "/v1/models"));
        assertEquals("list", models.path("object").asText());
        assertEquals("tiny", models.path("data").path(0).path("id").asText());
        HttpResponse<String> h = get(server, "/health");
        assertEquals(200, h.statusCode());
        assertEquals("ok", json(h).path("status").asText());
    }

    @Test
    void metricsAreExposedAsPrometheusText() throws Exception {
        post(server, "/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 3}");
        HttpResponse<String> m = get(server, "/metrics");
        assertEquals(200, m.statusCode());
        for (String name : new String[] {"ultramem_requests_total{status=\"200\"}",
            "ultramem_tokens_in_total", "ultramem_tokens_out_total", "ultramem_batch_running",
            "ultramem_queue_length", "ultramem_step_latency_seconds_bucket",
            "ultramem_step_read_bytes_sum", "ultramem_time_to_first_token_seconds_bucket"}) {
            assertTrue(m.body().contains(name), name + " missing from /metrics");
        }
        assertTrue(ServeFixtures.metric(server, "ultramem_step_read_bytes_sum") > 0,
                "decode steps read bytes");
        // Where the scheduler's time went, and the rows its passes carried: every prompt token
        // was a prompt row (tokens_in counts the prompts prefilled).
        assertTrue(ServeFixtures.metric(server,
                "ultramem_scheduler_seconds_total{phase=\"pass\"}") > 0, "pass time");
        assertEquals(ServeFixtures.metric(server, "ultramem_tokens_in_total"),
                ServeFixtures.metric(server, "ultramem_pass_rows_total{kind=\"prompt\"}"));
        assertTrue(server.metrics().schedulerSummary().contains(" passes of "));
    }

    @Test
    void servesThePlaygroundAndAnswersUnknownPathsWithAnError() throws Exception {
        HttpResponse<String> page = get(server, "/");
        assertEquals(200, page.statusCode());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertTrue(page.body().contains("/v1/completions") && page.body().contains("tokens/s"));
        HttpResponse<String> missing = get(server, "/v2/nothing");
        assertEquals(404, missing.statusCode());
        assertEquals("unknown_url", json(missing).path("error").path("code").asText());
        assertFalse(json(missing).path("error").path("message").asText().isEmpty());
    }
}
