package org.ultramem.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import org.ultramem.bench.DecodeBench;
import org.ultramem.infer.Precision;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem bench decode}: decode latency and memory traffic against batch size for dense,
 * MoE, UltraMem and UltraMemV2 models with random weights (register as a subcommand of
 * {@code bench}).
 */
@Command(name = "decode", mixinStandardHelpOptions = true,
        description = "Decode-step latency, tokens/s and bytes/step vs batch for dense, MoE,"
                + " UltraMem and UltraMemV2 models (random weights, equal FLOPs; MoE/UltraMem/V2"
                + " equal params).")
public final class BenchDecodeCommand implements Callable<Integer> {

    @Option(names = "--json", description = "Print one JSON object (points array) on stdout.")
    boolean json;

    @Option(names = "--out", defaultValue = "bench-out/decode",
            description = "Directory for decode.csv, decode.md and the PNG plots (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--batches", split = ",",
            description = "Batch sizes (default 1,2,4,...,256; --quick: 1,4,16,64).")
    int[] batches;

    @Option(names = "--kv", defaultValue = "512", description = "Cached positions per sequence (default: ${DEFAULT-VALUE}).")
    int kv;

    @Option(names = "--reps", defaultValue = "7", description = "Timed steps per point, median (>= 5; default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--quick", description = "Reduced sweep (under a minute).")
    boolean quick;

    @Option(names = "--precision", defaultValue = "f32", description = "Weight storage: f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--kv-precision", defaultValue = "bf16", description = "KV-cache storage of all four models: f32 or bf16 (fp32 accumulation either way; default: ${DEFAULT-VALUE}).")
    String kvPrecision;

    @Option(names = "--stages", description = "Also time each stage of every step (embedding,"
            + " attention, memory layers, FFN / experts, logits) with the MB it read: a table per"
            + " point, and a \"stages\" object per JSON point.")
    boolean stages;

    @Override
    public Integer call() throws Exception {
        int[] b = batches != null ? batches : DecodeBench.defaultBatches(quick);
        if (b.length == 0 || Arrays.stream(b).anyMatch(x -> x < 1)) {
            throw new IllegalArgumentException("--batches " + Arrays.toString(b)
                    + " must list batch sizes >= 1, e.g. --batches 1,8,64");
        }
        if (kv < 1 || reps < 5) {
            throw new IllegalArgumentException("--kv (" + kv + ") must be >= 1 and --reps (" + reps
                    + ") >= 5");
        }
        DecodeBench.run(new DecodeBench.Options(b, kv, quick ? 5 : reps,
                Precision.parse(precision), Precision.parse(kvPrecision), out, json, stages),
                System.out);
        return 0;
    }
}
