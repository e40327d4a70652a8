package org.ultramem.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.ultramem.bench.ResponseValidator.Outcome;
import org.ultramem.bench.ResponseValidator.Verdict;

/**
 * The soak's load: {@code clients} virtual threads, each sending requests back to back over real
 * HTTP until the window closes (a request started before the end runs to its end). Each client
 * draws its request kinds from its own seeded generator ({@link SoakRequest#draw}), so a run's
 * mix is reproducible. A shed request (429/503) makes its client wait the Retry-After delay,
 * capped at {@link #MAX_BACKOFF_MS}, as a polite client would. Every response is read whole,
 * checked by {@link ResponseValidator} and added to a {@link SoakTally}.
 */
final class SoakClient implements AutoCloseable {

    /** Longest wait after a 429/503 (the server asks 1 s for 429 and 5 s for 503). */
    static final long MAX_BACKOFF_MS = 1000;

    /** The prompt of the good requests and what their bodies are built from. */
    record Workload(String prompt, int maxTokens, int context, int maxBodyBytes,
                    double streamFraction, long seed, Duration requestDeadline) {
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(30)).build();
    private final URI base;
    private final Workload work;
    private final ResponseValidator validator;
    private final Map<SoakRequest, byte[]> bodies = new EnumMap<>(SoakRequest.class);

    SoakClient(URI base, Workload work, ResponseValidator validator) {
        this.base = base;
        this.work = work;
        this.validator = validator;
        for (SoakRequest k : SoakRequest.values()) {
            bodies.put(k, k.body(work.prompt(), work.maxTokens(), work.context(),
                    work.maxBodyBytes()));
        }
    }

    /** Runs {@code clients} loops for {@code seconds}, timing ends from {@code t0} (nanoTime). */
    void run(int clients, double seconds, long t0, SoakTally tally) throws InterruptedException {
        long end = t0 + (long) (seconds * 1e9);
        List<Future<?>> loops = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int c = 0; c < clients; c++) {
                SplittableRandom rnd = new SplittableRandom(work.seed() * 1_000_003L + c);
                loops.add(pool.submit(() -> loop(rnd, end, t0, tally)));
            }
            for (Future<?> f : loops) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    throw new IllegalStateException("soak client failed: " + e.getCause(), e);
                }
            }
        }
    }

    private Void loop(SplittableRandom rnd, long end, long t0, SoakTally tally)
            throws InterruptedException {
        while (System.nanoTime() < end) {
            SoakRequest kind = SoakRequest.draw(rnd, work.streamFraction());
            Sent s = send(kind);
            tally.add(kind, s.status, s.verdict, (System.nanoTime() - t0) / 1e9);
            if (s.verdict.outcome() == Outcome.REJECTED) {
                Thread.sleep(backoffMs(s.retryAfter));
            }
        }
        return null;
    }

    private record Sent(String status, Verdict verdict, String retryAfter) {
    }

    /** One request, answered or failed; never throws but for interruption. */
    private Sent send(SoakRequest kind) throws InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(base.resolve(kind.path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(kind))).build();
        CompletableFuture<HttpResponse<String>> f = http.sendAsync(req,
                HttpResponse.BodyHandlers.ofString());
        try {
            HttpResponse<String> res = f.get(work.requestDeadline().toMillis(),
                    TimeUnit.MILLISECONDS);
            String retryAfter = res.headers().firstValue("Retry-After").orElse(null);
            ResponseValidator.Response r = new ResponseValidator.Response(res.statusCode(),
                    res.headers().firstValue("Content-Type").orElse(null), retryAfter,
                    res.body());
            return new Sent(Integer.toString(res.statusCode()), validator.check(kind, r),
                    retryAfter);
        } catch (TimeoutException e) {
            f.cancel(true);
            return new Sent("timeout", Verdict.of(Outcome.TIMEOUT, "no complete answer within "
                    + work.requestDeadline().toSeconds() + " s"), null);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof HttpTimeoutException) {
                return new Sent("timeout", Verdict.of(Outcome.TIMEOUT, c.toString()), null);
            }
            if (c instanceof IOException) {
                return new Sent("connection", Verdict.of(Outcome.CONNECTION_ERROR,
                        c.getClass().getSimpleName() + ": " + c.getMessage()), null);
            }
            throw new IllegalStateException("HTTP client failed: " + c, c);
        }
    }

    /** Closes the connections, so what the server still holds after the load is its own. */
    @Override
    public void close() {
        http.close();
    }

    /** The Retry-After delay in ms (1 s when absent or not a number), capped. */
    static long backoffMs(String retryAfter) {
        long ms = 1000;
        if (retryAfter != null) {
            try {
                ms = Long.parseLong(retryAfter.trim()) * 1000;
            } catch (NumberFormatException e) {
                ms = 1000; // an HTTP date: not sent by this server; wait the cap
            }
        }
        return Math.max(0, Math.min(MAX_BACKOFF_MS, ms));
    }
}
