package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.io.Bf16;

/**
 * The segment (decode) kernels: the vector twins, as {@link KernelProvider} hands them out, against
 * the scalar ones over awkward shapes, fp32 and bf16, at nonzero byte offsets (the pom runs this at
 * 256 and 512 bits). Tolerance 1e-5·(k + 1) absolute for the products (different summation order),
 * 1e-5 against a double reference for attention, exact for row reads.
 */
class SegmentKernelsTest {

    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();

    /** 8+ rows take the batched (transposed-x) path; 2..7 the 2×4 tiles; 33 pads a token group;
     * 65 takes the paired tiles of 512-bit vectors. */
    private static final int[] ROWS = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 65};
    private static final int[] N = {1, 4, 5, 33, 70};
    // 70 and 1030 cross the batched path's 64-column groups and 512-wide k chunks.
    private static final int[] K = {1, 15, 16, 17, 33, 257, 1030};

    /** W [n, k] at a byte offset of 4 (f32) or 2 (bf16) into a bigger segment; returns it. */
    private static MemorySegment weights(Arena arena, float[] w, boolean bf16, long off) {
        int es = bf16 ? 2 : 4;
        MemorySegment s = arena.allocate(off + (long) w.length * es + 8);
        for (int i = 0; i < w.length; i++) {
            if (bf16) {
                s.set(GemvScalar.BF16, off + 2L * i, Bf16.fromFloat(w[i]));
            } else {
                s.set(GemvScalar.F32, off + 4L * i, w[i]);
            }
        }
        return s;
    }

    @Test
    void vectorMatchesScalarOnAwkwardSizes() {
        SplittableRandom rnd = new SplittableRandom(7);
        try (Arena arena = Arena.ofShared()) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int rows : ROWS) {
                    for (int n : N) {
                        for (int k : K) {
                            float[] w = KernelAsserts.random(rnd, n * k);
                            long off = bf16 ? 2 : 4;
                            MemorySegment seg = weights(arena, w, bf16, off);
                            int ldx = k + 3;
                            int ldo = n + 2;
                            float[] x = KernelAsserts.random(rnd, 1 + rows * ldx);
                            float[] ref = new float[1 + rows * ldo];
                            float[] vec = new float[ref.length];
                            float[] par = new float[ref.length];
                            SegmentKernels.matmulTScalar(ref, 1, ldo, x, 1, ldx, rows, seg, off,
                                    bf16, n, k);
                            SegmentKernels.matmulTVector(vec, 1, ldo, x, 1, ldx, rows, seg, off,
                                    bf16, n, k);
                            Parallel.withThreads(2, () -> VECTOR.segmentMatmulT(par, 1, ldo, x, 1,
                                    ldx, rows, seg, off, bf16, n, k));
                            String what = (bf16 ? "bf16" : "f32") + " rows " + rows + " n " + n
                                    + " k " + k;
                            for (int r = 0; r < rows; r++) {
                                for (int j = 0; j < n; j++) {
                                    int o = 1 + r * ldo + j;
                                    double tol = 1e-5 * (k + 1);
                                    assertEquals(ref[o], vec[o], tol, what + " vector @" + o);
                                    assertEquals(ref[o], par[o], tol, what + " parallel @" + o);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * Both twins claim results independent of the thread count (each output reduced by one thread
     * in a fixed order): one and two threads give the same bits, on the per-token tiles (rows < 8)
     * and on the batched transposed path (rows >= 8).
     */
    @Test
    void bothTwinsGiveTheSameBitsOnOneAndTwoThreads() {
        SplittableRandom rnd = new SplittableRandom(17);
        try (Arena arena = Arena.ofShared()) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int rows : new int[] {0, 1, 5, 8, 33}) {
                    int n = 97;
                    int k = 131;
                    MemorySegment seg = weights(arena, KernelAsserts.random(rnd, n * k), bf16, 0);
                    float[] x = KernelAsserts.random(rnd, rows * k);
                    for (Kernels kern : new Kernels[] {SCALAR, VECTOR}) {
                        float[] one = new float[rows * n];
                        float[] two = new float[rows * n];
                        Parallel.withThreads(1, () -> kern.segmentMatmulT(one, 0, n, x, 0, k, rows,
                                seg, 0, bf16, n, k));
                        Parallel.withThreads(2, () -> kern.segmentMatmulT(two, 0, n, x, 0, k, rows,
                                seg, 0, bf16, n, k));
                        assertArrayEquals(one, two, kern + (bf16 ? " bf16" : " f32") + " rows "
                                + rows);
                    }
                }
            }
        }
    }

    /**
     * The few-rows entry (MoE experts) takes the per-token dot tiles under both fixed row paths,
     * bit for bit, so each row depends on itself alone and no call is padded to a transposed token
     * group; under {@code BY_ROWS} it is the general entry, bit for bit (8+ rows transposed).
     */
    @Test
    void fewRowsEntryTakesTheDotTilesUnderAFixedPathAndIsTheGeneralOneByRows() {
        SplittableRandom rnd = new SplittableRandom(23);
        try (Arena arena = Arena.ofShared()) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int rows : new int[] {1, 3, 8, 9, 33}) {
                    int n = 70;
                    int k = 131;
                    MemorySegment seg = weights(arena, KernelAsserts.random(rnd, n * k), bf16, 0);
                    float[] x = KernelAsserts.random(rnd, rows * k);
                    float[] dot = new float[rows * n];
                    SegmentKernels.matmulTVector(dot, 0, n, x, 0, k, rows, seg, 0, bf16, n, k);
                    String what = (bf16 ? "bf16" : "f32") + " rows " + rows;
                    for (SegmentKernels.RowPath path : SegmentKernels.RowPath.values()) {
                        var previous = SegmentKernels.setRowPath(path);
                        try {
                            float[] few = new float[rows * n];
                            float[] general = new float[rows * n];
                            Parallel.withThreads(2, () -> {
                                VECTOR.segmentMatmulTFewRows(few, 0, n, x, 0, k, rows, seg, 0,
                                        bf16, n, k);
                                VECTOR.segmentMatmulT(general, 0, n, x, 0, k, rows, seg, 0,
                                        bf16, n, k);
                            });
                            assertArrayEquals(path == SegmentKernels.RowPath.BY_ROWS ? general
                                    : dot, few, what + " " + path);
                        } finally {
                            SegmentKernels.setRowPath(previous);
                        }
                    }
                }
            }
        }
    }

    /**
     * The transposed path's narrow last group (at most L tokens, one-vector tile) gives each row
     * the bits the two-vector tile gives it: every call of an awkward row count against the same
     * rows inside a call padded with extra rows to whole 2·L groups (two-vector tiles only), across
     * 64-column groups and 512-wide k chunks.
     */
    @Test
    void transposedNarrowLastGroupGivesTheBitsOfTheFullGroup() {
        int lanes = GemvVector.L;
        int tt = GemvVector.TT;
        SplittableRandom rnd = new SplittableRandom(29);
        var previous = SegmentKernels.setRowPath(SegmentKernels.RowPath.TRANSPOSED);
        try (Arena arena = Arena.ofShared()) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int k : new int[] {17, 1030}) {
                    int n = 70;
                    MemorySegment seg = weights(arena, KernelAsserts.random(rnd, n * k), bf16, 0);
                    for (int rows : new int[] {1, lanes - 1, lanes, lanes + 1, tt - 1, tt,
                            tt + 1, tt + lanes, tt + lanes + 1, 2 * tt + 10}) {
                        int full = (rows + tt - 1) / tt * tt;
                        float[] x = KernelAsserts.random(rnd, full * k);
                        float[] some = new float[rows * n];
                        float[] all = new float[full * n];
                        Parallel.withThreads(2, () -> {
                            VECTOR.segmentMatmulT(some, 0, n, x, 0, k, rows, seg, 0, bf16, n, k);
                            VECTOR.segmentMatmulT(all, 0, n, x, 0, k, full, seg, 0, bf16, n, k);
                        });
                        assertArrayEquals(java.util.Arrays.copyOf(all, rows * n), some,
                                (bf16 ? "bf16" : "f32") + " k " + k + " rows " + rows
                                        + " of " + full);
                    }
                }
            }
        } finally {
            SegmentKernels.setRowPath(previous);
        }
    }

    /**
     * On the per-token tiles (rows < 8) a token's outputs do not depend on its slot: the first
     * token of a call reads each weight block row by row, later ones through the 1×4 and 2×4
     * tiles, and all give the same bits (each output keeps one FMA chain and lane sum).
     */
    @Test
    void perTokenTilesGiveEachTokenTheSameBitsInEverySlot() {
        SplittableRandom rnd = new SplittableRandom(31);
        var previous = SegmentKernels.setRowPath(SegmentKernels.RowPath.DOT);
        try (Arena arena = Arena.ofShared()) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int k : new int[] {1, 17, 64, 257}) {
                    int n = 70;
                    MemorySegment seg = weights(arena, KernelAsserts.random(rnd, n * k), bf16, 0);
                    for (int rows : new int[] {2, 3, 5, 7}) {
                        float[] x = KernelAsserts.random(rnd, rows * k);
                        float[] all = new float[rows * n];
                        VECTOR.segmentMatmulT(all, 0, n, x, 0, k, rows, seg, 0, bf16, n, k);
                        for (int r = 0; r < rows; r++) {
                            float[] alone = new float[n];
                            VECTOR.segmentMatmulT(alone, 0, n, x, r * k, k, 1, seg, 0, bf16, n,
                                    k);
                            assertArrayEquals(alone, java.util.Arrays.copyOfRange(all, r * n,
                                    (r + 1) * n), (bf16 ? "bf16" : "f32") + " k " + k + " token "
                                    + r + " of " + rows);
                        }
                    }
                }
            }
        } finally {
            SegmentKernels.setRowPath(previous);
        }
    }

    @Test
    void scalarMatchesDoublePrecisionReference() {
        SplittableRandom rnd = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared()) {
            int rows = 3;
            int n = 5;
            int k = 19;
            float[] w = KernelAsserts.random(rnd, n * k);
            float[] x = KernelAsserts.random(rnd, rows * k);
            MemorySegment seg = weights(arena, w, false, 0);
            float[] out = new float[rows * n];
            SegmentKernels.matmulTScalar(out, 0, n, x, 0, k, rows, seg, 0, false, n, k);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int i = 0; i < k; i++) {
                        acc += (double) x[r * k + i] * w[j * k + i];
                    }
                    assertEquals(acc, out[r * n + j], 1e-5);
                }
            }
        }
    }

    @Test
    void readRowWidensBf16Exactly() {
        SplittableRandom rnd = new SplittableRandom(5);
        try (Arena arena = Arena.ofShared()) {
            for (int n : K) {
                float[] w = KernelAsserts.random(rnd, 2 * n);
                MemorySegment seg = weights(arena, w, true, 2);
                float[] a = new float[n + 1];
                float[] b = new float[n + 1];
                VECTOR.segmentReadRow(a, 1, seg, 2 + 2L * n, true, n);
                SCALAR.segmentReadRow(b, 1, seg, 2 + 2L * n, true, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Bf16.toFloat(Bf16.fromFloat(w[n + i])), a[1 + i], 0.0);
                    assertEquals(b[1 + i], a[1 + i], 0.0);
                }
            }
        }
    }

    @Test
    void rejectsASegmentTooSmallForTheMatrix() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> KernelProvider.get().segmentMatmulT(new float[4], 0, 2, new float[8], 0,
                            4, 2, seg, 0, false, 2, 4));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("needs 32 bytes"),
                    e.getMessage());
        }
    }
    @Test
    void attendMatchesDoublePrecisionReferenceAndScalarTwin() {
        SplittableRandom rnd = new SplittableRandom(11);
        try (Arena arena = Arena.ofShared()) {
            for (boolean bf16 : new boolean[] {false, true}) {
                // 48, 80 and 97: bf16 pair chunks of 2·L and 4·L, then single vectors, tails
                for (int hd : new int[] {1, 7, 8, 16, 33, 48, 64, 80, 97}) {
                    for (int span : new int[] {1, 3, 4, 5, 8, 17, 130}) {
                        float[] kf = KernelAsserts.random(rnd, span * hd);
                        float[] vf = KernelAsserts.random(rnd, span * hd);
                        long base = bf16 ? 6 : 12;
                        MemorySegment k = weights(arena, kf, bf16, base);
                        MemorySegment v = weights(arena, vf, bf16, base);
                        float[] q = KernelAsserts.random(rnd, hd + 2);
                        float scale = (float) (1 / Math.sqrt(hd));
                        float[] fast = new float[hd + 1];
                        float[] ref = new float[hd + 1];
                        float[] scores = new float[span + 3];
                        VECTOR.segmentAttend(fast, 1, q, 2, k, v, base, bf16, span, hd, scale,
                                scores, 3);
                        SCALAR.segmentAttend(ref, 1, q, 2, k, v, base, bf16, span, hd,
                                scale, scores, 3);
                        double[] exact = attendDouble(q, 2, kf, vf, bf16, span, hd, scale);
                        String what = (bf16 ? "bf16" : "f32") + " hd " + hd + " span " + span;
                        for (int d = 0; d < hd; d++) {
                            assertEquals(exact[d], ref[1 + d], 1e-5, what + " scalar d " + d);
                            assertEquals(exact[d], fast[1 + d], 1e-5, what + " vector d " + d);
                        }
                    }
                }
            }
        }
    }

    @Test
    void bf16AttentionAgreesWithF32AttentionOnTheSameValues() {
        // bf16 rows are read as int pairs (Bf16PairAttention) or widened L at a time, fp32 rows
        // as floats. The key scores sum in another order, so the outputs agree to rounding; with
        // q = 0 every score is 0 and the weighted sums (per dimension the same FMA chain over
        // positions in every path) must give the same bits, whole chunks and ragged spans.
        SplittableRandom rnd = new SplittableRandom(12);
        try (Arena arena = Arena.ofShared()) {
            for (int hd : new int[] {8, 16, 24, 32, 48, 64, 80, 128}) {
                for (int span : new int[] {1, 3, 15, 16, 17, 35, 130}) {
                    float[] kf = bf16Exact(KernelAsserts.random(rnd, span * hd));
                    float[] vf = bf16Exact(KernelAsserts.random(rnd, span * hd));
                    float scale = (float) (1 / Math.sqrt(hd));
                    String what = "hd " + hd + " span " + span;
                    float[][] random = bothCaches(arena, kf, vf, KernelAsserts.random(rnd, hd),
                            span, hd, scale);
                    float[][] flat = bothCaches(arena, kf, vf, new float[hd], span, hd, scale);
                    for (int d = 0; d < hd; d++) {
                        assertEquals(random[1][d], random[0][d],
                                1e-6 * (1 + Math.abs(random[1][d])), what + " d " + d);
                        assertEquals(Float.floatToIntBits(flat[1][d]),
                                Float.floatToIntBits(flat[0][d]), what + " q = 0, d " + d);
                    }
                }
            }
        }
    }

    /** The vector attention of q over K, V stored as bf16 ([0]) and as fp32 ([1]). */
    private static float[][] bothCaches(Arena arena, float[] kf, float[] vf, float[] q, int span,
                                        int hd, float scale) {
        float[][] out = new float[2][hd];
        for (int f = 0; f < 2; f++) {
            boolean bf16 = f == 0;
            VECTOR.segmentAttend(out[f], 0, q, 0, weights(arena, kf, bf16, 0),
                    weights(arena, vf, bf16, 0), 0, bf16, span, hd, scale, new float[span], 0);
        }
        return out;
    }

    private static float[] bf16Exact(float[] x) {
        for (int i = 0; i < x.length; i++) {
            x[i] = Bf16.toFloat(Bf16.fromFloat(x[i]));
        }
        return x;
    }

    /** softmax(scale·q·Kᵀ)·V in double over the stored (bf16-rounded when asked) K and V. */
    private static double[] attendDouble(float[] q, int qOff, float[] kf, float[] vf, boolean bf16,
                                         int span, int hd, float scale) {
        double[] s = new double[span];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < span; t++) {
            for (int i = 0; i < hd; i++) {
                s[t] += (double) q[qOff + i] * stored(kf[t * hd + i], bf16);
            }
            s[t] *= scale;
            max = Math.max(max, s[t]);
        }
        double sum = 0;
        for (int t = 0; t < span; t++) {
            s[t] = Math.exp(s[t] - max);
            sum += s[t];
        }
        double[] out = new double[hd];
        for (int t = 0; t < span; t++) {
            for (int d = 0; d < hd; d++) {
                out[d] += s[t] / sum * stored(vf[t * hd + d], bf16);
            }
        }
        return out;
    }

    private static double stored(float x, boolean bf16) {
        return bf16 ? Bf16.toFloat(Bf16.fromFloat(x)) : x;
    }

    @Test
    void writeRowStoresF32ExactlyAndBf16RoundedToNearestEven() {
        SplittableRandom rnd = new SplittableRandom(13);
        try (Arena arena = Arena.ofShared()) {
            float[] src = KernelAsserts.random(rnd, 40);
            src[5] = Float.NaN;
            src[6] = Float.POSITIVE_INFINITY;
            src[7] = Float.intBitsToFloat(0x3F808000); // a tie: rounds to even (0x3F80)
            for (boolean bf16 : new boolean[] {false, true}) {
                MemorySegment seg = arena.allocate(200);
                SegmentKernels.writeRow(seg, 8, src, 1, bf16, 39);
                float[] back = new float[39];
                SCALAR.segmentReadRow(back, 0, seg, 8, bf16, 39);
                for (int i = 0; i < 39; i++) {
                    float want = bf16 ? Bf16.toFloat(Bf16.fromFloat(src[1 + i])) : src[1 + i];
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(back[i]),
                            (bf16 ? "bf16" : "f32") + " element " + i);
                }
            }
            assertEquals(0x3F80, Bf16.fromFloat(src[7]) & 0xFFFF);
        }
    }
}
