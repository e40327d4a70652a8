package org.ultramem.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The server's metrics in a Micrometer Prometheus registry, scraped at {@code GET /metrics}:
 * {@code ultramem_requests_total{status}}, {@code ultramem_tokens_in_total},
 * {@code ultramem_tokens_out_total}, {@code ultramem_batch_running},
 * {@code ultramem_queue_length}, the decode-step latency histogram
 * {@code ultramem_step_latency_seconds}, the bytes each step read
 * ({@code ultramem_step_read_bytes}, from the engine's traffic meter) and time to first token.
 */
public final class ServeMetrics {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final Counter tokensIn;
    private final Counter tokensOut;
    private final Timer stepLatency;
    private final DistributionSummary stepBytes;
    private final Timer firstToken;

    public ServeMetrics() {
        tokensIn = Counter.builder("ultramem.tokens.in").description("prompt tokens prefilled")
                .register(registry);
        tokensOut = Counter.builder("ultramem.tokens.out").description("tokens generated")
                .register(registry);
        Gauge.builder("ultramem.batch.running", running, AtomicInteger::get)
                .description("requests in the running batch").register(registry);
        Gauge.builder("ultramem.queue.length", queued, AtomicInteger::get)
                .description("requests waiting for a batch slot").register(registry);
        stepLatency = Timer.builder("ultramem.step.latency").description("one batched decode step")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        stepBytes = DistributionSummary.builder("ultramem.step.read").baseUnit("bytes")
                .description("bytes one decode step read (weights, memory values, KV cache)")
                .register(registry);
        firstToken = Timer.builder("ultramem.time.to.first.token")
                .description("arrival to first generated token").publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(1))
                .register(registry);
    }

    /** Counts one answered request by HTTP status. */
    public void request(int status) {
        Counter.builder("ultramem.requests").description("answered requests by HTTP status")
                .tag("status", Integer.toString(status)).register(registry).increment();
    }

    void promptTokens(int n) {
        tokensIn.increment(n);
    }

    void generatedToken() {
        tokensOut.increment();
    }

    void batch(int runningNow, int queuedNow) {
        running.set(runningNow);
        queued.set(queuedNow);
    }

    void step(long nanos, long bytes) {
        stepLatency.record(nanos, TimeUnit.NANOSECONDS);
        stepBytes.record(bytes);
    }

    void firstToken(long nanos) {
        firstToken.record(nanos, TimeUnit.NANOSECONDS);
    }

    public int running() {
        return running.get();
    }

    public int queued() {
        return queued.get();
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }
}
