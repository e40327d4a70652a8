package org.ultramem.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded closed-loop load generator: {@code clients} virtual threads each send streaming
 * completions back to back until the window closes (a request started before the end runs to its
 * end), timing each from send to its first text chunk (time to first token) and to
 * {@code data: [DONE]} (latency), and reading its output tokens from the usage chunk. Each
 * client keeps one HTTP/1.1 connection alive on a blocking socket ({@link PlainHttpConnection};
 * the JDK {@code HttpClient} it replaced cost the two shared cores about twice the CPU).
 * <p>
 * One failure is retried, once, and counted apart ({@link #staleConnectionRetries()}): a request
 * answered by end-of-stream (or a reset) before any byte ({@link #STALE_CONNECTION}), which
 * happens when the kept-alive connection was closed by the server as the request went out. A
 * POST is not idempotent, but here a retry is safe: no byte came back, and the server (Helidon)
 * closes a connection only between requests or after writing an error response, so the request
 * was never started. Any other failure, and a retry that fails again, is a failed request.
 */
final class LoadClient {

    /**
     * One request: status (200 when it completed; 599 when the connection failed), latencies in
     * ms, output tokens; {@code error} says what went wrong (null for a complete 200 stream).
     */
    record Sample(int status, double ttftMs, double latencyMs, int outputTokens, String error) {

        Sample(int status, double ttftMs, double latencyMs, int outputTokens) {
            this(status, ttftMs, latencyMs, outputTokens, null);
        }
    }

    /** One window: every request, and the wall time from the first send to the last end. */
    record Window(List<Sample> samples, double wallSeconds) {

        int outputTokens() {
            return samples.stream().filter(s -> s.status == 200).mapToInt(Sample::outputTokens)
                    .sum();
        }
    }

    /** The message of an end-of-stream before any byte of a response (the JDK client's). */
    static final String STALE_CONNECTION = "HTTP/1.1 header parser received no bytes";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicInteger staleConnectionRetries = new AtomicInteger();
    /** Connect and read timeout of a request. */
    private static final int TIMEOUT_MILLIS = 10 * 60 * 1000;
    private final URI completions;
    private final byte[][] bodies;
    private final AtomicInteger nextBody = new AtomicInteger();

    /** Sends {@code body} (a streaming request with usage) to {@code base}/v1/completions. */
    LoadClient(URI base, String body) {
        this(base, List.of(body));
    }

    /**
     * Sends {@code bodies} (streaming requests with usage) to {@code base}/v1/completions, each
     * request the next body in turn (over all clients), so concurrent requests differ.
     */
    LoadClient(URI base, List<String> bodies) {
        if (bodies.isEmpty()) {
            throw new IllegalArgumentException("a load client needs at least one request body");
        }
        this.completions = base.resolve("/v1/completions");
        this.bodies = bodies.stream().map(b -> b.getBytes(StandardCharsets.UTF_8))
                .toArray(byte[][]::new);
    }

    /** Runs {@code clients} loops for {@code seconds}. */
    Window run(int clients, double seconds) throws InterruptedException {
        long start = System.nanoTime();
        long end = start + (long) (seconds * 1e9);
        List<Future<List<Sample>>> loops = new ArrayList<>();
        List<Sample> all = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                loops.add(pool.submit(() -> loop(end)));
            }
            for (Future<List<Sample>> f : loops) {
                try {
                    all.addAll(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new IllegalStateException("load client failed: " + e.getCause(), e);
                }
            }
        }
        return new Window(all, (System.nanoTime() - start) / 1e9);
    }

    /** One virtual client: requests back to back on one kept-alive connection (a new one after
     * the server closed it or a request failed). */
    private List<Sample> loop(long end) {
        List<Sample> out = new ArrayList<>();
        PlainHttpConnection[] conn = new PlainHttpConnection[1];
        try {
            while (System.nanoTime() < end) {
                out.add(one(conn));
            }
        } finally {
            closeQuietly(conn);
        }
        return out;
    }

    /** Requests sent again after {@link #STALE_CONNECTION} (each also counted in its window). */
    int staleConnectionRetries() {
        return staleConnectionRetries.get();
    }

    /**
     * Sends the request on {@code conn[0]} (opened when null), once more on a new connection
     * after a {@link #STALE_CONNECTION} failure; returns the status with the head read.
     */
    private int send(PlainHttpConnection[] conn) throws IOException {
        byte[] body = bodies[Math.floorMod(nextBody.getAndIncrement(), bodies.length)];
        try {
            return open(conn).post(body);
        } catch (IOException e) {
            closeQuietly(conn);
            if (!STALE_CONNECTION.equals(e.getMessage())) {
                throw e;
            }
            staleConnectionRetries.incrementAndGet();
            return open(conn).post(body);
        }
    }

    private PlainHttpConnection open(PlainHttpConnection[] conn) throws IOException {
        if (conn[0] == null) {
            conn[0] = new PlainHttpConnection(completions, TIMEOUT_MILLIS);
        }
        return conn[0];
    }

    private static void closeQuietly(PlainHttpConnection[] conn) {
        if (conn[0] != null) {
            try {
                conn[0].close();
            } catch (IOException e) {
                // already gone
            }
            conn[0] = null;
        }
    }

    /** One streaming request (its latency includes a retry's). */
    private Sample one(PlainHttpConnection[] conn) {
        long t0 = System.nanoTime();
        boolean ok = false;
        try {
            int status = send(conn);
            PlainHttpConnection c = conn[0];
            if (status != 200) {
                c.drain();
                ok = true;
                return new Sample(status, Double.NaN, ms(t0), 0, "HTTP " + status);
            }
            double ttft = Double.NaN;
            int tokens = 0;
            boolean done = false;
            for (String line; (line = c.readBodyLine()) != null; ) {
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                // Only the first text chunk (its time), the usage chunk and an error event
                // matter: the others are not parsed, so the client in the server's JVM
                // spends less of the cores the server is measured on.
                if (!Double.isNaN(ttft) && !data.contains("\"usage\"")
                        && !data.contains("\"error\"")) {
                    continue;
                }
                JsonNode chunk = JSON.readTree(data);
                if (Double.isNaN(ttft) && !chunk.path("choices").path(0).path("text")
                        .asText("").isEmpty()) {
                    ttft = ms(t0);
                }
                if (chunk.has("usage")) {
                    tokens = chunk.path("usage").path("completion_tokens").asInt();
                }
                if (chunk.has("error")) {
                    return new Sample(500, ttft, ms(t0), 0, "error event: "
                            + chunk.path("error").path("message").asText());
                }
            }
            c.drain();
            ok = true;
            return done ? new Sample(200, ttft, ms(t0), tokens)
                    : new Sample(599, ttft, ms(t0), tokens, "stream ended without [DONE]");
        } catch (IOException | RuntimeException e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            return new Sample(599, Double.NaN, ms(t0), 0, "I/O: " + cause);
        } finally {
            if (!ok || conn[0] != null && !conn[0].reusable()) {
                closeQuietly(conn);
            }
        }
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
