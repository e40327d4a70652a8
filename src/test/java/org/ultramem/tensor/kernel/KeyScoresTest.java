package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Key scores over packed key blocks: the vector twin equals the scalar one bit for bit (both one
 * FMA chain per output) over awkward row, dimension and key counts; the pom runs this at 256 and
 * 512 bits (the block width follows the species).
 */
class KeyScoresTest {

    private static final int B = KeyScores.BLOCK;
    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();

    @Test
    void vectorEqualsScalarBitForBitOnAwkwardShapes() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int rows : new int[] {1, 3, 4, 5, 8, 9}) {
            for (int d : new int[] {1, 7, 32, 33}) {
                for (int n : new int[] {1, B - 1, B, 3 * B + 5}) {
                    for (int[] cols : new int[][] {{0, n}, {0, Math.min(n, 1)}, {n / B * B, n}}) {
                        float[] keys = KernelAsserts.random(rnd, 2 + n * d);
                        float[] packed = new float[3 + KeyScores.packedLength(n, d)];
                        KeyScores.pack(packed, 3, keys, 2, n, d);
                        int ldq = d + 3;
                        int ldo = n + 1;
                        float[] q = KernelAsserts.random(rnd, 2 + rows * ldq);
                        float[] ref = new float[3 + rows * ldo];
                        float[] vec = ref.clone();
                        SCALAR.keyScores(ref, 3, ldo, q, 2, ldq, rows, packed, 3,
                                n, d, cols[0], cols[1]);
                        VECTOR.keyScores(vec, 3, ldo, q, 2, ldq, rows, packed, 3,
                                n, d, cols[0], cols[1]);
                        String what = "rows " + rows + " d " + d + " n " + n + " keys " + cols[0]
                                + ".." + cols[1];
                        assertArrayEquals(ref, vec, what);
                        // and the packed scalar twin is the plain definition
                        for (int t = 0; t < rows; t++) {
                            for (int j = cols[0]; j < cols[1]; j++) {
                                float acc = 0f;
                                for (int i = 0; i < d; i++) {
                                    acc = Math.fma(q[2 + t * ldq + i], keys[2 + j * d + i], acc);
                                }
                                assertEquals(acc, ref[3 + t * ldo + j], what);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void scoresAreQueriesTimesKeys() {
        // q = [[1, 2]], keys = [[3, 5], [4, 6]]: scores = [1·3 + 2·5, 1·4 + 2·6] = [13, 16].
        float[] packed = new float[KeyScores.packedLength(2, 2)];
        KeyScores.pack(packed, 0, new float[] {3, 5, 4, 6}, 0, 2, 2);
        float[] out = new float[2];
        KernelProvider.get().keyScores(out, 0, 2, new float[] {1, 2}, 0, 2, 1, packed, 0, 2, 2, 0,
                2);
        assertEquals(13f, out[0]);
        assertEquals(16f, out[1]);
    }

    @Test
    void rejectsKeysOutsideTheRangeAndUnalignedStarts() {
        float[] packed = new float[KeyScores.packedLength(4, 2)];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.get().keyScores(new float[8], 0, 4, new float[4], 0, 2, 2,
                        packed, 0, 4, 2, 0, 5));
        assertTrue(e.getMessage().contains("keys [0, 5) of 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.get().keyScores(new float[8], 0, 4, new float[4], 0, 2, 2,
                        packed, 0, 4, 2, 1, 4));
    }
}
