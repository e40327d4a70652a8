package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The cached cos/sin table path of {@link Rope} against the direct formula, bit for bit. */
class RopeTest {

    private static void check(SplittableRandom rnd, int tokens, int heads, int headDim, int[] pos,
                              float theta, boolean inverse) {
        float[] x = KernelAsserts.random(rnd, tokens * heads * headDim);
        float[] viaTable = x.clone();
        float[] direct = x.clone();
        Rope.apply(viaTable, tokens, heads, headDim, pos, theta, inverse);
        Rope.applyDirect(direct, tokens, heads, headDim, pos, theta, inverse);
        assertArrayEquals(direct, viaTable, "headDim=" + headDim + " theta=" + theta
                + " inverse=" + inverse);
    }

    @Test
    void tableMatchesDirectFormulaWhileGrowingAndSwitching() {
        SplittableRandom rnd = new SplittableRandom(21);
        // Small positions build a table; larger ones grow it; another headDim or theta replaces
        // it; returning to the first must still agree.
        int[][] positionSets = {{0, 1, 2, 3}, {5, 200, 63, 64}, {1000, 7, 4095, 0}};
        for (int[] pos : positionSets) {
            for (int headDim : new int[] {2, 8, 64}) {
                for (float theta : new float[] {10000f, 500000f}) {
                    check(rnd, pos.length, 3, headDim, pos, theta, false);
                    check(rnd, pos.length, 3, headDim, pos, theta, true);
                }
            }
        }
    }

    @Test
    void negativeAndHugePositionsUseTheFormula() {
        SplittableRandom rnd = new SplittableRandom(22);
        check(rnd, 3, 2, 16, new int[] {-5, 0, 9}, 10000f, false);
        check(rnd, 2, 2, 16, new int[] {Rope.MAX_TABLE_POSITIONS + 3, 1}, 10000f, true);
    }

    /** Enough tokens to split over two threads: the one-thread bits, and the direct formula's. */
    @Test
    void manyTokensSplitOverThreadsKeepTheBits() {
        SplittableRandom rnd = new SplittableRandom(23);
        int tokens = 517;
        int[] pos = new int[tokens];
        for (int t = 0; t < tokens; t++) {
            pos[t] = t % 300;
        }
        for (boolean inverse : new boolean[] {false, true}) {
            float[] x = KernelAsserts.random(rnd, tokens * 4 * 32);
            float[] one = x.clone();
            float[] two = x.clone();
            float[] direct = x.clone();
            Parallel.withThreads(1, () -> Rope.apply(one, tokens, 4, 32, pos, 10000f, inverse));
            Parallel.withThreads(2, () -> Rope.apply(two, tokens, 4, 32, pos, 10000f, inverse));
            Rope.applyDirect(direct, tokens, 4, 32, pos, 10000f, inverse);
            assertArrayEquals(one, two, "inverse=" + inverse);
            assertArrayEquals(direct, two, "inverse=" + inverse);
        }
    }
}
