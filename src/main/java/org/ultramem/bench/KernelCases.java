package org.ultramem.bench;

import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.ultramem.io.Bf16;
import org.ultramem.tensor.kernel.FmaPeak;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * The named cases of {@code ultramem bench kernels --case NAME}: small measurements that code
 * comments quote, so every figure in a comment can be re-measured by a command that exists
 * (issue 14). Each prints medians of {@link Size#reps} timed runs after warm-up, with the ISA and
 * vector width, and a ratio to a ceiling or to the other twin measured in the same run.
 * <ul>
 *   <li>{@code gemm-shapes}: the training GEMM shapes (A·B, A·Bᵀ, Aᵀ·B; the dense-256x6 and logits
 *       shapes) on 1 thread, GFLOP/s and fraction of the 1-thread FMA peak
 *       ({@code Gemm}'s comments);</li>
 *   <li>{@code topk}: ns per row of the top-16 of 128 and 512 scores and the top-32 of 500 and
 *       1,024 (the family's top-m and grid), scalar and vector twins,
 *       with the rows in cache and streamed from a table larger than L3 ({@code TopK},
 *       {@code UltraMemLayer.COARSE_CHUNK});</li>
 *   <li>{@code parallel-region}: µs per empty {@link Parallel#forRange} region on 2 threads, the
 *       hand-off cost that sizes parallel blocks ({@code SpinPool}, {@code Gemm},
 *       {@code SegmentKernels}, {@code ValueGather}).</li>
 *   <li>{@code decode-attention}: ns per call of the decode attention kernel (one query row
 *       against one head's KV slice, head dim 64, fp32 and bf16 caches, spans 32 to 256), scalar
 *       and vector twins, and the vector twin's GFLOP/s ({@code SegmentAttentionVector}).</li>
 *   <li>{@code decode-gemm}: the batched decode GEMM (x [rows, k] · Wᵀ, fp32 W) on the serving
 *       path ({@code SegmentKernels.RowPath.TRANSPOSED}) at the decode models' shapes and 16 to
 *       128 rows, on 1 and 2 threads, as GFLOP/s and fraction of the FMA peak of that many
 *       threads ({@code GemvVector.matmulTTransposed}).</li>
 * </ul>
 */
public final class KernelCases {

    /** The case names {@code --case} accepts. */
    public static final List<String> NAMES = List.of("gemm-shapes", "topk", "parallel-region",
            "decode-attention", "decode-gemm");

    /** Problem scale and repetitions: {@link #standard()} for the command, smaller for tests. */
    record Size(int gemmScaleDiv, int fmaIterations, int topkRows, long streamedBytes, int regions,
                int reps, long warmupMillis) {
        static Size standard() {
            return new Size(1, 20_000_000, 256, 256L << 20, 20_000, 5, 1000);
        }
    }

    /** A GEMM shape: C[m, n] = op(A)[m, k] · op(B)[k, n]. */
    private record Shape(String what, boolean transA, boolean transB, int m, int n, int k) {
    }

    /** dense-256x6 training shapes (batch 8×256 tokens, d 256, SwiGLU 683, vocab 8192). */
    private static final List<Shape> SHAPES = List.of(
            new Shape("A·B 1024³", false, false, 1024, 1024, 1024),
            new Shape("A·B 2048³", false, false, 2048, 2048, 2048),
            new Shape("A·Bᵀ 2048×256×256 (projection)", false, true, 2048, 256, 256),
            new Shape("A·Bᵀ 2048×8192×256 (logits)", false, true, 2048, 8192, 256),
            new Shape("Aᵀ·B 256×256×2048 (dW)", true, false, 256, 256, 2048),
            new Shape("Aᵀ·B 8192×256×2048 (dW logits)", true, false, 8192, 256, 2048),
            new Shape("A·B 2048×256×8192 (dX logits)", false, false, 2048, 256, 8192));

    private KernelCases() {
    }

    /**
     * Runs case {@code name} at full size, printing to {@code out}.
     *
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static void run(String name, PrintStream out) {
        run(name, out, Size.standard());
    }

    static void run(String name, PrintStream out, Size size) {
        out.printf(Locale.ROOT, "case %s: %s, ISA %s, %d-bit vectors, median of %d runs%n", name,
                KernelProvider.get(), FmaPeak.isa(), FmaPeak.vectorBits(), size.reps());
        switch (name) {
            case "gemm-shapes" -> gemmShapes(out, size);
            case "topk" -> topK(out, size);
            case "parallel-region" -> parallelRegion(out, size);
            case "decode-attention" -> decodeAttention(out, size);
            case "decode-gemm" -> decodeGemm(out, size);
            default -> throw new IllegalArgumentException("bench kernels --case " + name
                    + " is not a case; use one of " + String.join(", ", NAMES));
        }
    }

    private static void gemmShapes(PrintStream out, Size size) {
        Kernels kern = KernelProvider.get();
        double peak = peak(1, size);
        out.printf(Locale.ROOT, "FMA-loop peak, 1 thread: %.1f GFLOP/s%n", peak);
        SplittableRandom rnd = new SplittableRandom(42);
        for (Shape s : SHAPES) {
            int m = Math.max(1, s.m() / size.gemmScaleDiv());
            int n = Math.max(1, s.n() / size.gemmScaleDiv());
            int k = Math.max(1, s.k() / size.gemmScaleDiv());
            float[] a = random(rnd, m * k);
            float[] b = random(rnd, k * n);
            float[] c = new float[m * n];
            int lda = s.transA() ? m : k;
            int ldb = s.transB() ? k : n;
            double[] gflops = timed(size, () -> Parallel.withThreads(1, () -> kern.matmul(
                    s.transA(), s.transB(), m, n, k, a, 0, lda, b, 0, ldb, c, 0, n, false)));
            for (int i = 0; i < gflops.length; i++) {
                gflops[i] = 2.0 * m * n * k / gflops[i];
            }
            double g = KernelBench.median(gflops);
            out.printf(Locale.ROOT, "  %-34s %7.1f GFLOP/s  %.2f of the FMA peak%n", s.what(), g,
                    g / peak);
        }
    }

    private static void topK(PrintStream out, Size size) {
        // k 16 of 128 and 512: bench decode's and PKM's shapes; k 32 of 500 and 1,024: the
        // family's top-m over 500 keys and top-k over the 32×32 candidate grid.
        int[][] shapes = {{16, 128}, {16, 512}, {32, 500}, {32, 1024}};
        for (int[] shape : shapes) {
            int k = shape[0];
            int n = shape[1];
            SplittableRandom rnd = new SplittableRandom(n);
            float[] cached = gaussian(rnd, size.topkRows() * n);
            int streamedRows = (int) Math.max(size.topkRows(), size.streamedBytes() / 4 / n);
            float[] streamed = gaussian(rnd, streamedRows * n);
            double[] ns = new double[4];
            int col = 0;
            for (float[] scores : new float[][] {cached, streamed}) {
                int rows = scores.length / n;
                Kernels[] twins = {KernelProvider.scalar(), KernelProvider.vector()};
                for (Kernels kern : twins) {
                    int[] idx = new int[k];
                    float[] top = new float[k];
                    double[] t = timed(size, () -> {
                        for (int r = 0; r < rows; r++) {
                            kern.topK(scores, r * n, n, k, idx, 0, top, 0);
                        }
                    });
                    ns[col++] = KernelBench.median(t) / rows;
                }
            }
            out.printf(Locale.ROOT, "  top-%d of %d scores, rows in cache: scalar %.0f ns, vector"
                    + " %.0f ns per row (%.2fx)%n", k, n, ns[0], ns[1], ns[0] / ns[1]);
            out.printf(Locale.ROOT, "  top-%d of %d scores, rows streamed:  scalar %.0f ns, vector"
                    + " %.0f ns per row (%.2fx)%n", k, n, ns[2], ns[3], ns[2] / ns[3]);
        }
    }

    private static void parallelRegion(PrintStream out, Size size) {
        int regions = size.regions();
        double[] ns = timed(size, () -> Parallel.withThreads(2, () -> {
            for (int i = 0; i < regions; i++) {
                Parallel.forRange(2, 1, (from, to) -> { });
            }
        }));
        out.printf(Locale.ROOT, "  empty 2-thread Parallel.forRange region: %.2f µs%n",
                KernelBench.median(ns) / regions / 1000);
    }

    /** The FMA-loop peak on {@code threads} threads: median of the reps after 2 warm-up runs. */
    private static double peak(int threads, Size size) {
        return KernelBench.median(KernelBench.fmaPeakSamples(threads, size.fmaIterations(),
                size.reps()));
    }

    private static void decodeGemm(PrintStream out, Size size) {
        Kernels kern = KernelProvider.get();
        double[] peak = {peak(1, size), peak(2, size)};
        out.printf(Locale.ROOT, "FMA-loop peak: %.1f GFLOP/s on 1 thread, %.1f on 2%n", peak[0],
                peak[1]);
        int[][] shapes = {{2016, 256}, {256, 2016}, {4096, 256}}; // {n, k}: up, down, logits
        String[] what = {"up 256->2016", "down 2016->256", "logits 256->4096"};
        SplittableRandom rnd = new SplittableRandom(3);
        SegmentKernels.RowPath before = SegmentKernels.setRowPath(SegmentKernels.RowPath.TRANSPOSED);
        try {
            for (int s = 0; s < shapes.length; s++) {
                int n = Math.max(4, shapes[s][0] / size.gemmScaleDiv());
                int k = Math.max(4, shapes[s][1] / size.gemmScaleDiv());
                try (Arena arena = Arena.ofShared()) {
                    MemorySegment w = arena.allocate((long) n * k * 4, 64);
                    for (long i = 0; i < (long) n * k; i++) {
                        w.setAtIndex(ValueLayout.JAVA_FLOAT, i,
                                (float) rnd.nextGaussian());
                    }
                    for (int rows : new int[] {16, 64, 73, 128}) {
                        float[] x = gaussian(rnd, rows * k);
                        float[] y = new float[rows * n];
                        StringBuilder line = new StringBuilder();
                        for (int threads = 1; threads <= 2; threads++) {
                            int t = threads;
                            double[] ns = timed(size, () -> Parallel.withThreads(t, () -> {
                                for (int rep = 0; rep < 10; rep++) {
                                    kern.segmentMatmulT(y, 0, n, x, 0, k, rows, w, 0, false, n, k);
                                }
                            }));
                            double g = 2.0 * rows * n * k * 10 / KernelBench.median(ns);
                            line.append(String.format(Locale.ROOT, "  %d thread%s %6.1f GFLOP/s"
                                    + " (%.2f of peak)", t, t == 1 ? " " : "s", g, g / peak[t - 1]));
                        }
                        out.printf(Locale.ROOT, "  %-17s %3d rows:%s%n", what[s], rows, line);
                    }
                }
            }
        } finally {
            SegmentKernels.setRowPath(before);
        }
    }

    private static void decodeAttention(PrintStream out, Size size) {
        int hd = 64;
        int heads = 64; // distinct KV slices per timed run, so the cache is not one slice in L1
        float scale = (float) (1 / Math.sqrt(hd));
        Kernels[] twins = {KernelProvider.scalar(), KernelProvider.vector()};
        SplittableRandom rnd = new SplittableRandom(7);
        for (boolean bf16 : new boolean[] {false, true}) {
            for (int span : new int[] {32, 100, 256}) {
                long es = bf16 ? 2 : 4;
                long slice = span * hd * es;
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment k = arena.allocate(heads * slice, 64);
                    MemorySegment v = arena.allocate(heads * slice, 64);
                    for (long i = 0; i < heads * slice / es; i++) {
                        float kx = (float) rnd.nextGaussian();
                        float vx = (float) rnd.nextGaussian();
                        if (bf16) {
                            k.setAtIndex(ValueLayout.JAVA_SHORT, i,
                                    Bf16.fromFloat(kx));
                            v.setAtIndex(ValueLayout.JAVA_SHORT, i,
                                    Bf16.fromFloat(vx));
                        } else {
                            k.setAtIndex(ValueLayout.JAVA_FLOAT, i, kx);
                            v.setAtIndex(ValueLayout.JAVA_FLOAT, i, vx);
                        }
                    }
                    float[] q = gaussian(rnd, heads * hd);
                    float[] o = new float[heads * hd];
                    float[] scores = new float[span];
                    double[] ns = new double[2];
                    for (int tw = 0; tw < 2; tw++) {
                        Kernels kern = twins[tw];
                        double[] t = timed(size, () -> {
                            for (int rep = 0; rep < 20; rep++) {
                                for (int h = 0; h < heads; h++) {
                                    kern.segmentAttend(o, h * hd, q, h * hd, k, v, h * slice,
                                            bf16, span, hd, scale, scores, 0);
                                }
                            }
                        });
                        ns[tw] = KernelBench.median(t) / (20.0 * heads);
                    }
                    out.printf(Locale.ROOT, "  %s KV, span %3d, head dim %d: scalar %6.0f ns,"
                            + " vector %5.0f ns per call (%.1fx), vector %.1f GFLOP/s%n",
                            bf16 ? "bf16" : "fp32", span, hd, ns[0], ns[1], ns[0] / ns[1],
                            4.0 * span * hd / ns[1]);
                }
            }
        }
    }

    /**
     * Nanoseconds of {@code size.reps()} runs of {@code body}, after a warm-up of at least 2 runs
     * and {@code size.warmupMillis()} (the first passes run interpreted or in C1 code).
     */
    private static double[] timed(Size size, Runnable body) {
        long warmEnd = System.nanoTime() + size.warmupMillis() * 1_000_000;
        for (int i = 0; i < 2 || (System.nanoTime() < warmEnd && i < 1000); i++) {
            body.run();
        }
        double[] ns = new double[size.reps()];
        for (int rep = 0; rep < ns.length; rep++) {
            long t0 = System.nanoTime();
            body.run();
            ns[rep] = System.nanoTime() - t0;
        }
        return ns;
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextDouble();
        }
        return x;
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }
}
