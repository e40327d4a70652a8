package org.ultramem.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Speed of one UltraMem V1 layer, forward and forward+backward, against the PyTorch reference
 * figures of {@code java-engineering.md} (1.13, 2 threads):
 * <ul>
 *   <li>A: hidden 256, K0 64, D_k 64, D_v 128, m = k = 16, H 2, r 2, T 2, E 4, 512 tokens
 *       (PyTorch fwd 14.7 ms, fwd+bwd 32.6 ms);</li>
 *   <li>B: the same with K0 256 and 2048 tokens (PyTorch fwd 88 ms, fwd+bwd 229 ms).</li>
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

    /** Runs preset "A" or "B" with the default reps and prints one line (text or JSON). */
    public static Result run(String preset, boolean json, PrintStream out) {
        return run(preset, json, out, 9);
    }

    /** Runs a preset with {@code reps} (≥ 5) timed repetitions per measurement. */
    public static Result run(String preset, boolean json, PrintStream out, int reps) {
        String p = preset.trim().toUpperCase(Locale.ROOT);
        if (!p.equals("A") && !p.equals("B")) {
            throw new IllegalArgumentException("layer bench preset (" + preset + ") must be A or B");
        }
        if (reps < 5) {
            throw new IllegalArgumentException("layer bench reps (" + reps + ") must be >= 5");
        }
        boolean a = p.equals("A");
        int tokens = a ? 512 : 2048;
        UltraMemConfig cfg = UltraMemConfig.of(a ? 64 : 256, 64, 128, 16).withShape(2, 2, 2, 4);
        UltraMemLayer layer = new UltraMemLayer(cfg, HIDDEN, tokens, 1234);
        SplittableRandom rnd = new SplittableRandom(99);
        float[] x = new float[tokens * HIDDEN];
        float[] dy = new float[tokens * HIDDEN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
            dy[i] = (float) rnd.nextGaussian();
        }
        float[] y = new float[x.length];
        float[] dx = new float[x.length];
        int warmup = a ? 60 : 20;
        for (int i = 0; i < warmup; i++) {
            step(layer, y, x, dx, dy, tokens, true);
        }
        double[] fwd = new double[reps];
        double[] both = new double[reps];
        for (int i = 0; i < reps; i++) {
            fwd[i] = step(layer, y, x, dx, dy, tokens, false);
            both[i] = step(layer, y, x, dx, dy, tokens, true);
        }
        Result r = new Result(p, tokens, Parallel.threads(), median(fwd), median(both),
                a ? 14.7 : 88, a ? 32.6 : 229);
        print(r, json, out);
        return r;
    }

    private static double step(UltraMemLayer layer, float[] y, float[] x, float[] dx, float[] dy,
                               int tokens, boolean backward) {
        for (Parameter prm : layer.parameters()) {
            prm.zeroGrad();
        }
        Arrays.fill(dx, 0f);
        long t0 = System.nanoTime();
        layer.forward(y, x, tokens);
        if (backward) {
            layer.backward(dx, dy, tokens);
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
        if (json) {
            out.printf(Locale.ROOT, "{\"bench\":\"ultramem_layer\",\"preset\":\"%s\",\"tokens\":%d,"
                    + "\"threads\":%d,\"kernels\":\"%s\",\"fwd_ms\":%.3f,\"fwd_bwd_ms\":%.3f,"
                    + "\"torch_fwd_ms\":%.1f,\"torch_fwd_bwd_ms\":%.1f}%n", r.preset(), r.tokens(),
                    r.threads(), kernels, r.fwdMs(), r.fwdBwdMs(), r.torchFwdMs(), r.torchFwdBwdMs());
        } else {
            out.printf(Locale.ROOT, "ultramem layer %s (%d tokens, %d threads, %s): fwd %.2f ms "
                    + "(PyTorch %.1f, %.1fx), fwd+bwd %.2f ms (PyTorch %.1f, %.1fx)%n", r.preset(),
                    r.tokens(), r.threads(), kernels, r.fwdMs(), r.torchFwdMs(),
                    r.torchFwdMs() / r.fwdMs(), r.fwdBwdMs(), r.torchFwdBwdMs(),
                    r.torchFwdBwdMs() / r.fwdBwdMs());
        }
    }
}
