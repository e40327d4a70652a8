package org.ultramem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ultramem.serve.ServeFixtures.await;
import static org.ultramem.serve.ServeFixtures.get;
import static org.ultramem.serve.ServeFixtures.json;
import static org.ultramem.serve.ServeFixtures.metric;
import static org.ultramem.serve.ServeFixtures.post;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What happens around the batch: 503 while the model loads, 429 with Retry-After when the queue
 * is full, a client that disconnects (running or queued) frees its place, and a request past its
 * timeout gets 504. Steps are held with a {@link StepGate} so each situation is set up exactly.
 */
class AdmissionTest {

    private static final String LONG = "{\"prompt\": \"the cat\", \"max_tokens\": 50,"
            + " \"temperature\": 0.7, \"seed\": 1, \"stream\": true}";

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void checkpoint() throws Exception {
        model = ServeFixtures.checkpoint(dir);
    }

    @Test
    void answers503WhileTheModelLoads() throws Exception {
        CountDownLatch loaded = new CountDownLatch(1);
        try (ServingServer s = ServingServer.start(ServeFixtures.options(2, 4), () -> {
            loaded.await();
            return ServeFixtures.loader(model).call();
        }, new StepGate())) {
            HttpResponse<String> health = get(s, "/health");
            assertEquals(503, health.statusCode());
            assertEquals("loading", json(health).path("status").asText());
            HttpResponse<String> r = post(s, "/v1/completions", "{\"prompt\": \"the\"}");
            assertEquals(503, r.statusCode());
            assertTrue(r.headers().firstValue("Retry-After").isPresent());
            assertEquals("model_loading", json(r).path("error").path("code").asText());
            assertEquals(503, get(s, "/v1/models").statusCode());
            loaded.countDown();
            assertTrue(s.awaitModel(60_000));
            assertEquals(200, get(s, "/health").statusCode());
            assertEquals(200, post(s, "/v1/completions", "{\"prompt\": \"the\"}").statusCode());
        }
    }

    @Test
    void fullQueueAnswers429WithRetryAfter() throws Exception {
        StepGate gate = new StepGate();
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(1, 1), model, gate)) {
            gate.hold();
            CompletableFuture<HttpResponse<String>> running = postAsync(s, LONG);
            await("one running", () -> s.metrics().running() == 1);
            CompletableFuture<HttpResponse<String>> queued = postAsync(s, LONG);
            await("one queued", () -> s.metrics().queued() == 1);
            HttpResponse<String> refused = post(s, "/v1/completions", LONG);
            assertEquals(429, refused.statusCode());
            assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
            assertEquals("queue_full", json(refused).path("error").path("code").asText());
            gate.release();
            assertEquals(200, running.get().statusCode());
            assertEquals(200, queued.get().statusCode());
            assertEquals(1, metric(s, "ultramem_requests_total{status=\"429\"}"));
        }
    }

    /** Slow uploads hold at most max-batch + max-queue capped bodies; the next gets 429. */
    @Test
    void slowUploadsBeyondTheBoundGet429() throws Exception {
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(1, 1), model,
                new StepGate())) {
            Socket[] slow = new Socket[2];
            try {
                for (int i = 0; i < slow.length; i++) {
                    slow[i] = new Socket("127.0.0.1", s.port());
                    slow[i].getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\n"
                            + "Content-Length: 1000\r\n\r\n{\"prompt\": ").getBytes(
                            StandardCharsets.US_ASCII));
                    slow[i].getOutputStream().flush();
                }
                await("both uploads reading", () -> s.bodyPermitsAvailable() == 0);
                HttpResponse<String> refused = post(s, "/v1/completions", "{\"prompt\": \"a\"}");
                assertEquals(429, refused.statusCode(), refused.body());
                assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
            } finally {
                for (Socket k : slow) {
                    if (k != null) {
                        k.close();
                    }
                }
            }
            await("permits back", () -> s.bodyPermitsAvailable() == 2);
            assertEquals(200, post(s, "/v1/completions", "{\"prompt\": \"a\"}").statusCode());
        }
    }

    @Test
    void disconnectedStreamFreesItsSlot() throws Exception {
        StepGate gate = new StepGate();
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(2, 4), model, gate)) {
            gate.hold();
            try (Socket client = openStream(s, LONG)) {
                await("running", () -> s.metrics().running() == 1);
            }
            // Steps run one at a time (at most 40 < max_tokens, so the job cannot end on its
            // own) until the server notices at a token write or a keep-alive.
            await("disconnect noticed", new java.util.function.BooleanSupplier() {
                private int steps;

                @Override
                public boolean getAsBoolean() {
                    if (steps++ < 40) {
                        gate.step(1);
                    }
                    return metric(s, "ultramem_requests_total{status=\"499\"}") > 0;
                }
            });
            assertEquals(1, metric(s, "ultramem_requests_total{status=\"499\"}"));
            gate.release(); // the scheduler drops the cancelled job at its next step
            await("slot freed", () -> s.metrics().running() == 0);
            assertEquals(200, post(s, "/v1/completions", "{\"prompt\": \"the\"}").statusCode());
        }
    }

    @Test
    void disconnectedQueuedStreamLeavesTheQueue() throws Exception {
        StepGate gate = new StepGate();
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(1, 4), model, gate)) {
            gate.hold();
            CompletableFuture<HttpResponse<String>> running = postAsync(s, LONG);
            await("one running", () -> s.metrics().running() == 1);
            try (Socket client = openStream(s, LONG)) {
                await("one queued", () -> s.metrics().queued() == 1);
            }
            await("queue emptied by the keep-alive write", () -> s.metrics().queued() == 0);
            gate.release();
            assertEquals(200, running.get().statusCode());
            assertEquals(1, metric(s, "ultramem_requests_total{status=\"499\"}"));
        }
    }

    /** Closing the server ends a running stream properly instead of leaving it hanging. */
    @Test
    void closingTheServerEndsRunningStreams() throws Exception {
        StepGate gate = new StepGate();
        ServingServer s = ServeFixtures.ready(ServeFixtures.options(1, 4), model, gate);
        gate.hold();
        CompletableFuture<HttpResponse<String>> running = postAsync(s, LONG);
        await("running", () -> s.metrics().running() == 1);
        s.close();
        HttpResponse<String> r = running.get();
        assertEquals(200, r.statusCode());
        assertEquals("cancelled", SseChunks.parse(r.body()).finishReason());
    }

    @Test
    void requestPastItsTimeoutGets504() throws Exception {
        StepGate gate = new StepGate();
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(1, 4)
                .withTimeout(Duration.ofMillis(300)), model, gate)) {
            gate.hold();
            CompletableFuture<HttpResponse<String>> r = postAsync(s, LONG.replace(
                    ", \"stream\": true", ""));
            // On a slow machine the deadline may pass before admission: 504 all the same.
            await("running or answered", () -> s.metrics().running() == 1 || r.isDone());
            Thread.sleep(400); // past the deadline while the step is held
            gate.release();
            HttpResponse<String> res = r.get();
            assertEquals(504, res.statusCode(), res.body());
            assertEquals("request_timeout", json(res).path("error").path("code").asText());
            await("slot freed", () -> s.metrics().running() == 0);
        }
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(ServingServer s,
                                                                      String body) {
        return ServeFixtures.CLIENT.sendAsync(HttpRequest.newBuilder(
                ServeFixtures.uri(s, "/v1/completions")).POST(
                HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A raw streaming request that reads up to the end of the response headers (sent with the
     * first event or keep-alive), set to reset the connection when closed.
     */
    private static Socket openStream(ServingServer s, String body) throws Exception {
        Socket socket = new Socket("127.0.0.1", s.port());
        socket.setSoLinger(true, 0);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type:"
                + " application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                throw new AssertionError("connection closed before the headers: " + head);
            }
            head.append((char) c);
        }
        assertTrue(head.toString().startsWith("HTTP/1.1 200"), head.toString());
        return socket;
    }
}
