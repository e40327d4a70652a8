package org.ultramem.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.ultramem.infer.Precision;
import org.ultramem.io.AtomicFiles;
import org.ultramem.serve.ChatTemplate;
import org.ultramem.serve.LoadedModel;
import org.ultramem.serve.ServeOptions;
import org.ultramem.serve.ServingServer;

/**
 * {@code ultramem bench soak}: the real HTTP server under a sustained overload, every response
 * checked. Capacity is defined, not measured: {@code max-batch + max-queue}, the requests the
 * server holds at once before it sheds with 429. {@code load × capacity} closed-loop clients
 * ({@link SoakClient}) send a mix of text and chat completions, streamed and whole, with a few
 * deliberately bad requests, for {@code seconds}; {@link ResponseValidator} classifies every
 * answer, {@link HeapMonitor} follows the heap, and {@code /health} is polled every
 * {@link #HEALTH_EVERY_S} s and once at the end ({@link SoakHealth}). The live heap net of GC
 * fillers ({@link LiveHeap}) is measured before the load and after it, once the clients' and the
 * health checker's connections are closed, so the second is what the server keeps. Writes
 * {@code soak.md}, {@code soak.json}, two plots ({@link SoakReport}) and the two class
 * histograms ({@code heap_histogram_before.txt}, {@code heap_histogram_after.txt}).
 */
public final class SoakBench {

    /** Options of one run: {@code model} null means the family member {@code member}. */
    public record Options(Path model, Path configs, String member, double seconds, double load,
                          int maxBatch, int maxQueue, int maxTokens, double streamFraction,
                          long seed, Path outDir, boolean json, int engineNice) {

        /** The engine's threads at the process's priority (serve's --engine-nice 0). */
        public Options(Path model, Path configs, String member, double seconds, double load,
                       int maxBatch, int maxQueue, int maxTokens, double streamFraction,
                       long seed, Path outDir, boolean json) {
            this(model, configs, member, seconds, load, maxBatch, maxQueue, maxTokens,
                    streamFraction, seed, outDir, json, 0);
        }

        /** Requests the server holds before it sheds: running batch plus wait queue. */
        public int capacity() {
            return maxBatch + maxQueue;
        }

        /** Concurrent clients offered: load × capacity, at least one. */
        public int clients() {
            return Math.max(1, (int) Math.round(load * capacity()));
        }
    }

    static final String PROMPT = "The quick brown fox jumps over the lazy dog while the cat";
    /** Seconds between health checks during the load. */
    static final int HEALTH_EVERY_S = 5;
    /** The server's request timeout in the soak: a request stuck longer is a failure. */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(120);

    private SoakBench() {
    }

    /** Runs the soak, writes the reports and prints them (or the JSON). */
    public static SoakResult run(Options o, PrintStream out) throws Exception {
        Callable<LoadedModel> load;
        String name;
        if (o.model() != null) {
            name = o.model().getFileName().toString();
            load = () -> LoadedModel.load(o.model(), Precision.F32, System.err::println);
        } else {
            Path config = o.configs().resolve("family-" + o.member() + ".json");
            if (!Files.isRegularFile(config)) {
                throw new IllegalArgumentException("--family-member " + o.member() + ": no "
                        + config + "; pass a member with a configs/family-<member>.json (e.g."
                        + " ultramem) or --configs DIR");
            }
            name = o.member() + " (random weights)";
            load = () -> ServeBench.randomModel(o.member(), config);
        }
        SoakResult r = run(o, name, load, o.json() ? System.err : out);
        SoakReport.write(r, o.outDir());
        out.print(o.json() ? SoakReport.json(r).toPrettyString() + "\n" : SoakReport.markdown(r));
        return r;
    }

    static SoakResult run(Options o, String name, Callable<LoadedModel> load, PrintStream log)
            throws Exception {
        AtomicReference<LoadedModel> loaded = new AtomicReference<>();
        ServeOptions so = ServeOptions.of("127.0.0.1", 0, o.maxBatch(), o.maxQueue())
                .withTimeout(REQUEST_TIMEOUT).withEngineNice(o.engineNice());
        try (ServingServer server = ServingServer.start(so, () -> {
            LoadedModel m = load.call();
            loaded.set(m);
            return m;
        })) {
            if (!server.awaitModel(Long.MAX_VALUE)) {
                throw new IllegalArgumentException("cannot load " + name + ": "
                        + server.loadFailure());
            }
            LoadedModel m = loaded.get();
            int context = m.engine().config().maxPositionEmbeddings();
            int promptTokens = m.tokenizer().encode(PROMPT).length;
            int chatTokens = m.tokenizer().encode(ChatTemplate.render(List.of(
                    new ChatTemplate.Message("user", PROMPT)))).length;
            int maxTokens = Math.min(o.maxTokens(), context - Math.max(promptTokens, chatTokens));
            if (maxTokens < 1) {
                throw new IllegalArgumentException("model " + name + " has a context of "
                        + context + " tokens, too short for the soak's prompt (" + chatTokens
                        + " tokens as chat); use a model with a longer max_position_embeddings");
            }
            URI base = URI.create("http://127.0.0.1:" + server.port());
            SoakClient client = new SoakClient(base, new SoakClient.Workload(PROMPT, maxTokens,
                    context, so.maxBodyBytes(), o.streamFraction(), o.seed(),
                    REQUEST_TIMEOUT.plusSeconds(60)), new ResponseValidator(maxTokens,
                    promptTokens, chatTokens));
            log.printf(Locale.ROOT, "soak: %s, capacity %d (max-batch %d + max-queue %d),"
                    + " %d clients (load %.2f x capacity) for %.0f s, max_tokens %d, %.0f%%"
                    + " streamed, load average %.2f%n", name, o.capacity(), o.maxBatch(),
                    o.maxQueue(), o.clients(), o.load(), o.seconds(), maxTokens,
                    100 * o.streamFraction(),
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            log.printf(Locale.ROOT, "soak: %s%n", server.enginePriority().describe());
            return soak(o, name, maxTokens, client, base, log);
        }
    }

    private static SoakResult soak(Options o, String name, int maxTokens, SoakClient client,
                                   URI base, PrintStream log) throws Exception {
        String before = LiveHeap.histogram();
        LiveHeap baseline = LiveHeap.parse(before);
        double bucket = Math.max(1, Math.round(o.seconds() / 60));
        SoakTally tally = new SoakTally(o.seconds(), bucket);
        long t0 = System.nanoTime();
        double wall;
        HeapMonitor heap = new HeapMonitor(t0, HeapVerdict.liveEverySeconds(o.seconds()));
        boolean healthyAtEnd;
        SoakHealth health = new SoakHealth(base);
        try (health) {
            Thread poller = Thread.ofVirtual().start(() -> health.poll(HEALTH_EVERY_S));
            try (client) {
                client.run(o.clients(), o.seconds(), t0, tally);
                wall = (System.nanoTime() - t0) / 1e9;
            } finally {
                poller.interrupt();
                heap.close();
            }
            poller.join();
            healthyAtEnd = health.healthy();
        }
        String after = LiveHeap.histogram();
        LiveHeap retained = LiveHeap.parse(after);
        // The histograms themselves, so that what the load left behind can be diffed by class.
        Files.createDirectories(o.outDir());
        AtomicFiles.write(o.outDir().resolve("heap_histogram_before.txt"),
                before.getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(o.outDir().resolve("heap_histogram_after.txt"),
                after.getBytes(StandardCharsets.UTF_8));
        HeapVerdict hv = HeapVerdict.of(heap.afterGc(), heap.live(), o.seconds());
        log.printf(Locale.ROOT, "soak: %d requests in %.1f s, %d tokens%n", tally.total(), wall,
                tally.totalTokens());
        return new SoakResult(name, o, maxTokens, wall, tally, heap.afterGc(), heap.used(),
                heap.live(), hv, baseline, retained, health.checks(), health.failures(),
                healthyAtEnd);
    }
}
