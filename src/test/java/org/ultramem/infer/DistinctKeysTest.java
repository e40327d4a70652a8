package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class DistinctKeysTest {

    @Test
    void countsEachHeadSideKeyOncePerStep() {
        // 2 rows, 1 head, m = 2, n = 4: row 0 side 0 {1, 2}, side 1 {1, 3}; row 1 side 0 {2, 0},
        // side 1 {1, 1}: side 0 has keys {0, 1, 2}, side 1 {1, 3} -> 5 (the same key on two sides
        // counts twice, a repeat on one side once)
        DistinctKeys keys = new DistinctKeys(1, 4, 2);
        int[] cand = {1, 2, 1, 3, 2, 0, 1, 1};
        assertEquals(5, keys.count(cand, 2));
        assertEquals(2, keys.count(cand, 1) - 2); // a new step starts afresh: row 0 alone has 4
        assertEquals(0, keys.count(new int[0], 0));
    }
}
