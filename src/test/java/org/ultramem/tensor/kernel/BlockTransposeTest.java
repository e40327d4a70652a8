package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BlockTransposeTest {

    private static final int L = VectorKernels.SPECIES.length();

    /** Whole blocks, edges on either side, offsets, leading dimensions wider than the data. */
    @Test
    void vectorTwinCopiesEveryElementToItsTransposedPlaceAndNothingElse() {
        SplittableRandom rnd = new SplittableRandom(11);
        int[] sizes = {1, 3, L - 1, L, L + 1, 2 * L, 2 * L + 5, 4 * L + 3, 64, 73};
        for (int rows : sizes) {
            for (int cols : sizes) {
                int ldi = rows + rnd.nextInt(0, 2 * L);
                int ldo = cols + rnd.nextInt(0, 2 * L);
                int inOff = rnd.nextInt(0, 7);
                int outOff = rnd.nextInt(0, 7);
                float[] in = new float[inOff + cols * ldi + L];
                for (int i = 0; i < in.length; i++) {
                    in[i] = (float) rnd.nextGaussian();
                }
                float[] want = new float[outOff + rows * ldo + L];
                java.util.Arrays.fill(want, Float.NaN);
                float[] got = want.clone();
                BlockTranspose.transposeScalar(want, outOff, ldo, in, inOff, ldi, rows, cols);
                BlockTranspose.transpose(got, outOff, ldo, in, inOff, ldi, rows, cols);
                assertArrayEquals(want, got, "rows " + rows + ", cols " + cols);
                // the reference itself: out[i·ldo + j] = in[j·ldi + i]
                int i = rnd.nextInt(rows);
                int j = rnd.nextInt(cols);
                assertEquals(in[inOff + j * ldi + i], want[outOff + i * ldo + j]);
            }
        }
    }

    /** A lane selection off by one (a wrong round constant) moves an element: caught by value. */
    @Test
    void eachElementIsDistinctSoAMisplacedLaneShows() {
        int n = 4 * L;
        float[] in = new float[n * n];
        for (int k = 0; k < in.length; k++) {
            in[k] = k;
        }
        float[] out = new float[n * n];
        BlockTranspose.transpose(out, 0, n, in, 0, n, n, n);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(j * n + i, out[i * n + j], 0f, "(" + i + ", " + j + ")");
            }
        }
    }
}
