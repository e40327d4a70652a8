package org.ultramem.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ultramem.bench.SoakBench;
import org.ultramem.serve.EnginePriority;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem bench soak}: the HTTP server under a sustained overload with every response
 * checked (register as a subcommand of {@code bench}). Exit 0 whatever the verdicts; they are in
 * the report.
 */
@Command(name = "soak", mixinStandardHelpOptions = true,
        description = "Soak test: load x capacity (max-batch + max-queue) concurrent clients over"
                + " real HTTP for --duration seconds; counts responses by status and kind,"
                + " checks every one (JSON, SSE framing, usage), follows the heap and health,"
                + " and writes soak.md, soak.json and plots.")
public final class BenchSoakCommand implements Callable<Integer> {

    /** Exactly one of --model and --family-member. */
    static final class Target {
        @Option(names = "--model", required = true, description = "Checkpoint directory.")
        Path model;

        @Option(names = "--family-member", required = true, description = "A member of the"
                + " matched family (configs/family-<member>.json, e.g. ultramem), random weights.")
        String member;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--configs", defaultValue = "configs", description = "Folder of the"
            + " family-*.json configs (default: ${DEFAULT-VALUE}).")
    Path configs;

    @Option(names = "--duration", defaultValue = "600", description = "Seconds of load"
            + " (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--load", defaultValue = "2.0", description = "Concurrent clients as a"
            + " multiple of capacity = max-batch + max-queue (default: ${DEFAULT-VALUE}).")
    double load;

    @Option(names = "--max-batch", defaultValue = "16", description = "The server's running"
            + " batch (default: ${DEFAULT-VALUE}, as ultramem serve).")
    int maxBatch;

    @Option(names = "--max-queue", defaultValue = "64", description = "The server's wait queue"
            + " (default: ${DEFAULT-VALUE}, as ultramem serve).")
    int maxQueue;

    @Option(names = "--max-tokens", defaultValue = "64", description = "max_tokens per good"
            + " request (lowered to fit the context; default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--stream-fraction", defaultValue = "0.5", description = "Share of good"
            + " requests streamed as server-sent events (default: ${DEFAULT-VALUE}).")
    double streamFraction;

    @Option(names = "--seed", defaultValue = "1234", description = "Seed of the request mix"
            + " (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = "bench-out/soak", description = "Directory for"
            + " soak.md, soak.json, soak_tokens_per_s.png and soak_heap.png (default:"
            + " ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--engine-nice", defaultValue = "-10", paramLabel = "N", description = "Nice"
            + " value of the engine's threads, as for `ultramem serve` (default: ${DEFAULT-VALUE};"
            + " 0: the process's priority).")
    int engineNice;

    @Option(names = "--json", description = "Print soak.json on stdout instead of soak.md.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (!(duration > 0 && duration <= 86_400)) {
            throw new IllegalArgumentException("--duration " + duration + " must be in (0,"
                    + " 86400] s; the target is --duration 600");
        }
        if (!(load > 0 && load <= 64)) {
            throw new IllegalArgumentException("--load " + load + " must be in (0, 64]; the"
                    + " target is --load 2.0");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("--max-tokens " + maxTokens + " must be >= 1");
        }
        EnginePriority.checkNice(engineNice);
        if (!(streamFraction >= 0 && streamFraction <= 1)) {
            throw new IllegalArgumentException("--stream-fraction " + streamFraction
                    + " must be in [0, 1]");
        }
        SoakBench.Options o = new SoakBench.Options(target.model, configs, target.member,
                duration, load, maxBatch, maxQueue, maxTokens, streamFraction, seed, out, json,
                engineNice);
        if (o.clients() > 10_000) {
            throw new IllegalArgumentException("--load " + load + " x capacity " + o.capacity()
                    + " is " + o.clients() + " clients; keep it at most 10000 (lower --load,"
                    + " --max-batch or --max-queue)");
        }
        SoakBench.run(o, System.out);
        return 0;
    }
}
