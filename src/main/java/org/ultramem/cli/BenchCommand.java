package org.ultramem.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.ultramem.bench.KernelBench;
import org.ultramem.bench.KernelCases;
import org.ultramem.bench.LayerBench;
import org.ultramem.bench.TrainBench;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ultramem bench ...}: measured speed, separate from the tests (warm-up, medians, ≥5 reps). */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks: kernels, training throughput, the UltraMem layer, decoding.",
        subcommands = {BenchCommand.Kernels.class, BenchCommand.Train.class, BenchCommand.Layer.class,
            BenchDecodeCommand.class, BenchServeCommand.class, BenchSoakCommand.class,
            BenchClusterCommand.class})
public final class BenchCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "kernels", mixinStandardHelpOptions = true,
            description = "GEMM GFLOP/s at 1024³ and 2048³ on 1 and 2 threads, and streaming memory bandwidth.")
    static final class Kernels implements Callable<Integer> {
        @Option(names = "--json", description = "Print one JSON object on stdout.")
        boolean json;

        @Option(names = "--case", paramLabel = "NAME", description = "Run only one named case that"
                + " code comments quote: gemm-shapes, topk or parallel-region (human output).")
        String caseName;

        @Override
        public Integer call() {
            if (caseName != null) {
                KernelCases.run(caseName, System.out);
            } else {
                KernelBench.run(json, System.out);
            }
            return 0;
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true,
            description = "Training tokens/s (forward, backward and optimizer step) after warm-up.")
    static final class Train implements Callable<Integer> {
        @Option(names = "--config", required = true, description = "Model + training config JSON.")
        Path config;

        @Option(names = "--steps", defaultValue = "10", description = "Timed steps (median; at least 5).")
        int steps;

        @Option(names = "--baseline", paramLabel = "CONFIG", description = "Also train this"
                + " config, its steps alternating with --config's in one JVM, and print the"
                + " median over step pairs of the time per token relative to it (e.g."
                + " --config configs/family-ultramem.json --baseline configs/family-dense.json).")
        Path baseline;

        @Option(names = "--json", description = "Print one JSON object on stdout.")
        boolean json;

        @Override
        public Integer call() {
            return baseline == null ? TrainBench.run(config, steps, json, System.out)
                    : TrainBench.runComparison(config, baseline, steps, json, System.out);
        }
    }

    @Command(name = "layer", mixinStandardHelpOptions = true,
            description = "Memory layer forward and forward+backward time: UltraMem (V1) at reference "
                    + "shapes A or B, UltraMemV2 at V2A or V2B.")
    static final class Layer implements Callable<Integer> {
        @Option(names = "--preset", required = true, description = "A (K0 64, 512 tokens) or "
                + "B (K0 256, 2048 tokens); V2A / V2B: UltraMemV2 with the same keys per side "
                + "and tokens.")
        String preset;

        @Option(names = "--json", description = "Print one JSON object with fwd_ms and fwd_bwd_ms on stdout.")
        boolean json;

        @Override
        public Integer call() {
            LayerBench.run(preset, json, System.out);
            return 0;
        }
    }
}
