package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The packed vector GEMM against the scalar reference, and the scalar reference against double. */
class GemmTest {

    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();

    /** One GEMM problem with padded strides and offsets, run through both kernels. */
    private record Problem(boolean transA, boolean transB, int m, int n, int k, int pad,
            boolean accumulate) {

        void check(SplittableRandom rnd) {
            int aRows = transA ? k : m;
            int aCols = transA ? m : k;
            int bRows = transB ? n : k;
            int bCols = transB ? k : n;
            int lda = aCols + pad;
            int ldb = bCols + pad;
            int ldc = n + pad;
            int aOff = pad * 3;
            int bOff = pad * 5;
            int cOff = pad * 7;
            float[] a = KernelAsserts.random(rnd, aOff + aRows * lda + 1);
            float[] b = KernelAsserts.random(rnd, bOff + bRows * ldb + 1);
            float[] c0 = KernelAsserts.random(rnd, cOff + m * ldc + 1);
            float[] expected = c0.clone();
            float[] actual = c0.clone();
            SCALAR.matmul(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, expected, cOff, ldc,
                    accumulate);
            VECTOR.matmul(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, actual, cOff, ldc,
                    accumulate);
            // Scale each element by Σ|a||b| (+|c| when accumulating): rounding grows with it.
            float[] scale = new float[c0.length];
            SCALAR.matmul(transA, transB, m, n, k, KernelAsserts.abs(a), aOff, lda,
                    KernelAsserts.abs(b), bOff, ldb, scale, cOff, ldc, false);
            if (accumulate) {
                for (int i = 0; i < scale.length; i++) {
                    scale[i] += Math.abs(c0[i]);
                }
            }
            KernelAsserts.assertClose(toString(), expected, actual, scale, 1e-5);
            // Cells outside C's m×n window (padding, before the offset) must be untouched.
            for (int i = 0; i < c0.length; i++) {
                int rel = i - cOff;
                boolean inside = rel >= 0 && rel / ldc < m && rel % ldc < n;
                if (!inside) {
                    assertEquals(c0[i], actual[i], toString() + " wrote outside C at " + i);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void vectorMatchesScalarOnAwkwardSizes(int transCombo) {
        boolean transA = (transCombo & 1) != 0;
        boolean transB = (transCombo & 2) != 0;
        SplittableRandom rnd = new SplittableRandom(100 + transCombo);
        int[] sizes = {1, 5, 6, 7, 15, 16, 17, 31, 33, 97};
        for (int m : sizes) {
            for (int n : sizes) {
                int k = sizes[(m + n) % sizes.length];
                new Problem(transA, transB, m, n, k, (m + n) % 3, (m & 1) == 0).check(rnd);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void vectorMatchesScalarAcrossBlockBoundaries(int transCombo) {
        boolean transA = (transCombo & 1) != 0;
        boolean transB = (transCombo & 2) != 0;
        SplittableRandom rnd = new SplittableRandom(7 + transCombo);
        // k crosses KC = 256, m crosses MC = 96, n crosses a vector pair; ld > width via pad.
        new Problem(transA, transB, 97, 33, 257, 3, false).check(rnd);
        new Problem(transA, transB, 193, 70, 513, 1, true).check(rnd);
        new Problem(transA, transB, 1, 257, 300, 2, false).check(rnd);
        new Problem(transA, transB, 1, 40, 255, 0, true).check(rnd);
        new Problem(transA, transB, 255, 1, 256, 4, true).check(rnd);
    }

    @Test
    void vectorMatchesScalarOnWideBlocks() {
        // n = 1030 > 2·NC (512) exercises three packed B blocks (and a partial last one).
        new Problem(false, false, 50, 600, 40, 0, false).check(new SplittableRandom(3));
        new Problem(true, true, 13, 1030, 20, 1, true).check(new SplittableRandom(4));
    }

    @Test
    void columnBlockIsNrAlignedAndKeepsPackedBWithinItsCap() {
        for (int k : new int[] {1, 255, 256, 1024, 4096, 4500, 8192, 100_000}) {
            int nc = Gemm.columnBlock(k);
            assertEquals(0, nc % Gemm.NR, "k=" + k);
            assertTrue(nc >= Gemm.NR && nc <= Gemm.NC, "k=" + k + " nc=" + nc);
            assertTrue(nc == Gemm.NR || (long) k * nc <= Gemm.B_PACK_FLOATS, "k=" + k);
        }
        assertEquals(Gemm.NC, Gemm.columnBlock(1024));
        assertTrue(Gemm.columnBlock(4500) < 600, "k=4500 splits n=600 into two column blocks");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void vectorMatchesScalarWhenDeepKNarrowsTheColumnBlock(int transCombo) {
        // k = 4500 narrows the whole-depth B pack below n = 600: two column blocks, the second
        // partial, each reduced over 18 KC slices inside the row-block loop.
        boolean transA = (transCombo & 1) != 0;
        boolean transB = (transCombo & 2) != 0;
        SplittableRandom rnd = new SplittableRandom(17 + transCombo);
        new Problem(transA, transB, 13, 600, 4500, 1, (transCombo & 1) == 0).check(rnd);
    }

    /** The micro-tile heights of this species: 4 and 6 at 512 bits, 3 at 256. */
    static int[] heights() {
        return Gemm.HEIGHTS;
    }

    @ParameterizedTest
    @MethodSource("heights")
    void everyMicroKernelHeightMatchesScalar(int mr) {
        // Only one height is the default; call the others explicitly so all stay tested.
        SplittableRandom rnd = new SplittableRandom(mr);
        int[][] shapes = {{1, 1, 1}, {5, 17, 3}, {7, 33, 257}, {97, 40, 20}, {13, 1030, 9}};
        for (int combo = 0; combo < 4; combo++) {
            boolean transA = (combo & 1) != 0;
            boolean transB = (combo & 2) != 0;
            for (int[] s : shapes) {
                int m = s[0];
                int n = s[1];
                int k = s[2];
                float[] a = KernelAsserts.random(rnd, m * k);
                float[] b = KernelAsserts.random(rnd, k * n);
                float[] expected = KernelAsserts.random(rnd, m * n);
                float[] actual = expected.clone();
                int lda = transA ? m : k;
                int ldb = transB ? k : n;
                boolean acc = (m & 1) == 1;
                SCALAR.matmul(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, expected, 0, n, acc);
                Gemm.matmul(transA, transB, m, n, k, a, 0, lda, b, 0, ldb, actual, 0, n, acc, mr);
                float[] scale = new float[m * n];
                SCALAR.matmul(transA, transB, m, n, k, KernelAsserts.abs(a), 0, lda,
                        KernelAsserts.abs(b), 0, ldb, scale, 0, n, false);
                for (int i = 0; i < scale.length; i++) {
                    scale[i] += 1f;
                }
                KernelAsserts.assertClose("mr=" + mr + " " + java.util.Arrays.toString(s)
                        + " combo " + combo, expected, actual, scale, 1e-5);
            }
        }
    }

    @Test
    void aHeightWithoutAKernelIsRefused() {
        float[] a = new float[64];
        float[] c = new float[64];
        int missing = Gemm.NV == 3 ? 6 : 3;
        assertThrows(IllegalArgumentException.class, () -> Gemm.matmul(false, false, 8, 8, 8, a, 0,
                8, a, 0, 8, c, 0, 8, false, missing));
    }

    @Test
    void zeroSizedDimensions() {
        float[] c = {5f, 6f};
        VECTOR.matmul(false, false, 1, 2, 0, new float[0], 0, 0, new float[0], 0, 2, c, 0, 2, true);
        assertArrayEquals(new float[] {5f, 6f}, c);
        VECTOR.matmul(false, false, 1, 2, 0, new float[0], 0, 0, new float[0], 0, 2, c, 0, 2,
                false);
        assertArrayEquals(new float[] {0f, 0f}, c);
        SCALAR.matmul(false, false, 0, 2, 3, new float[0], 0, 3, new float[6], 0, 2, c, 0, 2,
                false);
        VECTOR.matmul(false, false, 0, 2, 3, new float[0], 0, 3, new float[6], 0, 2, c, 0, 2,
                false);
        assertArrayEquals(new float[] {0f, 0f}, c);
    }

    @Test
    void tinyProductIsExact() {
        float[] c = {1f};
        VECTOR.matmul(false, false, 1, 1, 1, new float[] {3f}, 0, 1, new float[] {4f}, 0, 1, c, 0,
                1, true);
        assertEquals(13f, c[0]);
        float[] c2 = new float[4];
        // [[1,2],[3,4]] · [[5,6],[7,8]] = [[19,22],[43,50]]
        VECTOR.matmul(false, false, 2, 2, 2, new float[] {1, 2, 3, 4}, 0, 2, new float[] {5, 6, 7,
                8}, 0, 2, c2, 0, 2, false);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c2);
        SCALAR.matmul(true, true, 2, 2, 2, new float[] {1, 3, 2, 4}, 0, 2, new float[] {5, 7, 6, 8},
                0, 2, c2, 0, 2, false);
        assertArrayEquals(new float[] {19, 22, 43, 50}, c2);
    }

    @Test
    void scalarMatchesDoubleProduct() {
        SplittableRandom rnd = new SplittableRandom(5);
        int m = 17;
        int n = 19;
        int k = 23;
        float[] a = KernelAsserts.random(rnd, m * k);
        float[] b = KernelAsserts.random(rnd, k * n);
        float[] c = new float[m * n];
        SCALAR.matmul(false, false, m, n, k, a, 0, k, b, 0, n, c, 0, n, false);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) a[i * k + p] * b[p * n + j];
                }
                assertEquals(s, c[i * n + j], 1e-5, "C[" + i + "," + j + "]");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3})
    void resultsAreIdenticalForOneAndTwoThreads(int transCombo) {
        boolean transA = (transCombo & 1) != 0;
        boolean transB = (transCombo & 2) != 0;
        // Each shape is above Gemm's ~4 MFLOP-per-block threshold so 2 threads really split it:
        // by columns (k crossing KC), by rows (one column panel), by rows because C is taller than
        // wide (a partial last row panel), the single-row path, and by rows over two column
        // blocks of a B packed once for both threads (its three KC slices packed by both).
        int[][] shapes = {{64, 512, 300}, {1200, 16, 300}, {601, 100, 300}, {1, 4096, 64},
            {20, 600, 4500}, {400, 530, 520}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            SplittableRandom rnd = new SplittableRandom(m * 31 + n);
            float[] a = KernelAsserts.random(rnd, m * k);
            float[] b = KernelAsserts.random(rnd, k * n);
            int lda = transA ? m : k;
            int ldb = transB ? k : n;
            for (Kernels kernels : new Kernels[] {SCALAR, VECTOR}) {
                float[] one = new float[m * n];
                float[] two = new float[m * n];
                Parallel.withThreads(1, () -> kernels.matmul(transA, transB, m, n, k, a, 0, lda, b,
                        0, ldb, one, 0, n, false));
                Parallel.withThreads(2, () -> kernels.matmul(transA, transB, m, n, k, a, 0, lda, b,
                        0, ldb, two, 0, n, false));
                assertArrayEquals(one, two, kernels + " " + m + "x" + n + "x" + k);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("heights")
    void rowCopiedAndTransposedPackingsAgreeBitForBit(int mr) {
        // A stored [m][k] is packed by row copies, A stored [k][m] by the transposing pack; both
        // must feed the micro-kernel the same values in the same order (partial panels included).
        SplittableRandom rnd = new SplittableRandom(11 + mr);
        int[][] shapes = {{13, 70, 300}, {97, 33, 257}, {8, 16, 5}, {203, 17, 40}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = KernelAsserts.random(rnd, m * k);
            float[] aT = new float[k * m];
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    aT[p * m + i] = a[i * k + p];
                }
            }
            float[] b = KernelAsserts.random(rnd, k * n);
            float[] direct = new float[m * n];
            float[] packed = new float[m * n];
            Gemm.matmul(false, false, m, n, k, a, 0, k, b, 0, n, direct, 0, n, false, mr);
            Gemm.matmul(true, false, m, n, k, aT, 0, m, b, 0, n, packed, 0, n, false, mr);
            assertArrayEquals(direct, packed, "mr=" + mr + " " + java.util.Arrays.toString(s));
        }
    }

    @Test
    void singleRowPathMatchesTheBatchedRowBitForBit() {
        // Decode (m = 1) and prefill (m > 1) must agree exactly for B stored [k][n]: same KC
        // slices, same FMA order per element.
        SplittableRandom rnd = new SplittableRandom(9);
        int m = 13;
        int n = 70;
        int k = 300;
        float[] a = KernelAsserts.random(rnd, m * k);
        float[] b = KernelAsserts.random(rnd, k * n);
        float[] batched = new float[m * n];
        VECTOR.matmul(false, false, m, n, k, a, 0, k, b, 0, n, batched, 0, n, false);
        for (int i = 0; i < m; i++) {
            float[] row = new float[n];
            VECTOR.matmul(false, false, 1, n, k, a, i * k, k, b, 0, n, row, 0, n, false);
            assertArrayEquals(java.util.Arrays.copyOfRange(batched, i * n, (i + 1) * n), row,
                    "row " + i);
        }
    }

    @Test
    void rejectsTooSmallLeadingDimension() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.matmul(
                false, false, 2, 2, 3, new float[6], 0, 2, new float[6], 0, 2, new float[4], 0, 2,
                        false));
        assertTrue(e.getMessage().contains("leading dimension of matmul A"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SCALAR.matmul(
                false, false, 2, 2, 3, new float[6], 0, 3, new float[6], 0, 2, new float[3], 0, 2,
                        false));
        assertTrue(e.getMessage().contains("matmul C"), e.getMessage());
    }
}
