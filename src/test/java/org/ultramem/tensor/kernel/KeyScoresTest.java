package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KeyScoresTest {

    @Test
    void vectorEqualsScalarBitForBitOnAwkwardShapes() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int rows : new int[] {1, 3, 4, 5, 8, 9}) {
            for (int d : new int[] {1, 7, 32, 33}) {
                for (int[] cols : new int[][] {{0, 1}, {0, 16}, {3, 40}, {5, 5}, {16, 49}}) {
                    int ldk = cols[1] + 2;
                    int ldq = d + 3;
                    int ldo = cols[1] + 1;
                    float[] q = KernelAsserts.random(rnd, 2 + rows * ldq);
                    float[] kT = KernelAsserts.random(rnd, 1 + d * ldk);
                    float[] ref = new float[3 + rows * ldo];
                    float[] vec = ref.clone();
                    KeyScores.scoresScalar(ref, 3, ldo, q, 2, ldq, rows, kT, 1, ldk, d, cols[0],
                            cols[1]);
                    KeyScores.scoresVector(vec, 3, ldo, q, 2, ldq, rows, kT, 1, ldk, d, cols[0],
                            cols[1]);
                    assertArrayEquals(ref, vec, "rows " + rows + " d " + d + " cols "
                            + cols[0] + ".." + cols[1]);
                }
            }
        }
    }

    @Test
    void scalarTwinIsTheDefinition() {
        // q = [[1, 2]], kT = [[3, 4], [5, 6]]: scores = [1·3 + 2·5, 1·4 + 2·6] = [13, 16].
        float[] out = new float[2];
        KeyScores.scores(out, 0, 2, new float[] {1, 2}, 0, 2, 1, new float[] {3, 4, 5, 6}, 0, 2,
                2, 0, 2);
        assertEquals(13f, out[0]);
        assertEquals(16f, out[1]);
    }

    @Test
    void rejectsColumnsOutsideTheKeys() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KeyScores.scores(new float[8], 0, 4, new float[4], 0, 2, 2, new float[8], 0,
                        4, 2, 0, 5));
        assertTrue(e.getMessage().contains("columns [0, 5)"), e.getMessage());
    }
}
