package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The vector twins of {@link GatherWeightedSum}, as {@link KernelProvider} hands them out, against
 * the plain-loop references (the pom runs this at 256 and 512 bits). Tolerance: 1e-5 relative (the
 * vector twin uses fused multiply-adds and lane-parallel partial sums).
 */
class GatherWeightedSumTest {

    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    private static void assertClose(float[] expect, float[] actual, String what) {
        for (int i = 0; i < expect.length; i++) {
            float tol = 1e-5f * Math.max(1f, Math.abs(expect[i]));
            assertEquals(expect[i], actual[i], tol, what + " at " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 15, 16, 17, 31, 32, 33, 64, 96, 128, 255, 256, 257})
    void weightedSumVectorMatchesScalarOnAwkwardSizes(int seg) {
        SplittableRandom rnd = new SplittableRandom(seg);
        for (int segs : new int[] {1, 2, 3}) {
            int dim = segs * seg;
            int tableRows = 11;
            float[] table = gaussian(rnd, tableRows * dim);
            int slotCount = 9;
            int[] rows = new int[slotCount];
            for (int s = 0; s < slotCount; s++) {
                rows[s] = rnd.nextInt(tableRows);
            }
            rows[1] = rows[0];  // a duplicated row adds twice
            float[] w = gaussian(rnd, slotCount * segs);
            int[] list = {8, 0, 3, 1, 5, 2};
            for (int count : new int[] {0, 1, 4, 6}) {
                float[] expect = new float[dim + 5];
                float[] actual = new float[dim + 5];
                java.util.Arrays.fill(expect, 9f);
                java.util.Arrays.fill(actual, 9f);  // overwritten inside [3, 3 + dim) only
                int used = count - (count > 0 ? 1 : 0);
                SCALAR.gatherWeightedSum(expect, 3, table, rows, w, list, 1, used, segs, seg);
                VECTOR.gatherWeightedSum(actual, 3, table, rows, w, list, 1, used, segs, seg);
                assertClose(expect, actual, "seg " + seg + " segs " + segs + " count " + count);
                assertEquals(9f, actual[0]);
                assertEquals(9f, actual[dim + 4]);
            }
        }
    }

    /**
     * Segments of whole multiples of 4 vectors take one pass per row (8 vectors at a time, then
     * 4); it must equal the per-segment vector loop bit for bit, including a row width that
     * leaves a 4-vector tail (seg 32·3 at 8 lanes, 64·3 at 16), duplicated rows and an empty list.
     */
    @ParameterizedTest
    @ValueSource(ints = {32, 64, 96, 128, 192, 256})
    void weightedSumOnePassPerRowEqualsPerSegmentLoopBitForBit(int seg) {
        SplittableRandom rnd = new SplittableRandom(31 + seg);
        for (int segs : new int[] {1, 2, 3}) {
            int dim = segs * seg;
            int tableRows = 13;
            float[] table = gaussian(rnd, tableRows * dim);
            int slotCount = 40;
            int[] rows = new int[slotCount];
            for (int s = 0; s < slotCount; s++) {
                rows[s] = rnd.nextInt(tableRows);
            }
            rows[7] = rows[3];
            float[] w = gaussian(rnd, slotCount * segs);
            int[] list = new int[slotCount + 1];
            for (int i = 0; i < list.length; i++) {
                list[i] = (i * 17 + 5) % slotCount;
            }
            for (int count : new int[] {0, 1, 5, 32, 40}) {
                float[] expect = new float[dim + 4];
                float[] actual = new float[dim + 4];
                GatherWeightedSum.weightedSumVectorPerSegment(expect, 2, table, rows, w, list, 1,
                        count, segs, seg);
                VECTOR.gatherWeightedSum(actual, 2, table, rows, w, list, 1, count, segs, seg);
                assertArrayEquals(expect, actual,
                        "seg " + seg + " segs " + segs + " count " + count);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 15, 16, 17, 31, 33, 64, 255, 256, 257})
    void gatherDotVectorMatchesScalarOnAwkwardSizes(int seg) {
        SplittableRandom rnd = new SplittableRandom(100 + seg);
        for (int segs : new int[] {1, 2, 3}) {
            for (int xStride : new int[] {0, seg}) {
                int dim = segs * seg;
                float[] table = gaussian(rnd, 2 + 7 * dim);
                float[] x = gaussian(rnd, 1 + dim);
                int[] rows = {6, 0, 3, 3, 5};
                for (int count : new int[] {0, 1, 4}) {
                    float[] expect = new float[1 + 4 * segs];
                    float[] actual = new float[1 + 4 * segs];
                    SCALAR.gatherDot(expect, 1, x, 1, xStride, table, 2, rows, 1, count, segs, seg);
                    VECTOR.gatherDot(actual, 1, x, 1, xStride, table, 2, rows, 1, count, segs, seg);
                    assertClose(expect, actual, "seg " + seg + " segs " + segs + " stride "
                            + xStride + " count " + count);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 15, 16, 17, 31, 33, 64, 255, 256, 257})
    void dotAxpyVectorMatchesScalarOnAwkwardSizes(int n) {
        SplittableRandom rnd = new SplittableRandom(200 + n);
        float[] a = gaussian(rnd, n + 3);
        float[] x = gaussian(rnd, n + 2);
        float[] y0 = gaussian(rnd, n + 1);
        float[] yExpect = y0.clone();
        float[] yActual = y0.clone();
        float expect = SCALAR.dotAxpy(yExpect, 1, 0.75f, a, 3, x, 2, n);
        float actual = VECTOR.dotAxpy(yActual, 1, 0.75f, a, 3, x, 2, n);
        assertEquals(expect, actual, 1e-5f * Math.max(1f, Math.abs(expect)), "dot, n " + n);
        assertClose(yExpect, yActual, "axpy, n " + n);
        assertEquals(y0[0], yActual[0]);
    }
}
