package org.ultramem.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import org.ultramem.bench.ServeBench;
import org.ultramem.serve.EnginePriority;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem bench serve}: the OpenAI-compatible server under closed-loop load on loopback
 * (register as a subcommand of {@code bench}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serving throughput (output tokens/s), latency p50/p95/p99 and time to first"
                + " token against concurrent clients, for one checkpoint, the matched family"
                + " (dense, MoE, UltraMem) or bench decode's models (random weights).")
public final class BenchServeCommand implements Callable<Integer> {

    /** Exactly one of --model, --family and --decode-models. */
    static final class Target {
        @Option(names = "--model", required = true, description = "Checkpoint directory.")
        Path model;

        @Option(names = "--family", required = true, description = "The dense, MoE and UltraMem"
                + " members of configs/family-*.json, random weights.")
        boolean family;

        @Option(names = "--decode-models", required = true, description = "The dense, MoE,"
                + " UltraMem and UltraMemV2 models of `bench decode` (equal FLOPs; the sparse"
                + " ones ~46x dense parameters), random weights.")
        boolean decodeModels;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--configs", defaultValue = "configs", description = "Folder of the"
            + " family-*.json configs (default: ${DEFAULT-VALUE}).")
    Path configs;

    @Option(names = "--clients", split = ",", defaultValue = "1,4,16,64",
            description = "Concurrent clients per point (default: ${DEFAULT-VALUE}).")
    int[] clients;

    @Option(names = "--duration", defaultValue = "20", description = "Timed seconds per point,"
            + " split into --reps windows (default: ${DEFAULT-VALUE}).")
    double duration;

    @Option(names = "--warmup", defaultValue = "5", description = "Untimed seconds of load before"
            + " each point (default: ${DEFAULT-VALUE}).")
    double warmup;

    @Option(names = "--jit-warmup", defaultValue = "30", description = "Untimed seconds of load"
            + " at the largest client count, once per model before the first point: the JIT's"
            + " compile of the decode kernels takes seconds on 2 cores (default: ${DEFAULT-VALUE}).")
    double jitWarmup;

    @Option(names = "--reps", defaultValue = "5", description = "Rounds of one timed window per"
            + " model, back to back; tokens/s is the median of a model's windows, ratios the"
            + " median of the rounds' (>= 5; default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--max-tokens", defaultValue = "64", description = "Tokens per request"
            + " (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--out", defaultValue = "bench-out/serve", description = "Directory for"
            + " serve.md, serve.json and serve_tokens_per_s.png (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object (points array) on stdout.")
    boolean json;

    @Option(names = "--only", split = ",", paramLabel = "MODEL", description = "Serve only these"
            + " members of --family (dense, moe, ultramem) or --decode-models (also ultramem_v2),"
            + " e.g. --only moe,ultramem (default: all).")
    List<String> only = List.of();

    @Option(names = "--engine-nice", defaultValue = "-10", paramLabel = "N", description = "Nice"
            + " value of the engine's threads, as for `ultramem serve` (default: ${DEFAULT-VALUE};"
            + " 0: the process's priority).")
    int engineNice;

    @Option(names = "--prompt-variants", defaultValue = "256", paramLabel = "N", description =
            "Distinct prompts the clients send in turn (seeded draws of common words, each as long"
            + " as the first; 1: every request sends the same prompt; default: ${DEFAULT-VALUE}).")
    int promptVariants;

    @Override
    public Integer call() throws Exception {
        if (clients.length == 0 || Arrays.stream(clients).anyMatch(c -> c < 1 || c > 1024)) {
            throw new IllegalArgumentException("--clients " + Arrays.toString(clients)
                    + " must list counts in [1, 1024], e.g. --clients 1,4,16,64");
        }
        if (!(jitWarmup >= 0 && jitWarmup <= 600)) {
            throw new IllegalArgumentException("--jit-warmup " + jitWarmup + " must be in [0, 600]"
                    + " seconds");
        }
        if (!(duration > 0 && duration <= 3600) || !(warmup >= 0 && warmup <= 600) || reps < 5
                || maxTokens < 1 || promptVariants < 1 || promptVariants > 100_000) {
            throw new IllegalArgumentException("--duration (" + duration + ") must be in (0,"
                    + " 3600] s, --warmup (" + warmup + ") in [0, 600] s, --reps (" + reps
                    + ") >= 5, --max-tokens (" + maxTokens + ") >= 1 and --prompt-variants ("
                    + promptVariants + ") in [1, 100000]");
        }
        EnginePriority.checkNice(engineNice);
        if (target.model != null && !only.isEmpty()) {
            throw new IllegalArgumentException("--only selects members of --family or"
                    + " --decode-models; --model serves one checkpoint, so drop --only");
        }
        ServeBench.run(new ServeBench.Options(target.model, configs, target.decodeModels,
                clients, duration, warmup, reps, maxTokens, out, json, only, promptVariants,
                jitWarmup, engineNice),
                System.out);
        return 0;
    }
}
