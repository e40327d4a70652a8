package org.ultramem.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.io.AtomicFiles;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.report.LinePlot;
import org.ultramem.serve.LoadedModel;
import org.ultramem.serve.ServeOptions;
import org.ultramem.serve.ServingServer;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.BpeTrainer;

/**
 * {@code ultramem bench serve}: the server under load on loopback. Every model is served at once;
 * per client count each gets a warm-up window, then {@code reps} (≥ 5) rounds of one timed window
 * of closed-loop clients ({@link LoadClient}) per model, back to back; output tokens/s is the
 * median over a model's windows, latency and time to first token percentiles pool every request,
 * and each memory model's ratio to each other model is the median over rounds ({@link
 * RoundRatio}). The models are one checkpoint, or the dense, MoE and
 * UltraMem members of the matched family ({@code configs/family-*.json}) with random weights and
 * a byte-level tokenizer (ids past it show as {@code <id>}). The server's batch is the largest
 * client count, so no request queues. Writes {@code serve.md}, {@code serve.json} and
 * {@code serve_tokens_per_s.png} (tokens/s against clients).
 */
public final class ServeBench {

    /**
     * Options of one run: {@code model} null means a family, the configs' ({@code configs}) or,
     * with {@code decodeModels}, {@code bench decode}'s ({@link RandomModels}); {@code
     * engineNice} as {@code serve --engine-nice} ({@link ServeOptions#engineNice}).
     */
    public record Options(Path model, Path configs, boolean decodeModels, int[] clients,
                          double seconds, double warmupSeconds, int reps, int maxTokens,
                          Path outDir, boolean json, List<String> only, int promptVariants,
                          double jitWarmupSeconds, int engineNice) {

        /**
         * All models of the family or the decode set, {@link #PROMPT_VARIANTS} prompts, no JIT
         * warm-up beyond each point's, the engine's threads at the process's priority.
         */
        public Options(Path model, Path configs, boolean decodeModels, int[] clients,
                       double seconds, double warmupSeconds, int reps, int maxTokens,
                       Path outDir, boolean json) {
            this(model, configs, decodeModels, clients, seconds, warmupSeconds, reps, maxTokens,
                    outDir, json, List.of(), PROMPT_VARIANTS, 0, 0);
        }
    }

    /**
     * The members of {@code all} to serve: all of them when {@code only} is empty, else those
     * named (in {@code all}'s order); an unknown name is a user error listing the known ones.
     */
    static List<String> selected(String[] all, List<String> only) {
        for (String name : only) {
            if (!Arrays.asList(all).contains(name)) {
                throw new IllegalArgumentException("--only " + name + " is not one of these"
                        + " models; use some of " + String.join(", ", all));
            }
        }
        return Arrays.stream(all).filter(n -> only.isEmpty() || only.contains(n)).toList();
    }

    /**
     * One measured point; latencies in ms. {@code allocKbPerToken}: heap bytes allocated by every
     * platform thread of the JVM (the server's carriers, the engine, the load clients) over the
     * model's windows, per output token, in KB ({@link ThreadAllocation}). The HTTP side
     * allocates a few KB per token; tens or hundreds of KB mean a kernel boxes its vectors (C2
     * left a vector call unbound, {@code BlockTranspose}: ~550 KB per token at 64 clients).
     */
    public record Point(String model, int clients, double tokensPerS, double p50Ms,
                        double p95Ms, double p99Ms, double ttftP50Ms, double ttftP95Ms,
                        int requests, int errors, Map<String, Integer> errorKinds,
                        double allocKbPerToken) {
    }

    static final String[] FAMILY = {"dense", "moe", "ultramem"};
    /** {@code bench decode}'s models served by {@code --decode-models}. */
    static final String[] DECODE_MODELS = {"dense", "moe", "ultramem", "ultramem_v2"};
    static final String PROMPT = "The quick brown fox jumps over the lazy dog while the"
            + " cat sat on the mat";

    /** Distinct prompts the clients send in turn (default of {@code --prompt-variants}). */
    static final int PROMPT_VARIANTS = 256;

    /**
     * The words the prompts are drawn from (common English words, {@link #PROMPT}'s among them);
     * the byte tokenizer of the random-weight models learns them, so a prompt of 16 words is
     * about as many tokens as {@link #PROMPT}.
     */
    static final List<String> WORDS = List.of(("the quick brown fox jumps over lazy dog while cat"
            + " sat on mat of and to in is was for that with as by at from his her it an were"
            + " which are this be or had not but have they one all their there been has more when"
            + " who will no would its into only some out other than time could after first also"
            + " then two them can new about these may she like him up so any what most through"
            + " our well where between very just both before each those much must people did such"
            + " because long own under world life how still many work same day even year three"
            + " great another last back never here made way city part old right name place small"
            + " house water river road tree light night morning home family school friend book"
            + " story music game table window door garden field mountain forest sea ship train"
            + " bird horse fish child woman man king queen doctor teacher market village bridge"
            + " winter summer spring autumn rain snow wind fire stone gold silver paper letter"
            + " money food bread apple milk coffee tea red green blue white black young happy"
            + " quiet early late open close walk run read write sing play build carry follow"
            + " remember answer question evening north south east west").split(" "));

    private ServeBench() {
    }

    /**
     * {@code count} prompts: {@link #PROMPT} first, then each a seeded draw of as many words
     * from {@link #WORDS}, so concurrent requests carry different text, as a server's traffic
     * does. Prompts that share their words are a degenerate load for MoE: attention averages
     * each sequence's context, so sequences with the same tokens in their context route to the
     * same experts. bench decode's MoE at 64 sequences (2026-12-07, 64 decode steps after
     * 19-token prompts, the model sampling its own tokens) read 329 MB of experts per step
     * with prompts that were orders of one set of 19 tokens (this method's earlier prompts),
     * 593 MB with prompts of random tokens, 615 MB with every token random (bench decode's
     * batch), and a trained router with a balance loss spreads tokens wider still.
     */
    static List<String> prompts(int count) {
        int length = PROMPT.split(" ").length;
        SplittableRandom rnd = new SplittableRandom(2026);
        Set<String> out = new LinkedHashSet<>();
        out.add(PROMPT);
        while (out.size() < count) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < length; i++) {
                sb.append(i == 0 ? "" : " ").append(WORDS.get(rnd.nextInt(WORDS.size())));
            }
            out.add(sb.toString());
        }
        return new ArrayList<>(out);
    }

    /**
     * Output tokens/s of {@code model} over {@code base} at {@code clients} clients, the median
     * over rounds of the ratio of the two windows taken back to back in each round (range in
     * {@code min}, {@code max}).
     */
    public record RoundRatio(String model, String base, int clients, double median, double min,
                             double max) {
    }

    /**
     * The points and the same-round ratios of one run, and the engine threads' priority
     * ({@link org.ultramem.serve.EnginePriority#describe}).
     */
    public record Result(List<Point> points, List<RoundRatio> ratios, String enginePriority) {

        public Result(List<Point> points, List<RoundRatio> ratios) {
            this(points, ratios, "");
        }
    }

    /** Runs every model and client count, writes the reports, prints a table (or JSON). */
    public static List<Point> run(Options o, PrintStream out) throws Exception {
        PrintStream log = o.json() ? System.err : out;
        log.printf(Locale.ROOT, "serve bench: %s, clients %s, %.1f s per point in %d windows"
                + " after %.1f s warm-up (%.0f s once per model before the first), max_tokens %d,"
                + " %d distinct prompts, load average %.2f%n",
                o.model() != null ? o.model().toString() : o.decodeModels()
                        ? "bench decode's matched models (memory models 46x dense parameters),"
                        + " random weights" : "matched family, random weights",
                Arrays.toString(o.clients()), o.seconds(), o.reps(), o.warmupSeconds(),
                o.jitWarmupSeconds(),
                o.maxTokens(), o.promptVariants(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        List<String> names = new ArrayList<>();
        List<Callable<LoadedModel>> loads = new ArrayList<>();
        if (o.model() != null) {
            names.add(o.model().getFileName().toString());
            loads.add(() -> LoadedModel.load(o.model(), Precision.F32, log::println));
        } else if (o.decodeModels()) {
            int context = Math.max(512, o.maxTokens() + 64);
            for (String name : selected(DECODE_MODELS, o.only())) {
                names.add(name);
                loads.add(() -> decodeModel(name, context));
            }
        } else {
            for (String name : selected(FAMILY, o.only())) {
                Path config = o.configs().resolve("family-" + name + ".json");
                names.add(name);
                loads.add(() -> randomModel(name, config));
            }
        }
        Result r = measure(o, names, loads, log);
        write(r, o);
        if (o.json()) {
            out.println(json(r, o));
        } else {
            out.print(markdown(r));
        }
        return r.points();
    }

    /** The family member {@code name} from {@code config}, random weights, byte tokenizer. */
    static LoadedModel randomModel(String name, Path config) {
        ModelConfig cfg = ModelConfig.load(config);
        InferenceModel engine = InferenceModel.of(new Transformer(cfg, 1, 4, 1234), Precision.F32);
        return new LoadedModel(name, engine, byteTokenizer());
    }

    /**
     * {@code bench decode}'s model {@code name} ({@link RandomModels}: equal FLOPs per token, the
     * memory models and MoE ~255 M parameters each), fp32 random weights, byte tokenizer: the
     * scale at which MoE's expert traffic per step dwarfs its compute, as in the paper's setting.
     */
    static LoadedModel decodeModel(String name, int context) {
        DecodeArchitecture arch = DecodeBench.architecture(name, context);
        InferenceModel engine = new InferenceModel(arch, RandomModels.build(arch, Precision.F32,
                42), Precision.F32);
        return new LoadedModel(name, engine, byteTokenizer());
    }

    /** A byte-level BPE over {@link #WORDS} (vocabulary {@link #TOKENIZER_VOCAB}). */
    static BpeTokenizer byteTokenizer() {
        BpeTrainer trainer = new BpeTrainer();
        trainer.addDocument((String.join(" ", WORDS) + " ").repeat(20));
        return trainer.train(TOKENIZER_VOCAB, line -> { });
    }

    /** Byte tokens plus merges: enough for most words of {@link #WORDS} to be one token. */
    static final int TOKENIZER_VOCAB = 1024;

    /** {@link #measure(Options, List, List, PrintStream)} of one model. */
    static List<Point> measure(Options o, String name, Callable<LoadedModel> load,
                               PrintStream log) throws Exception {
        return measure(o, List.of(name), List.of(load), log).points();
    }

    /**
     * Serves every model at once (a server each, loaded up front) and, per client count, warms
     * each, then takes {@code reps} rounds of one window per model back to back, in an order
     * rotated every round. The VM's speed drifts by ±20% over minutes (2026-12-07: the same
     * jar's UltraMem served 5,292-7,217 tokens/s at 64 clients in runs a minute apart), so a
     * model measured after another saw a different machine; within a round the windows are
     * seconds apart, and {@link RoundRatio} compares those.
     */
    static Result measure(Options o, List<String> names, List<Callable<LoadedModel>> loads,
                          PrintStream log) throws Exception {
        int count = names.size();
        int maxClients = Arrays.stream(o.clients()).max().orElseThrow();
        ServeOptions options = ServeOptions.of("127.0.0.1", 0, maxClients, 2 * maxClients)
                .withEngineNice(o.engineNice());
        List<ServingServer> servers = new ArrayList<>();
        try {
            List<LoadClient> clients = new ArrayList<>();
            List<String> bodies = new ArrayList<>();
            for (String prompt : prompts(o.promptVariants())) {
                bodies.add("{\"prompt\": \"" + prompt + "\", \"max_tokens\": " + o.maxTokens()
                        + ", \"temperature\": 1.0, \"stream\": true,"
                        + " \"stream_options\": {\"include_usage\": true}}");
            }
            for (int m = 0; m < count; m++) {
                ServingServer server = ServingServer.start(options, loads.get(m));
                servers.add(server);
                if (!server.awaitModel(Long.MAX_VALUE)) {
                    throw new IllegalArgumentException("cannot load " + names.get(m) + ": "
                            + server.loadFailure());
                }
                clients.add(new LoadClient(URI.create("http://127.0.0.1:" + server.port()),
                        bodies));
            }
            String priority = servers.get(0).enginePriority().describe();
            log.printf(Locale.ROOT, "  %s%n", priority);
            List<Point> points = new ArrayList<>();
            List<RoundRatio> ratios = new ArrayList<>();
            // Once per model, at the largest client count: on 2 cores the JVM has one C2 thread,
            // and the decode attention reached C2 4.9 s after start (2026-12-07, family: 1.80x
            // MoE after a 3 s warm-up, 1.91-2.16x after 30 s; docs/results/speed-2026-12-07e).
            for (LoadClient client : clients) {
                client.run(maxClients, o.jitWarmupSeconds());
            }
            for (int c : o.clients()) {
                for (LoadClient client : clients) {
                    client.run(c, o.warmupSeconds());
                }
                double[][] rates = new double[count][o.reps()];
                long[] allocated = new long[count];
                long[] tokens = new long[count];
                List<List<LoadClient.Sample>> samples = new ArrayList<>();
                for (int m = 0; m < count; m++) {
                    samples.add(new ArrayList<>());
                }
                for (int r = 0; r < o.reps(); r++) {
                    for (int j = 0; j < count; j++) {
                        int m = (r + j) % count;
                        long a0 = ThreadAllocation.allThreadsBytes();
                        LoadClient.Window w = clients.get(m).run(c, o.seconds() / o.reps());
                        allocated[m] += ThreadAllocation.allThreadsBytes() - a0;
                        tokens[m] += w.outputTokens();
                        rates[m][r] = w.outputTokens() / w.wallSeconds();
                        samples.get(m).addAll(w.samples());
                    }
                }
                for (int m = 0; m < count; m++) {
                    Point p = point(names.get(m), c, KernelBench.median(rates[m]),
                            samples.get(m), allocated[m] / 1e3 / Math.max(1, tokens[m]));
                    log.printf(Locale.ROOT, "  %-9s %3d clients: %8.1f tokens/s, latency p50 %.0f"
                            + " ms p95 %.0f ms, first token p50 %.0f ms p95 %.0f ms, %d requests,"
                            + " %d errors, %.1f KB allocated per output token; windows %s%n",
                            names.get(m), c, p.tokensPerS(), p.p50Ms(), p.p95Ms(),
                            p.ttftP50Ms(), p.ttftP95Ms(), p.requests(), p.errors(),
                            p.allocKbPerToken(), rounded(rates[m]));
                    if (!p.errorKinds().isEmpty()) {
                        log.printf(Locale.ROOT, "    errors by kind: %s%n", p.errorKinds());
                    }
                    points.add(p);
                }
                ratios.addAll(roundRatios(names, c, rates));
            }
            for (int m = 0; m < count; m++) {
                log.printf(Locale.ROOT, "  %-9s scheduler: %s%n", names.get(m),
                        servers.get(m).metrics().schedulerSummary());
                log.printf(Locale.ROOT, "  %-9s %d requests sent again after their kept-alive"
                        + " connection closed under them (LoadClient.STALE_CONNECTION)%n",
                        names.get(m), clients.get(m).staleConnectionRetries());
            }
            return new Result(points, ratios, priority);
        } finally {
            for (ServingServer server : servers) {
                server.close();
            }
        }
    }

    /**
     * Each memory model (a name starting "ultramem") over each other model, per round: the
     * windows of one round were taken back to back.
     */
    static List<RoundRatio> roundRatios(List<String> names, int clients, double[][] rates) {
        List<RoundRatio> out = new ArrayList<>();
        for (int a = 0; a < names.size(); a++) {
            if (!names.get(a).startsWith("ultramem")) {
                continue;
            }
            for (int b = 0; b < names.size(); b++) {
                if (names.get(b).startsWith("ultramem")) {
                    continue;
                }
                double[] q = new double[rates[a].length];
                for (int r = 0; r < q.length; r++) {
                    q[r] = rates[a][r] / rates[b][r];
                }
                out.add(new RoundRatio(names.get(a), names.get(b), clients,
                        KernelBench.median(q), Arrays.stream(q).min().orElse(Double.NaN),
                        Arrays.stream(q).max().orElse(Double.NaN)));
            }
        }
        return out;
    }

    private static String rounded(double[] v) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", v[i]));
        }
        return sb.append(']').toString();
    }

    static Point point(String model, int clients, double tokensPerS,
                       List<LoadClient.Sample> samples, double allocKbPerToken) {
        double[] latency = samples.stream().filter(s -> s.status() == 200)
                .mapToDouble(LoadClient.Sample::latencyMs).sorted().toArray();
        double[] ttft = samples.stream().filter(s -> s.status() == 200)
                .mapToDouble(LoadClient.Sample::ttftMs).filter(x -> !Double.isNaN(x)).sorted()
                .toArray();
        int errors = (int) samples.stream().filter(s -> s.status() != 200).count();
        Map<String, Integer> kinds = new TreeMap<>();
        for (LoadClient.Sample s : samples) {
            if (s.status() != 200) {
                kinds.merge(s.error() == null ? "HTTP " + s.status() : s.error(), 1, Integer::sum);
            }
        }
        return new Point(model, clients, tokensPerS, percentile(latency, 50),
                percentile(latency, 95), percentile(latency, 99), percentile(ttft, 50),
                percentile(ttft, 95), samples.size(), errors, kinds, allocKbPerToken);
    }

    /** Nearest-rank percentile of sorted values (NaN for none). */
    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static String markdown(Result result) {
        List<Point> points = result.points();
        StringBuilder sb = new StringBuilder(result.enginePriority().isEmpty() ? ""
                : "Engine: " + result.enginePriority() + ".\n\n");
        sb.append("| model | clients | tokens/s | p50 ms | p95 ms |"
                + " p99 ms | TTFT p50 ms | TTFT p95 ms | requests | errors | KB alloc/token |\n"
                + "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Point p : points) {
            sb.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.0f | %.0f | %.0f | %.0f |"
                    + " %.0f | %d | %d | %.1f |%n", p.model(), p.clients(), p.tokensPerS(),
                    p.p50Ms(), p.p95Ms(), p.p99Ms(), p.ttftP50Ms(), p.ttftP95Ms(), p.requests(),
                    p.errors(), p.allocKbPerToken()));
        }
        if (!result.ratios().isEmpty()) {
            sb.append("\nSame-round ratios of output tokens/s (median of the rounds' ratios,"
                    + " range):\n\n| model | over | clients | ratio | min | max |\n"
                    + "|---|---|---:|---:|---:|---:|\n");
            for (RoundRatio r : result.ratios()) {
                sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.2f | %.2f |%n",
                        r.model(), r.base(), r.clients(), r.median(), r.min(), r.max()));
            }
        }
        return sb.toString();
    }

    static String json(Result result, Options o) {
        List<Point> points = result.points();
        ObjectNode root = ConfigJson.newObject();
        root.put("random_weights", o.model() == null);
        root.put("models", o.model() != null ? "checkpoint" : o.decodeModels() ? "decode-bench"
                : "family");
        root.put("seconds_per_point", o.seconds());
        root.put("windows", o.reps());
        root.put("max_tokens", o.maxTokens());
        root.put("engine_nice", o.engineNice());
        root.put("engine_priority", result.enginePriority());
        ArrayNode arr = root.putArray("points");
        for (Point p : points) {
            ObjectNode n = arr.addObject();
            n.put("model", p.model());
            n.put("clients", p.clients());
            n.put("tokens_per_s", p.tokensPerS());
            n.put("latency_p50_ms", p.p50Ms());
            n.put("latency_p95_ms", p.p95Ms());
            n.put("latency_p99_ms", p.p99Ms());
            n.put("ttft_p50_ms", p.ttftP50Ms());
            n.put("ttft_p95_ms", p.ttftP95Ms());
            n.put("requests", p.requests());
            n.put("errors", p.errors());
            n.put("alloc_kb_per_token", p.allocKbPerToken());
            ObjectNode kinds = n.putObject("error_kinds");
            p.errorKinds().forEach(kinds::put);
        }
        ArrayNode ratios = root.putArray("round_ratios");
        for (RoundRatio r : result.ratios()) {
            ObjectNode n = ratios.addObject();
            n.put("model", r.model());
            n.put("over", r.base());
            n.put("clients", r.clients());
            n.put("median", r.median());
            n.put("min", r.min());
            n.put("max", r.max());
        }
        return root.toString();
    }

    private static void write(Result result, Options o) throws IOException {
        List<Point> points = result.points();
        AtomicFiles.write(o.outDir().resolve("serve.json"), json(result, o)
                .getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(o.outDir().resolve("serve.md"), ("# Serving throughput vs clients\n\n"
                + markdown(result)).getBytes(StandardCharsets.UTF_8));
        LinePlot plot = new LinePlot("Output tokens/s vs concurrent clients", "clients",
                "output tokens/s").logX(true).markers(true);
        for (String m : points.stream().map(Point::model).distinct().toList()) {
            plot.series(m, points.stream().filter(p -> p.model().equals(m))
                    .mapToDouble(Point::clients).toArray(), points.stream()
                    .filter(p -> p.model().equals(m)).mapToDouble(Point::tokensPerS).toArray());
        }
        plot.writePng(o.outDir().resolve("serve_tokens_per_s.png"));
    }
}
