package org.ultramem.bench;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The {@code bench kernels} workload: GEMM throughput at 1024³ and 2048³ on 1 and 2 threads and
 * streaming read bandwidth on 1 and 2 threads, each the median of several timed repetitions after
 * warm-up, reported beside the reference points of {@code java-engineering.md}.
 *
 * <p>{@code --json} prints exactly the keys {@code gemm1024_t1_gflops}, {@code gemm1024_t2_gflops},
 * {@code gemm2048_t1_gflops}, {@code gemm2048_t2_gflops}, {@code bandwidth_t1_gbs},
 * {@code bandwidth_t2_gbs}. The bandwidth pass reads a 1 GiB on-heap array, so the JVM needs a heap
 * of at least ~1.5 GiB.
 */
public final class KernelBench {

    /** Reference points measured on the project machine (java-engineering.md). */
    static final double CEILING_1024_T1_LOW = 175;
    static final double CEILING_1024_T1_HIGH = 200;
    static final double CEILING_2048_T2 = 340;
    static final double PYTORCH_1024 = 125;
    static final double BANDWIDTH_T1 = 37;
    static final double BANDWIDTH_T2 = 41;

    /** Problem sizes and repetitions; {@link #standard()} is what the report's keys promise. */
    record Config(int smallN, int largeN, long bandwidthBytes, int reps) {
        static Config standard() {
            return new Config(1024, 2048, 1L << 30, 5);
        }
    }

    private KernelBench() {
    }

    /** Command-line entry: {@code KernelBench [--json]}. */
    public static void main(String[] args) {
        boolean json = Arrays.asList(args).contains("--json");
        run(json, System.out);
    }

    /**
     * Runs the whole workload and prints it to {@code out} (a human table, or one JSON object
     * when {@code json}); returns the six figures under their JSON keys (Double values).
     */
    public static Map<String, Object> run(boolean json, PrintStream out) {
        return run(json, out, Config.standard());
    }

    static Map<String, Object> run(boolean json, PrintStream out, Config config) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("gemm1024_t1_gflops", measureGemmGflops(config.smallN(), 1, config.reps()));
        r.put("gemm1024_t2_gflops", measureGemmGflops(config.smallN(), 2, config.reps()));
        r.put("gemm2048_t1_gflops", measureGemmGflops(config.largeN(), 1, config.reps()));
        r.put("gemm2048_t2_gflops", measureGemmGflops(config.largeN(), 2, config.reps()));
        r.put("bandwidth_t1_gbs", measureBandwidthGbs(1, config.bandwidthBytes(), config.reps()));
        r.put("bandwidth_t2_gbs", measureBandwidthGbs(2, config.bandwidthBytes(), config.reps()));
        if (json) {
            out.println(toJson(r));
        } else {
            printHuman(out, r, config);
        }
        return r;
    }

    /**
     * Median GFLOP/s of {@code reps} square n×n×n fp32 matmuls (plus 2 warm-up runs) through
     * {@link KernelProvider#get()} on exactly {@code threads} threads.
     */
    public static double measureGemmGflops(int n, int threads, int reps) {
        Kernels k = KernelProvider.get();
        SplittableRandom rnd = new SplittableRandom(42);
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        float[] c = new float[n * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble();
            b[i] = (float) rnd.nextDouble();
        }
        double[] gflops = new double[reps];
        for (int rep = -2; rep < reps; rep++) {
            long t0 = System.nanoTime();
            Parallel.withThreads(threads, () -> k.matmul(false, false, n, n, n, a, 0, n, b, 0, n, c,
                    0, n, false));
            long ns = System.nanoTime() - t0;
            if (rep >= 0) {
                gflops[rep] = 2.0 * n * n * n / ns;
            }
        }
        return median(gflops);
    }

    /** Median streaming read bandwidth in GB/s over a 1 GiB array on {@code threads} threads. */
    public static double measureBandwidthGbs(int threads) {
        return measureBandwidthGbs(threads, 1L << 30, 5);
    }

    /**
     * Median GB/s (10⁹ bytes/s) of summing squares over a {@code bytes}-sized float array, split
     * into {@code threads} contiguous blocks, after one warm-up pass.
     */
    static double measureBandwidthGbs(int threads, long bytes, int reps) {
        BandwidthProbe probe = new BandwidthProbe(threads, bytes);
        double[] gbs = new double[reps];
        for (int rep = 0; rep < reps; rep++) {
            gbs[rep] = probe.passGbs();
        }
        return median(gbs);
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int mid = v.length / 2;
        return v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
    }

    static String toJson(Map<String, Object> r) {
        StringBuilder sb = new StringBuilder("{");
        for (Map.Entry<String, Object> e : r.entrySet()) {
            if (sb.length() > 1) {
                sb.append(", ");
            }
            sb.append('"').append(e.getKey()).append("\": ")
                    .append(String.format(Locale.ROOT, "%.2f", (Double) e.getValue()));
        }
        return sb.append('}').toString();
    }

    private static void printHuman(PrintStream out, Map<String, Object> r, Config config) {
        out.printf(Locale.ROOT, "kernels: %s, %d available processors (median of %d runs)%n",
                KernelProvider.get(), Runtime.getRuntime().availableProcessors(), config.reps());
        out.printf(Locale.ROOT, "%-28s %10s   %s%n", "workload", "measured",
                "reference (java-engineering.md)");
        double g1 = (Double) r.get("gemm1024_t1_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %.0f-%.0f%% of the 175-200 GFLOP/s ceiling,"
                        + " %.2fx PyTorch (125)%n",
                "GEMM " + config.smallN() + "³, 1 thread", g1, 100 * g1 / CEILING_1024_T1_HIGH,
                100 * g1 / CEILING_1024_T1_LOW, g1 / PYTORCH_1024);
        double g2 = (Double) r.get("gemm1024_t2_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %.2fx the 1-thread figure (expect <= 1.9x)%n",
                "GEMM " + config.smallN() + "³, 2 threads", g2, g2 / g1);
        double g3 = (Double) r.get("gemm2048_t1_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %.0f-%.0f%% of the 175-200 GFLOP/s ceiling%n",
                "GEMM " + config.largeN() + "³, 1 thread", g3, 100 * g3 / CEILING_1024_T1_HIGH,
                100 * g3 / CEILING_1024_T1_LOW);
        double g4 = (Double) r.get("gemm2048_t2_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %.0f%% of the ~340 GFLOP/s 2-thread ceiling%n",
                "GEMM " + config.largeN() + "³, 2 threads", g4, 100 * g4 / CEILING_2048_T2);
        double b1 = (Double) r.get("bandwidth_t1_gbs");
        out.printf(Locale.ROOT, "%-28s %7.1f GB/s %.0f%% of 37 GB/s%n", "streaming read, 1 thread",
                b1, 100 * b1 / BANDWIDTH_T1);
        double b2 = (Double) r.get("bandwidth_t2_gbs");
        out.printf(Locale.ROOT, "%-28s %7.1f GB/s %.0f%% of 41 GB/s%n", "streaming read, 2 threads",
                b2, 100 * b2 / BANDWIDTH_T2);
        out.println("The reference figures were taken with 512-bit vectors on an idle machine;"
                + " compare on the same hardware, with nothing else running.");
    }
}
