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
            out.println(ConfigJson.toCompactJson(toJson(r)));
        } else {
            print(r, out);
        }
        return 0;
    }

    /** Runs the benchmark and returns its figures. */
    public static Report measure(Path configPath, int steps) {
        int timed = Math.max(MIN_STEPS, steps);
        Timed t = new Timed(configPath, timed);
        for (int s = 0; s < WARMUP_STEPS; s++) {
            t.step(-1);
        }
        for (int s = 0; s < timed; s++) {
            t.step(s);
        }
        return t.report();
    }

    /**
     * A config against a baseline, their steps alternating in one JVM: each timed step of one is
     * next to a step of the other, the order swapped every pair. The VM's speed drifts by ±20%
     * over minutes (2026-12-07: the same jar's dense step read 804-1,205 ms in runs a minute
     * apart), so two runs taken one after the other compare two machines; a pair's ratio compares
     * steps taken about a second apart.
     *
     * @param ratio     median over pairs of the config's time per token over the baseline's
     * @param ratioMin  the smallest pair's ratio
     * @param ratioMax  the largest
     */
    public record Comparison(Report config, Report baseline, double ratio, double ratioMin,
                             double ratioMax) {
    }

    /** Benchmarks {@code configPath} against {@code baselinePath}, steps alternating. */
    public static Comparison compare(Path configPath, Path baselinePath, int steps) {
        int timed = Math.max(MIN_STEPS, steps);
        Timed a = new Timed(configPath, timed);
        Timed b = new Timed(baselinePath, timed);
        for (int s = 0; s < WARMUP_STEPS; s++) {
            a.step(-1);
            b.step(-1);
        }
        double[] ratios = new double[timed];
        for (int s = 0; s < timed; s++) {
            if (s % 2 == 0) {
                a.step(s);
                b.step(s);
            } else {
                b.step(s);
                a.step(s);
            }
            ratios[s] = a.ms[s] / a.tc.tokensPerStep() / (b.ms[s] / b.tc.tokensPerStep());
        }
        Arrays.sort(ratios);
        return new Comparison(a.report(), b.report(), KernelBench.median(ratios),
                ratios[0], ratios[timed - 1]);
    }

    /** Prints {@link #compare} as two lines and the ratio, or one JSON object. Returns 0. */
    public static int runComparison(Path configPath, Path baselinePath, int steps, boolean json,
                                    PrintStream out) {
        Comparison c = compare(configPath, baselinePath, steps);
        if (json) {
            ObjectNode o = toJson(c.config());
            o.set("baseline", toJson(c.baseline()));
            o.put("token_time_ratio", c.ratio()).put("token_time_ratio_min", c.ratioMin())
                    .put("token_time_ratio_max", c.ratioMax());
            out.println(ConfigJson.toCompactJson(o));
        } else {
            print(c.config(), out);
            print(c.baseline(), out);
            out.printf(Locale.ROOT, "%s / %s, time per token: %.3f (median of %d alternating"
                            + " pairs; range %.3f-%.3f)%n", c.config().config(),
                    c.baseline().config(), c.ratio(), c.config().steps(), c.ratioMin(),
                    c.ratioMax());
        }
        return 0;
    }

    private static ObjectNode toJson(Report r) {
        ObjectNode o = ConfigJson.newObject();
        o.put("bench", "train").put("config", r.config()).put("tokens_per_s", r.tokensPerS())
                .put("median_step_ms", r.medianStepMs()).put("batch_tokens", r.batchTokens())
                .put("threads", r.threads()).put("steps", r.steps()).put("parameters", r.parameters())
                .put("allocated_mb_per_step", r.allocatedMbPerStep());
        return o;
    }

    private static void print(Report r, PrintStream out) {
        out.printf(Locale.ROOT, "train %s: %,.0f tokens/s (median step %.1f ms over %d steps, %d tokens/step,"
                        + " %d threads, %,d parameters, %.2f MB allocated per step)%n", r.config(),
                r.tokensPerS(), r.medianStepMs(), r.steps(), r.batchTokens(), r.threads(), r.parameters(),
                r.allocatedMbPerStep());
    }

    /** One config's model and trainer on synthetic tokens, and the times of its timed steps. */
    private static final class Timed {
        final String name;
        final ModelConfig mc;
        final TrainConfig tc;
        final Trainer trainer;
        final double[] ms;
        final double[] allocated;
        int step;

        Timed(Path configPath, int timed) {
            ms = new double[timed];
            allocated = new double[timed];
            ObjectNode root = ConfigJson.load(configPath);
            name = configPath.getFileName().toString();
            mc = ModelConfig.fromJson(root);
            tc = TrainConfig.fromJson(root.get("training"));
            Transformer model = new Transformer(mc, tc.batchSize(), tc.seqLen(), tc.seed());
            int[] tokens = new SplittableRandom(tc.seed()).ints(1 << 16, 0, mc.vocabSize()).toArray();
            ArrayBatchSource data = new ArrayBatchSource(tokens, tokens, Double.NaN);
            trainer = new Trainer(model, tc, data, KernelProvider.get(),
                    new Trainer.Options(null, false, null, false, null, Map.of(), -1));
        }

        /** One optimizer step, recorded as timed step {@code slot} (negative: warm-up). */
        void step(int slot) {
            long a0 = ThreadAllocation.allThreadsBytes();
            long t0 = System.nanoTime();
            trainer.step(step++);
            long t1 = System.nanoTime();
            if (slot >= 0) {
                ms[slot] = (t1 - t0) / 1e6;
                allocated[slot] = (ThreadAllocation.allThreadsBytes() - a0) / 1e6;
            }
        }

        Report report() {
            double median = KernelBench.median(ms);
            long batchTokens = tc.tokensPerStep();
            return new Report(name, batchTokens / (median / 1e3), median, batchTokens,
                    org.ultramem.tensor.kernel.Parallel.threads(), ms.length, mc.parameterCount(),
                    KernelBench.median(allocated));
        }
    }
}
