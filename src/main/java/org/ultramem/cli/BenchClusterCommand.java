package org.ultramem.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.ultramem.bench.ClusterBench;
import org.ultramem.bench.ClusterDecodeBench;
import org.ultramem.bench.ClusterKillRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem bench cluster}: value tables read locally against three loopback members;
 * without {@code --model} one dyadic table read per step ({@link ClusterBench}), with it a
 * checkpoint decoded both ways ({@link ClusterDecodeBench}).
 */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = {"Value tables local vs 3 members (embedded, loopback), for batches 1, 16,"
                + " 64.",
            "Without --model: one dyadic table read per step (latency, bytes, every sum exact).",
            "With --model DIR: the checkpoint decoded locally and over the cluster (read: sums"
                    + " and rows) on validation prompts: step latency, bytes per step against"
                    + " owners x B x E.D_v x 4 x 1.5, greedy tokens and logits compared; --kill"
                    + " terminates a member during a loop of generations."})
public final class BenchClusterCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object (exact, points) on stdout.")
    boolean json;

    @Option(names = "--model", description = "Checkpoint directory to decode (read-only: the"
            + " shards go to a temporary directory).")
    Path model;

    @Option(names = "--data", description = "With --model: data folder of the prompts (default:"
            + " training.data_dir of the checkpoint, else data).")
    Path data;

    @Option(names = "--steps", defaultValue = "32",
            description = "With --model: decode steps per batch (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--prompt-tokens", defaultValue = "32",
            description = "With --model: tokens per validation prompt (default: ${DEFAULT-VALUE}).")
    int promptTokens;

    @Option(names = "--warmup", defaultValue = "100", description = "With --model: untimed"
            + " decode steps per engine before measuring (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--kill", description = "With --model: terminate one member during"
            + " --kill-requests greedy generations of --kill-tokens tokens from --kill-threads"
            + " threads (read: sums), at request --kill-at; count failed and wrong requests.")
    boolean kill;

    @Option(names = "--kill-requests", defaultValue = "40",
            description = "Generations in the kill run (default: ${DEFAULT-VALUE}).")
    int killRequests;

    @Option(names = "--kill-tokens", defaultValue = "16",
            description = "Tokens per generation in the kill run (default: ${DEFAULT-VALUE}).")
    int killTokens;

    @Option(names = "--kill-threads", defaultValue = "3",
            description = "Client threads in the kill run (default: ${DEFAULT-VALUE}).")
    int killThreads;

    @Option(names = "--kill-at", defaultValue = "10",
            description = "Request at which the member goes (default: ${DEFAULT-VALUE}).")
    int killAt;

    @Option(names = "--rows", defaultValue = "262144",
            description = "Table rows N (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--width", defaultValue = "128",
            description = "Row width D_v (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--per-token", defaultValue = "64",
            description = "Selections per token, H·k (default: ${DEFAULT-VALUE}).")
    int perToken;

    @Option(names = "--batches", split = ",", defaultValue = "1,16,64",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    int[] batches;

    @Option(names = "--reps", defaultValue = "20",
            description = "Timed reads per point, median (>= 1; default: ${DEFAULT-VALUE}).")
    int reps;

    @Override
    public Integer call() throws Exception {
        if (model != null) {
            return decode();
        }
        if (kill || data != null) {
            throw new IllegalArgumentException((kill ? "--kill" : "--data") + " needs --model"
                    + " DIR (a checkpoint to decode); pass one or drop the option");
        }
        if (rows < 1 || width < 1 || perToken < 1 || reps < 1 || batches.length == 0
                || Arrays.stream(batches).anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("--rows " + rows + ", --width " + width
                    + ", --per-token " + perToken + ", --reps " + reps + " and every --batches "
                    + Arrays.toString(batches) + " must be >= 1");
        }
        ClusterBench.run(new ClusterBench.Options(rows, width, perToken, batches, reps, json),
                System.out);
        return 0;
    }

    private int decode() throws Exception {
        if (steps < 1 || promptTokens < 1 || warmup < 0 || batches.length == 0
                || Arrays.stream(batches).anyMatch(b -> b < 1)) {
            throw new IllegalArgumentException("--steps " + steps + ", --prompt-tokens "
                    + promptTokens + " and every --batches " + Arrays.toString(batches)
                    + " must be >= 1, --warmup " + warmup + " >= 0");
        }
        ClusterKillRun.Plan plan = null;
        if (kill) {
            if (killRequests < 1 || killTokens < 1 || killThreads < 1 || killAt < 0
                    || killAt >= killRequests) {
                throw new IllegalArgumentException("--kill-requests " + killRequests
                        + ", --kill-tokens " + killTokens + " and --kill-threads " + killThreads
                        + " must be >= 1, --kill-at " + killAt + " in [0, --kill-requests)");
            }
            plan = new ClusterKillRun.Plan(killRequests, killTokens, killThreads, killAt);
        }
        ClusterDecodeBench.run(new ClusterDecodeBench.Options(model, data, batches, steps,
                promptTokens, warmup, plan, json), System.out, System.err);
        return 0;
    }
}
