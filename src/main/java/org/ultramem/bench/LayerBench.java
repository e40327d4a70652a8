package org.ultramem.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemV2Layer;
import org.ultramem.nn.memory.UltraMemV2Values;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Speed of one memory layer, forward and forward+backward. UltraMem V1 against the PyTorch
 * reference figures of {@code java-engineering.md} (1.13, 2 threads; re-measure with
 * {@code scripts/pytorch/ultramem_layer.py}, presets A and B):
 * <ul>
 *   <li>A: hidden 256, K0 64, D_k 64, D_v 128, m = k = 16, H 2, r 2, T 2, E 4, 512 tokens
 *       (PyTorch fwd 14.7 ms, fwd+bwd 32.6 ms);</li>
 *   <li>B: the same with K0 256 and 2048 tokens (PyTorch fwd 88 ms, fwd+bwd 229 ms).</li>
 * </ul>
 * UltraMemV2 at the same key counts per side and tokens (no PyTorch figure exists):
 * <ul>
 *   <li>V2A: hidden 256, K0 64, κ_e 2 (n = 128, E' = 4, E = 1), D_k 64, D_v 128, D_p 64 with
 *       GELU, m = k = 16, H 2, T 2, β 1e-3, 512 tokens;</li>
 *   <li>V2B: the same with K0 256 (n = 512) and 2048 tokens.</li>
 * </ul>
 * Reports medians after warm-up; gradient zeroing is outside the timed region.
 */
public final class LayerBench {

    /** Medians in milliseconds, and the reference figures they compare with. */
    public record Result(String preset, int tokens, int threads, double fwdMs, double fwdBwdMs,
                         double torchFwdMs, double torchFwdBwdMs) {
    }

    private static final int HIDDEN = 256;

    private LayerBench() {
    }

    public static void main(String[] args) {
        String preset = args.length > 0 ? args[0] : "A";
        boolean json = args.length > 1 && args[1].equals("--json");
        run(preset, json, System.out);
    }

    /**
     * Least warm-up time before timing. The layer runs a few dozen methods full of vector code,
     * and C2 compiles them one by one on a 2-core machine: with only the 60 (A) or 20 (B)
     * warm-up steps, ~0.4-0.8 s, preset A's fwd+bwd read 7.3-9.2 ms in fresh JVMs against
     * 6.6-6.8 ms once compiled (a loop of runs in one JVM, 2026-12-06).
     */
    static final long WARMUP_MILLIS = 4000;

    /** Runs preset "A" or "B" with the default reps and prints one line (text or JSON). */
    public static Result run(String preset, boolean json, PrintStream out) {
        return run(preset, json, out, 9, WARMUP_MILLIS);
    }

    /** Runs a preset with {@code reps} (≥ 5) timed repetitions per measurement, minimal warm-up. */
    public static Result run(String preset, boolean json, PrintStream out, int reps) {
        return run(preset, json, out, reps, 0);
    }

    /**
     * Runs a preset with {@code reps} (≥ 5) timed repetitions per measurement after at least
     * 60 (A) or 20 (B) warm-up steps and at least {@code warmupMillis}.
     */
    public static Result run(String preset, boolean json, PrintStream out, int reps,
                             long warmupMillis) {
        String p = preset.trim().toUpperCase(Locale.ROOT);
        if (!PRESETS.contains(p)) {
            throw new IllegalArgumentException("layer bench preset (" + preset + ") must be one of "
                    + PRESETS + "; A and B are UltraMem (V1), V2A and V2B UltraMemV2");
        }
        if (reps < 5) {
            throw new IllegalArgumentException("layer bench reps (" + reps + ") must be >= 5");
        }
        boolean small = p.endsWith("A");
        int tokens = small ? 512 : 2048;
        Workload layer = p.startsWith("V2") ? v2(small, tokens) : v1(small, tokens);
        SplittableRandom rnd = new SplittableRandom(99);
        float[] x = new float[tokens * HIDDEN];
        float[] dy = new float[tokens * HIDDEN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
            dy[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[x.length];
        float[] dx = new float[x.length];
        int warmup = small ? 60 : 20;
        long warmEnd = System.nanoTime() + warmupMillis * 1_000_000;
        for (int i = 0; i < warmup || System.nanoTime() < warmEnd; i++) {
            step(layer, y, x, dx, dy, tokens, true);
        }
        double[] fwd = new double[reps];
        double[] both = new double[reps];
        for (int i = 0; i < reps; i++) {
            fwd[i] = step(layer, y, x, dx, dy, tokens, false);
            both[i] = step(layer, y, x, dx, dy, tokens, true);
        }
        boolean torch = !p.startsWith("V2");
        double torchFwd = torch ? (small ? 14.7 : 88) : Double.NaN;
        double torchBoth = torch ? (small ? 32.6 : 229) : Double.NaN;
        Result r = new Result(p, tokens, Parallel.threads(), median(fwd), median(both), torchFwd,
                torchBoth);
        print(r, json, out);
        return r;
    }

    /** The presets: V1 A and B (PyTorch figures known), UltraMemV2 V2A and V2B (none). */
    static final List<String> PRESETS = List.of("A", "B", "V2A", "V2B");

    /** One layer as the bench drives it: forward, backward and the parameters to zero. */
    private record Workload(Forward forward, Backward backward, List<Parameter> parameters) {
    }

    @FunctionalInterface
    private interface Forward {
        void run(float[] y, float[] x, int tokens);
    }

    @FunctionalInterface
    private interface Backward {
        void run(float[] dx, float[] dy, int tokens);
    }

    /** V1 A/B: K0 64 or 256, D_k 64, D_v 128, m = k = 16, H 2, r 2, T 2, E 4. */
    private static Workload v1(boolean small, int tokens) {
        UltraMemConfig cfg = UltraMemConfig.of(small ? 64 : 256, 64, 128, 16).withShape(2, 2, 2, 4);
        UltraMemLayer layer = new UltraMemLayer(cfg, HIDDEN, tokens, 1234);
        return new Workload(layer::forward, layer::backward, layer.parameters());
    }

    /**
     * UltraMemV2 V2A/V2B, the V1 shapes with the run script's V2 choices: K0 64 or 256, κ_e 2
     * (n = 128 or 512 keys per side, E' = 4 virtual blocks summed into one projector, E = 1),
     * D_k 64, D_v 128, pre-values D_p 64 with GELU, m = k = 16, H 2, T 2, balance loss β 1e-3,
     * one layer over its own table.
     */
    private static Workload v2(boolean small, int tokens) {
        UltraMemV2Config cfg = UltraMemV2Config.of(small ? 64 : 256, 64, 128, 64, 16)
                .withShape(2, 2, 2, 1).withRetrieval(1.0, 1e-3, true);
        UltraMemV2Values values = new UltraMemV2Values(cfg.geometry(1), 4321);
        UltraMemV2Layer layer = new UltraMemV2Layer(values, 0, HIDDEN, tokens, 1234);
        List<Parameter> params = new ArrayList<>(layer.parameters());
        params.addAll(values.parameters());
        return new Workload(layer::forward, layer::backward, params);
    }

    private static double step(Workload layer, float[] y, float[] x, float[] dx, float[] dy,
                               int tokens, boolean backward) {
        for (Parameter prm : layer.parameters()) {
            prm.zeroGrad();
        }
        Arrays.fill(dx, 0f);
        long t0 = System.nanoTime();
        layer.forward().run(y, x, tokens);
        if (backward) {
            layer.backward().run(dx, dy, tokens);
        }
        return (System.nanoTime() - t0) / 1e6;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static void print(Result r, boolean json, PrintStream out) {
        String kernels = KernelProvider.get().getClass().getSimpleName();
        boolean torch = !Double.isNaN(r.torchFwdMs());
        String name = r.preset().startsWith("V2") ? "ultramem_v2_layer" : "ultramem_layer";
        if (json) {
            out.printf(Locale.ROOT, "{\"bench\":\"%s\",\"preset\":\"%s\",\"tokens\":%d,"
                    + "\"threads\":%d,\"kernels\":\"%s\",\"fwd_ms\":%.3f,\"fwd_bwd_ms\":%.3f,"
                    + "\"torch_fwd_ms\":%s,\"torch_fwd_bwd_ms\":%s}%n", name, r.preset(),
                    r.tokens(), r.threads(), kernels, r.fwdMs(), r.fwdBwdMs(),
                    torch ? String.format(Locale.ROOT, "%.1f", r.torchFwdMs()) : "null",
                    torch ? String.format(Locale.ROOT, "%.1f", r.torchFwdBwdMs()) : "null");
        } else if (torch) {
            out.printf(Locale.ROOT, "ultramem layer %s (%d tokens, %d threads, %s): fwd %.2f ms "
                    + "(java-engineering.md's PyTorch %.1f, %.1fx), fwd+bwd %.2f ms (its %.1f,"
                    + " %.1fx; time scripts/pytorch/ultramem_layer.py on this machine)%n", r.preset(),
                    r.tokens(), r.threads(), kernels, r.fwdMs(), r.torchFwdMs(),
                    r.torchFwdMs() / r.fwdMs(), r.fwdBwdMs(), r.torchFwdBwdMs(),
                    r.torchFwdBwdMs() / r.fwdBwdMs());
        } else {
            out.printf(Locale.ROOT, "ultramem v2 layer %s (%d tokens, %d threads, %s): fwd %.2f ms,"
                    + " fwd+bwd %.2f ms (no PyTorch figure)%n", r.preset(), r.tokens(),
                    r.threads(), kernels, r.fwdMs(), r.fwdBwdMs());
        }
    }
}
