package org.ultramem.cli;

import java.util.Arrays;
import java.util.concurrent.Callable;
import org.ultramem.bench.ClusterBench;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ultramem bench cluster}: value-table reads, local against three loopback members. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
        description = "Value-table read latency and bytes per decode step, local vs 3 members"
                + " (embedded, loopback), for batches 1, 16, 64; checks every sum is exact.")
public final class BenchClusterCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object (exact, points) on stdout.")
    boolean json;

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
}
