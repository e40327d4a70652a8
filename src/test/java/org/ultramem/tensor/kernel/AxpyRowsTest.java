package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link AxpyRows}: each twin equals the same number of {@link Kernels#axpy} calls of its own
 * provider bit for bit (zero alphas skipped or not, negative zeros in y, a repeated row, widths
 * around the lane counts), and the twins agree to rounding (the pom runs this at 256 and 512
 * bits).
 */
class AxpyRowsTest {

    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7, 8, 15, 16, 17, 24, 31, 32, 33, 40, 47, 48, 63, 64, 65, 100, 128})
    void eachTwinEqualsRepeatedAxpyBitForBit(int n) {
        SplittableRandom rnd = new SplittableRandom(n + 1);
        int rows = 9;
        float[] x = new float[rows * n + 3];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        for (int count : new int[] {0, 1, 6, 12}) {
            int[] offs = new int[count + 2];
            float[] alpha = new float[count + 4];
            for (int i = 0; i < count; i++) {
                offs[i] = rnd.nextInt(rows) * n + (i % 3 == 0 ? 0 : 1);  // some rows unaligned
                alpha[2 + i] = i % 4 == 1 ? 0f : (float) rnd.nextGaussian();
            }
            if (count > 2) {
                offs[2] = offs[0];  // the same row twice adds twice
            }
            for (boolean skip : new boolean[] {false, true}) {
                for (Kernels kern : new Kernels[] {SCALAR, VECTOR}) {
                    float[] expect = new float[n + 5];
                    for (int d = 0; d < expect.length; d++) {
                        expect[d] = d % 5 == 0 ? -0f : (float) rnd.nextGaussian();
                    }
                    float[] actual = expect.clone();
                    for (int i = 0; i < count; i++) {
                        if (!(skip && alpha[2 + i] == 0)) {
                            kern.axpy(expect, 3, alpha[2 + i], x, offs[i], n);
                        }
                    }
                    kern.axpyRows(actual, 3, alpha, 2, x, offs, count, n, skip);
                    assertArrayEquals(expect, actual, kern.getClass().getSimpleName() + " n "
                            + n + " count " + count + " skip " + skip);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {5, 32, 67})
    void twinsAgreeToRounding(int n) {
        SplittableRandom rnd = new SplittableRandom(n);
        float[] x = new float[4 * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        int[] offs = {0, 3 * n, n, 2 * n, n};
        float[] alpha = {0.5f, -1.25f, 0f, 2f, 0.75f};
        float[] a = new float[n];
        float[] b = new float[n];
        SCALAR.axpyRows(a, 0, alpha, 0, x, offs, 5, n, true);
        VECTOR.axpyRows(b, 0, alpha, 0, x, offs, 5, n, true);
        for (int d = 0; d < n; d++) {
            assertEquals(a[d], b[d], 1e-5f * Math.max(1f, Math.abs(a[d])), "at " + d);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void rejectsRowsOutsideTheTable(boolean vector) {
        Kernels kern = vector ? VECTOR : SCALAR;
        assertThrows(IllegalArgumentException.class, () -> kern.axpyRows(new float[8], 0,
                new float[] {1f}, 0, new float[16], new int[] {10}, 1, 8, false));
        assertThrows(IllegalArgumentException.class, () -> kern.axpyRows(new float[8], 0,
                new float[] {1f}, 0, new float[16], new int[] {0}, 2, 8, false));
    }
}
