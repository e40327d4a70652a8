package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The direct path's distinct-row count against a sort, across words and repeated steps. */
class DistinctRowsTest {

    @Test
    void countsEachRowOnceAndForgetsTheStep() {
        DistinctRows d = new DistinctRows(200);
        assertEquals(4, d.count(new int[] {63, 64, 0, 64, 199, 63, 0}, 7));
        assertEquals(1, d.count(new int[] {64, 64, 5}, 2), "only the first total ids count");
        assertEquals(0, d.count(new int[0], 0));
        SplittableRandom rnd = new SplittableRandom(7);
        for (int step = 0; step < 20; step++) {
            int[] ids = new int[1 + rnd.nextInt(300)];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = rnd.nextInt(200);
            }
            assertEquals(Arrays.stream(ids).distinct().count(), d.count(ids, ids.length));
        }
    }
}
