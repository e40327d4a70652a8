package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** How the table backward cuts the row-sorted slots into tasks. */
class UltraMemV2LookupTest {

    /**
     * Cuts at {@link UltraMemV2Lookup#rowAligned} tile the order and never split a row; on a
     * layer whose rows all sit in the first half of the table (a window of the shared table),
     * cutting the slots in half still gives each task about half of them, where a cut at the
     * middle row index gave one task everything.
     */
    @Test
    void rowAlignedCutsKeepRowsWholeAndBalanceAWindowedLayer() {
        int tableRows = 1000;
        int count = 4000;
        int[] row = new int[count];
        SplittableRandom rnd = new SplittableRandom(5);
        for (int s = 0; s < count; s++) {
            row[s] = rnd.nextInt(tableRows / 2);
        }
        int[] order = new int[count];
        int[] rowStart = new int[tableRows + 1];
        sortByRow(order, rowStart, row, count);
        for (int parts : new int[] {1, 2, 3, 7}) {
            int previous = 0;
            for (int p = 1; p <= parts; p++) {
                int cut = UltraMemV2Lookup.rowAligned(order, rowStart, row, count * p / parts,
                        count);
                assertTrue(cut >= previous, "cuts are ordered");
                assertTrue(cut == count || rowStart[row[order[cut]]] == cut,
                        "a cut falls on a row start");
                assertTrue(cut - count * p / parts <= 40, "a cut moves at most one row on");
                previous = cut;
            }
            assertEquals(count, previous, "the last cut is the end");
        }
        int half = UltraMemV2Lookup.rowAligned(order, rowStart, row, count / 2, count);
        assertTrue(Math.abs(half - count / 2) <= 40, "both halves get about half the slots");
        assertEquals(count, rowStart[tableRows / 2], "a cut by row index gives one task all");
    }

    private static void sortByRow(int[] order, int[] rowStart, int[] row, int count) {
        for (int s = 0; s < count; s++) {
            rowStart[row[s] + 1]++;
        }
        for (int r = 0; r + 1 < rowStart.length; r++) {
            rowStart[r + 1] += rowStart[r];
        }
        int[] next = rowStart.clone();
        for (int s = 0; s < count; s++) {
            order[next[row[s]]++] = s;
        }
    }
}
