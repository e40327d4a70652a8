package org.ultramem.bench;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.ultramem.tensor.kernel.FmaPeak;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The {@code bench kernels} workload: GEMM throughput at 1024³ and 2048³ on 1 and 2 threads and
 * streaming read bandwidth on 1 and 2 threads, each the median of several timed repetitions after
 * warm-up, reported as ratios to the machine's own ceilings measured in the same run (the
 * {@link FmaPeak} loop on 1 and 2 threads, the streaming bandwidth) and beside the reference
 * points of {@code java-engineering.md}, with the ISA and vector width named.
 *
 * <p>{@code --json} prints exactly the keys {@code gemm1024_t1_gflops}, {@code gemm1024_t2_gflops},
 * {@code gemm2048_t1_gflops}, {@code gemm2048_t2_gflops}, {@code bandwidth_t1_gbs},
 * {@code bandwidth_t2_gbs}, {@code fma_peak_t1_gflops}, {@code fma_peak_t2_gflops}, {@code isa}
 * (a string), {@code vector_bits} (an integer) and {@code gemm2048_t1_alloc_bytes} (a long: the
 * heap bytes one warmed 1-thread GEMM allocates; a boxed vector in a kernel shows here as
 * megabytes, where a clean GEMM allocates tens of bytes of call overhead). The bandwidth pass
 * reads a 1 GiB on-heap array, so the JVM needs a heap of at least ~1.5 GiB.
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
    record Config(int smallN, int largeN, long bandwidthBytes, int reps, int fmaIterations,
                  long warmupMillis) {
        static Config standard() {
            return new Config(1024, 2048, 1L << 30, 5, 20_000_000, 1000);
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
     * when {@code json}); returns the figures under their JSON keys (Double values, except
     * {@code isa}, a String, and {@code vector_bits}, an Integer).
     */
    public static Map<String, Object> run(boolean json, PrintStream out) {
        return run(json, out, Config.standard());
    }

    static Map<String, Object> run(boolean json, PrintStream out, Config config) {
        KernelProvider.get();  // a bad ultramem.kernels/vectorBits fails here, before any timing
        // The FMA peak is sampled before and after the GEMMs and the median of both taken, so a
        // load change on a shared machine during the run moves ceiling and figures alike.
        int fmaIt = config.fmaIterations();
        double[] peak1 = fmaPeakSamples(1, fmaIt, config.reps());
        double[] peak2 = fmaPeakSamples(2, fmaIt, config.reps());
        long warm = config.warmupMillis();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("gemm1024_t1_gflops", measureGemmGflops(config.smallN(), 1, config.reps(), warm));
        r.put("gemm1024_t2_gflops", measureGemmGflops(config.smallN(), 2, config.reps(), warm));
        r.put("gemm2048_t1_gflops", measureGemmGflops(config.largeN(), 1, config.reps(), warm));
        r.put("gemm2048_t2_gflops", measureGemmGflops(config.largeN(), 2, config.reps(), warm));
        r.put("bandwidth_t1_gbs", measureBandwidthGbs(1, config.bandwidthBytes(), config.reps()));
        r.put("bandwidth_t2_gbs", measureBandwidthGbs(2, config.bandwidthBytes(), config.reps()));
        r.put("fma_peak_t1_gflops", median(concat(peak1, fmaPeakSamples(1, fmaIt, config.reps()))));
        r.put("fma_peak_t2_gflops", median(concat(peak2, fmaPeakSamples(2, fmaIt, config.reps()))));
        r.put("isa", FmaPeak.isa());
        r.put("vector_bits", FmaPeak.vectorBits());
        r.put("gemm2048_t1_alloc_bytes", gemmAllocatedBytes(config.largeN(), config.reps()));
        if (json) {
            out.println(toJson(r));
        } else {
            printHuman(out, r, config);
        }
        return r;
    }

    /**
     * The fewest heap bytes the calling thread allocates in one n×n×n GEMM on 1 thread over
     * {@code reps} calls (after those of {@link #measureGemmGflops}, so the kernels are compiled).
     * A kernel whose vectors C2 boxes allocates on every micro-tile: 146 MB per 2048³ call before
     * 2026-12-06's fix of {@code Gemm.kernel6}, which also cost a third of its speed.
     */
    static long gemmAllocatedBytes(int n, int reps) {
        Kernels k = KernelProvider.get();
        float[] a = new float[n * n];
        float[] b = new float[n * n];
        float[] c = new float[n * n];
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long fewest = Long.MAX_VALUE;
        for (int rep = 0; rep < reps; rep++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            Parallel.withThreads(1, () -> k.matmul(false, false, n, n, n, a, 0, n, b, 0, n, c, 0,
                    n, false));
            fewest = Math.min(fewest, threads.getCurrentThreadAllocatedBytes() - before);
        }
        return fewest;
    }

    /**
     * Median GFLOP/s of {@code reps} square n×n×n fp32 matmuls (plus 2 warm-up runs) through
     * {@link KernelProvider#get()} on exactly {@code threads} threads.
     */
    public static double measureGemmGflops(int n, int threads, int reps) {
        return measureGemmGflops(n, threads, reps, 1000);
    }

    /**
     * As above, warming up for at least 2 runs and {@code warmupMillis}: the first passes run
     * interpreted or in C1 code, and two were not enough at 1024³ (the first figure of a run
     * read ~0.3 of the FMA peak against ~0.7 for the same kernel later in it, 2026-12).
     */
    static double measureGemmGflops(int n, int threads, int reps, long warmupMillis) {
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
        long warmEnd = System.nanoTime() + warmupMillis * 1_000_000;
        for (int rep = -2; rep < reps; rep++) {
            if (rep == -1 && System.nanoTime() < warmEnd) {
                rep = -2;
            }
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

    /**
     * GFLOP/s of {@code reps} runs of the {@link FmaPeak} loop ({@code iterations} rounds of 12
     * independent FMAs per thread) on {@code threads} threads, after 2 warm-up runs: the compute
     * ceiling the GEMM figures are divided by.
     */
    static double[] fmaPeakSamples(int threads, int iterations, int reps) {
        double[] gflops = new double[reps];
        for (int rep = -2; rep < reps; rep++) {
            double g = FmaPeak.gflops(threads, iterations);
            if (rep >= 0) {
                gflops[rep] = g;
            }
        }
        return gflops;
    }

    private static double[] concat(double[] x, double[] y) {
        double[] all = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, all, x.length, y.length);
        return all;
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
            sb.append('"').append(e.getKey()).append("\": ");
            Object v = e.getValue();
            if (v instanceof Double d) {
                sb.append(String.format(Locale.ROOT, "%.2f", d));
            } else if (v instanceof Number num) {
                sb.append(num);
            } else {
                sb.append('"').append(String.valueOf(v).replace("\\", "\\\\")
                        .replace("\"", "\\\"")).append('"');
            }
        }
        return sb.append('}').toString();
    }

    private static void printHuman(PrintStream out, Map<String, Object> r, Config config) {
        out.printf(Locale.ROOT, "kernels: %s, %d available processors (median of %d runs)%n",
                KernelProvider.get(), Runtime.getRuntime().availableProcessors(), config.reps());
        out.printf(Locale.ROOT, "ISA: %s, %d-bit vectors%n", r.get("isa"), r.get("vector_bits"));
        double p1 = (Double) r.get("fma_peak_t1_gflops");
        double p2 = (Double) r.get("fma_peak_t2_gflops");
        double b1 = (Double) r.get("bandwidth_t1_gbs");
        double b2 = (Double) r.get("bandwidth_t2_gbs");
        out.printf(Locale.ROOT, "%-28s %10s   %-34s %s%n", "workload", "measured",
                "ratio to this run's ceilings", "reference (java-engineering.md)");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %-34s %s%n", "FMA-loop peak, 1 thread", p1,
                "1.00 (the 1-thread ceiling)", "64 FLOP/cycle/core at 512 bits");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %-34s %s%n", "FMA-loop peak, 2 threads", p2,
                String.format(Locale.ROOT, "1.00 (%.2fx the 1-thread peak)", p2 / p1), "");
        double g1 = (Double) r.get("gemm1024_t1_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %-34s %.0f-%.0f%% of 175-200 GFLOP/s,"
                        + " %.2fx PyTorch (125)%n",
                "GEMM " + config.smallN() + "³, 1 thread", g1, ofPeak(g1, p1),
                100 * g1 / CEILING_1024_T1_HIGH, 100 * g1 / CEILING_1024_T1_LOW, g1 / PYTORCH_1024);
        double g2 = (Double) r.get("gemm1024_t2_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %-34s %.2fx the 1-thread figure"
                        + " (expect <= 1.9x)%n",
                "GEMM " + config.smallN() + "³, 2 threads", g2, ofPeak(g2, p2), g2 / g1);
        double g3 = (Double) r.get("gemm2048_t1_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %-34s %.0f-%.0f%% of 175-200 GFLOP/s%n",
                "GEMM " + config.largeN() + "³, 1 thread", g3, ofPeak(g3, p1),
                100 * g3 / CEILING_1024_T1_HIGH, 100 * g3 / CEILING_1024_T1_LOW);
        double g4 = (Double) r.get("gemm2048_t2_gflops");
        out.printf(Locale.ROOT, "%-28s %7.1f GF   %-34s %.0f%% of the ~340 GFLOP/s 2-thread"
                        + " ceiling%n",
                "GEMM " + config.largeN() + "³, 2 threads", g4, ofPeak(g4, p2),
                100 * g4 / CEILING_2048_T2);
        out.printf(Locale.ROOT, "%-28s %7.1f GB/s %-34s %.0f%% of 37 GB/s%n",
                "streaming read, 1 thread", b1, "1.00 (the 1-thread bandwidth)",
                100 * b1 / BANDWIDTH_T1);
        out.printf(Locale.ROOT, "%-28s %7.1f GB/s %-34s %.0f%% of 41 GB/s%n",
                "streaming read, 2 threads", b2,
                String.format(Locale.ROOT, "%.2fx the 1-thread bandwidth", b2 / b1),
                100 * b2 / BANDWIDTH_T2);
        out.printf(Locale.ROOT, "%-28s %,d bytes allocated per call (boxed vectors would show as"
                + " megabytes)%n", "GEMM " + config.largeN() + "³, 1 thread",
                (Long) r.get("gemm2048_t1_alloc_bytes"));
        out.println("The reference figures were taken with 512-bit vectors on an idle machine;"
                + " the ratios compare against ceilings measured in this run, so they hold on a"
                + " loaded or different machine too.");
    }

    private static String ofPeak(double gflops, double peak) {
        return String.format(Locale.ROOT, "%.2f of the FMA peak", gflops / peak);
    }
}
