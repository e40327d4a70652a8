package org.ultramem.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The soak's health checker: {@code GET /health} over one HTTP client (and so one kept-alive
 * connection) for the whole run. A client per check, as it first was, left a selector thread,
 * a connection pool and buffers per check for the collector, and counted them in the heap the
 * soak judges. Closed before the final live-heap measurement, so what the server keeps is
 * measured without this connection.
 */
final class SoakHealth implements AutoCloseable {

    /** How long one check may take before it counts as failed. */
    static final Duration CHECK_TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(CHECK_TIMEOUT).build();
    private final HttpRequest request;
    private final AtomicInteger checks = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();

    SoakHealth(URI base) {
        request = HttpRequest.newBuilder(base.resolve("/health")).timeout(CHECK_TIMEOUT).build();
    }

    /** True when {@code GET /health} answers 200 with status "ok" within the timeout. */
    boolean healthy() throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 && r.body().contains("\"status\":\"ok\"");
        } catch (IOException e) {
            return false;
        }
    }

    /** Checks every {@code everySeconds} until interrupted, counting checks and failures. */
    void poll(int everySeconds) {
        try {
            while (true) {
                Thread.sleep(everySeconds * 1000L);
                checks.incrementAndGet();
                if (!healthy()) {
                    failures.incrementAndGet();
                }
            }
        } catch (InterruptedException e) {
            // the load ended
        }
    }

    int checks() {
        return checks.get();
    }

    int failures() {
        return failures.get();
    }

    @Override
    public void close() {
        http.close();
    }
}
