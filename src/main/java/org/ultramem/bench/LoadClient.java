package org.ultramem.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * A bounded closed-loop load generator: {@code clients} virtual threads each send streaming
 * completions back to back until the window closes (a request started before the end runs to its
 * end), timing each from send to its first text chunk (time to first token) and to
 * {@code data: [DONE]} (latency), and reading its output tokens from the usage chunk.
 * <p>
 * One failure is retried, once, and counted apart ({@link #staleConnectionRetries()}): a request
 * answered by end-of-stream before any byte ({@link #STALE_CONNECTION}). The JDK client raises
 * it when the kept-alive connection it took from its pool was closed by the server as the
 * request went out; it does not retry it itself because a POST is not idempotent. Here it is
 * safe: no byte came back, and the server (Helidon) closes a connection only between requests
 * or after writing an error response, so the request was never started. Any other failure, and
 * a retry that fails again, is a failed request as before.
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

    /** The JDK client's message for end-of-stream before any byte of a response. */
    static final String STALE_CONNECTION = "HTTP/1.1 header parser received no bytes";

    private static final ObjectMapper JSON = new ObjectMapper();
    private final AtomicInteger staleConnectionRetries = new AtomicInteger();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final URI completions;
    private final String body;

    /** Sends {@code body} (a streaming request with usage) to {@code base}/v1/completions. */
    LoadClient(URI base, String body) {
        this.completions = base.resolve("/v1/completions");
        this.body = body;
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

    private List<Sample> loop(long end) {
        List<Sample> out = new ArrayList<>();
        while (System.nanoTime() < end) {
            out.add(one());
        }
        return out;
    }

    /** Requests sent again after {@link #STALE_CONNECTION} (each also counted in its window). */
    int staleConnectionRetries() {
        return staleConnectionRetries.get();
    }

    /** Sends the request, once more after a {@link #STALE_CONNECTION} failure. */
    private HttpResponse<Stream<String>> send(HttpRequest req)
            throws IOException, InterruptedException {
        try {
            return http.send(req, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            if (!STALE_CONNECTION.equals(e.getMessage())) {
                throw e;
            }
            staleConnectionRetries.incrementAndGet();
            return http.send(req, HttpResponse.BodyHandlers.ofLines());
        }
    }

    /** One streaming request (its latency includes a retry's). */
    private Sample one() {
        long t0 = System.nanoTime();
        HttpRequest req = HttpRequest.newBuilder(completions).timeout(Duration.ofMinutes(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            HttpResponse<Stream<String>> res = send(req);
            if (res.statusCode() != 200) {
                res.body().close();
                return new Sample(res.statusCode(), Double.NaN, ms(t0), 0,
                        "HTTP " + res.statusCode());
            }
            double ttft = Double.NaN;
            int tokens = 0;
            boolean done = false;
            try (Stream<String> lines = res.body()) {
                for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                    String line = it.next();
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
            }
            return done ? new Sample(200, ttft, ms(t0), tokens)
                    : new Sample(599, ttft, ms(t0), tokens, "stream ended without [DONE]");
        } catch (IOException e) {
            return new Sample(599, Double.NaN, ms(t0), 0, "I/O: " + e);
        } catch (UncheckedIOException e) {
            // The body's line stream wraps a connection failure mid-stream (e.g. a reset): a
            // failed request of its own kind, not the end of the whole load.
            return new Sample(599, Double.NaN, ms(t0), 0, "I/O: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Sample(599, Double.NaN, ms(t0), 0, "interrupted");
        }
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
