package org.ultramem.bench;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.train.ArrayBatchSource;
import org.ultramem.train.TrainConfig;
import org.ultramem.train.Trainer;

/**
 * {@code ultramem bench train}: training throughput of a config. Builds the config's model, runs
 * warm-up steps (the first passes run before the JIT has compiled the hot loops), then times
 * whole optimizer steps (beforeStep + grad_accum × forward/backward + clipping + AdamW) on
 * synthetic uniform tokens (throughput does not depend on token values) and reports the median.
 * Nothing is written to disk.
 */
public final class TrainBench {

    /** Warm-up steps before timing. */
    public static final int WARMUP_STEPS = 3;
    /** Fewest timed steps (the median of fewer is too noisy). */
    public static final int MIN_STEPS = 5;

    private TrainBench() {
    }

    /** Timing of one benchmark run. */
    public record Report(String config, double tokensPerS, double medianStepMs, long batchTokens, int threads,
                         int steps, long parameters, double allocatedMbPerStep) {
    }

    /**
     * Benchmarks {@code configPath} over {@code steps} (at least {@value #MIN_STEPS}) timed steps and
     * prints a line, or a JSON object when {@code json}, to {@code out}. Returns exit code 0.
     */
    public static int run(Path configPath, int steps, boolean json, PrintStream out) {
        Report r = measure(configPath, steps);
        if (json) {
            ObjectNode o = ConfigJson.newObject();
            o.put("bench", "train").put("config", r.config()).put("tokens_per_s", r.tokensPerS())
                    .put("median_step_ms", r.medianStepMs()).put("batch_tokens", r.batchTokens())
                    .put("threads", r.threads()).put("steps", r.steps()).put("parameters", r.parameters())
                    .put("allocated_mb_per_step", r.allocatedMbPerStep());
            out.println(ConfigJson.toCompactJson(o));
        } else {
            out.printf(Locale.ROOT, "train %s: %,.0f tokens/s (median step %.1f ms over %d steps, %d tokens/step,"
                            + " %d threads, %,d parameters, %.2f MB allocated per step)%n", r.config(),
                    r.tokensPerS(), r.medianStepMs(), r.steps(), r.batchTokens(), r.threads(), r.parameters(),
                    r.allocatedMbPerStep());
        }
        return 0;
    }

    /** Runs the benchmark and returns its figures. */
    public static Report measure(Path configPath, int steps) {
        ObjectNode root = ConfigJson.load(configPath);
        ModelConfig mc = ModelConfig.fromJson(root);
        TrainConfig tc = TrainConfig.fromJson(root.get("training"));
        int timed = Math.max(MIN_STEPS, steps);
        Transformer model = new Transformer(mc, tc.batchSize(), tc.seqLen(), tc.seed());
        int[] tokens = new SplittableRandom(tc.seed()).ints(1 << 16, 0, mc.vocabSize()).toArray();
        ArrayBatchSource data = new ArrayBatchSource(tokens, tokens, Double.NaN);
        Trainer trainer = new Trainer(model, tc, data, KernelProvider.get(),
                new Trainer.Options(null, false, null, false, null, Map.of(), -1));
        double[] ms = new double[timed];
        double[] allocated = new double[timed];
        for (int s = 0; s < WARMUP_STEPS + timed; s++) {
            long a0 = ThreadAllocation.allThreadsBytes();
            long t0 = System.nanoTime();
            trainer.step(s);
            long t1 = System.nanoTime();
            if (s >= WARMUP_STEPS) {
                ms[s - WARMUP_STEPS] = (t1 - t0) / 1e6;
                allocated[s - WARMUP_STEPS] = (ThreadAllocation.allThreadsBytes() - a0) / 1e6;
            }
        }
        Arrays.sort(ms);
        double median = timed % 2 == 1 ? ms[timed / 2] : (ms[timed / 2 - 1] + ms[timed / 2]) / 2;
        long batchTokens = tc.tokensPerStep();
        return new Report(configPath.getFileName().toString(), batchTokens / (median / 1e3), median, batchTokens,
                org.ultramem.tensor.kernel.Parallel.threads(), timed, mc.parameterCount(),
                KernelBench.median(allocated));
    }
}
