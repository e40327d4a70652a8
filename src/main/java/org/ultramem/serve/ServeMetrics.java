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
 * ({@code ultramem_step_read_bytes}, from the engine's traffic meter), time to first token, where
 * the scheduler thread's wall time goes ({@code ultramem_scheduler_seconds_total{phase}}: pass,
 * sample, emit, wait) and the rows the passes carried ({@code ultramem_pass_rows_total{kind}}:
 * decode, prompt).
 */
public final class ServeMetrics {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicInteger engineNice = new AtomicInteger();
    private final Counter tokensIn;
    private final Counter tokensOut;
    private final Timer stepLatency;
    private final DistributionSummary stepBytes;
    private final Timer firstToken;
    private final Counter passSeconds;
    private final Counter sampleSeconds;
    private final Counter emitSeconds;
    private final Counter waitSeconds;
    private final Counter decodeRows;
    private final Counter promptRows;

    public ServeMetrics() {
        tokensIn = Counter.builder("ultramem.tokens.in").description("prompt tokens prefilled")
                .register(registry);
        tokensOut = Counter.builder("ultramem.tokens.out").description("tokens generated")
                .register(registry);
        Gauge.builder("ultramem.batch.running", running, AtomicInteger::get)
                .description("requests in the running batch").register(registry);
        Gauge.builder("ultramem.queue.length", queued, AtomicInteger::get)
                .description("requests waiting for a batch slot").register(registry);
        Gauge.builder("ultramem.engine.nice", engineNice, AtomicInteger::get)
                .description("nice value the engine's threads run at (0: the process's priority)")
                .register(registry);
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
        passSeconds = phase("pass", "the engine's passes");
        sampleSeconds = phase("sample", "sampling the passes' logits rows");
        emitSeconds = phase("emit", "detokenizing, posting tokens, finishing jobs");
        waitSeconds = phase("wait", "waiting for work (no job running) and admitting jobs");
        decodeRows = rows("decode", "decode tokens (one per decoding job and pass)");
        promptRows = rows("prompt", "prompt tokens prefilled inside the passes");
    }

    private Counter phase(String phase, String what) {
        return Counter.builder("ultramem.scheduler.seconds").tag("phase", phase)
                .description("scheduler thread wall time by phase (" + what + ")")
                .register(registry);
    }

    private Counter rows(String kind, String what) {
        return Counter.builder("ultramem.pass.rows").tag("kind", kind)
                .description("token rows the passes carried: " + what).register(registry);
    }

    /**
     * One scheduler step's wall time by phase (ns) and its rows: the pass (also recorded as
     * {@link #step}), sampling, emitting, and the wait before it.
     */
    void schedulerStep(long passNanos, long sampleNanos, long emitNanos, long waitNanos,
                       int decodeRowsNow, int promptRowsNow) {
        passSeconds.increment(passNanos / 1e9);
        sampleSeconds.increment(sampleNanos / 1e9);
        emitSeconds.increment(emitNanos / 1e9);
        waitSeconds.increment(waitNanos / 1e9);
        decodeRows.increment(decodeRowsNow);
        promptRows.increment(promptRowsNow);
    }

    /**
     * The scheduler's wall time by phase in % and the mean rows per pass so far, one line (e.g.
     * "pass 80.1%, sample 6.2%, emit 3.0%, wait 10.7% of 12.3 s; 1234 passes of 62.0 decode +
     * 18.5 prompt rows, 12.4 ms and 25.1 MB read each").
     */
    public String schedulerSummary() {
        double pass = passSeconds.count();
        double sample = sampleSeconds.count();
        double emit = emitSeconds.count();
        double wait = waitSeconds.count();
        double all = Math.max(1e-9, pass + sample + emit + wait);
        long passes = stepLatency.count();
        return String.format(java.util.Locale.ROOT, "pass %.1f%%, sample %.1f%%, emit %.1f%%,"
                + " wait %.1f%% of %.1f s; %d passes of %.1f decode + %.1f prompt rows, %.1f ms"
                + " and %.1f MB read each",
                100 * pass / all, 100 * sample / all, 100 * emit / all, 100 * wait / all, all,
                passes, decodeRows.count() / Math.max(1, passes),
                promptRows.count() / Math.max(1, passes), 1e3 * pass / Math.max(1, passes),
                stepBytes.mean() / 1e6);
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

    /** The nice value the engine's threads run at ({@link EnginePriority}). */
    void engineNice(int nice) {
        engineNice.set(nice);
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
