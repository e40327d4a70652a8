package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.tensor.kernel.KernelProvider;

/** How the table backward cuts the row-sorted slots into tasks. */
class UltraMemV2LookupTest {

    /**
     * Cuts at {@link UltraMemV2Lookup#rowAligned} tile the order and never split a row; on a
     * layer whose rows all sit in the first half of its window, cutting the slots in half still
     * gives each task about half of them, where a cut at the middle row index gave one task
     * everything.
     */
    @Test
    void rowAlignedCutsKeepRowsWholeAndBalanceAWindowedLayer() {
        UltraMemV2Lookup lookup = lookup();
        int window = lookup.windowRows();
        int count = 4000;
        int[] row = randomRows(lookup, count, window / 2, 5);
        int[] order = new int[count];
        int[] rowStart = new int[window + 1];
        lookup.sortSlotsByRow(order, rowStart, row, count);
        for (int parts : new int[] {1, 2, 3, 7}) {
            int previous = 0;
            for (int p = 1; p <= parts; p++) {
                int cut = lookup.rowAligned(order, rowStart, row, count * p / parts, count);
                assertTrue(cut >= previous, "cuts are ordered");
                assertTrue(cut == count
                                || rowStart[lookup.windowRow(row[order[cut]])] == cut,
                        "a cut falls on a row start");
                assertTrue(cut - count * p / parts <= 40, "a cut moves at most one row on");
                previous = cut;
            }
            assertEquals(count, previous, "the last cut is the end");
        }
        int half = lookup.rowAligned(order, rowStart, row, count / 2, count);
        assertTrue(Math.abs(half - count / 2) <= 40, "both halves get about half the slots");
        assertEquals(count, rowStart[window / 2], "a cut by row index gives one task all");
    }

    /**
     * The sort counts over the layer's window (N + 1 starts, not N_all + 1) and still groups
     * every table row's slots together in slot order, rows of a window that wraps past the end
     * of the shared table included: the same groups the old sort over all N_all rows gave.
     */
    @Test
    void sortOverTheWindowGroupsEveryRowInSlotOrderAcrossTheWrap() {
        UltraMemV2Lookup lookup = lookup();
        int window = lookup.windowRows();
        int count = 3000;
        int[] row = randomRows(lookup, count, window, 9);
        int[] order = new int[count];
        int[] rowStart = new int[window + 1];
        lookup.sortSlotsByRow(order, rowStart, row, count);
        int[] byTableRow = new int[count];
        int[] tableStart = new int[lookup.tableRows() + 1];
        sortByTableRow(byTableRow, tableStart, row, count);
        boolean wrapped = false;
        for (int r = 0; r < lookup.tableRows(); r++) {
            int from = tableStart[r];
            int to = tableStart[r + 1];
            if (from == to) {
                continue;
            }
            int w = lookup.windowRow(r);
            wrapped |= r < lookup.windowRow(r);
            assertEquals(to - from, rowStart[w + 1] - rowStart[w], "slots of row " + r);
            for (int i = from; i < to; i++) {
                assertEquals(byTableRow[i], order[rowStart[w] + i - from], "row " + r
                        + " keeps its slots in slot order");
            }
        }
        assertTrue(wrapped, "the test window wraps past the end of the table");
        assertEquals(count, rowStart[window]);
    }

    /** Layer 1 of 2 (share ratio 0.75: N = 361 rows from off = 256 of N_all = 512): it wraps. */
    private static UltraMemV2Lookup lookup() {
        UltraMemV2Config cfg = UltraMemV2Config.of(16, 16, 32, 16, 4).withShape(2, 2, 2, 1)
                .withRetrieval(0.75, 0, true);
        UltraMemV2Values holder = new UltraMemV2Values(cfg.geometry(2), 1);
        return new UltraMemV2Lookup(holder, 1, 3, KernelProvider.get());
    }

    /** Table rows of random window positions in [0, span). */
    private static int[] randomRows(UltraMemV2Lookup lookup, int count, int span, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] row = new int[count];
        for (int s = 0; s < count; s++) {
            row[s] = (rnd.nextInt(span) + lookup.offset()) % lookup.tableRows();
        }
        return row;
    }

    /** The former sort, over every row of the shared table. */
    /**
     * resolve's subtraction path gives the integers of the division formula of spec §3.8
     * (block v div N, row ((v mod N) + off) mod N_all) for every virtual index, on windows that
     * wrap past the table end, one block or several, the first layer or the last.
     */
    @Test
    void resolveMatchesTheDivisionFormulaOnEveryVirtualIndex() {
        int[][] shapes = {{16, 18, 9, 1}, {16, 18, 0, 4}, {9, 27, 26, 3}, {25, 25, 0, 1},
            {12, 40, 39, 2}};
        for (int[] sh : shapes) {
            int valueNum = sh[0];
            int all = sh[1];
            int off = sh[2];
            int blocks = sh[3];
            int virt = blocks * valueNum;
            int[] pi = new int[virt];
            int[] z = new int[virt];
            for (int i = 0; i < virt; i++) {
                pi[i] = (i * 7 + 3) % virt;
                z[i] = i;
            }
            int[] v = new int[virt];
            int[] g = new int[virt];
            int[] r = new int[virt];
            UltraMemV2Lookup.resolve(pi, valueNum, off, all, v, g, r, z, 0, virt);
            for (int s = 0; s < virt; s++) {
                assertEquals(pi[s], v[s]);
                assertEquals(pi[s] / valueNum, g[s], "block of " + pi[s]);
                assertEquals((int) (((long) (pi[s] % valueNum) + off) % all), r[s],
                        "row of " + pi[s] + " in " + java.util.Arrays.toString(sh));
            }
        }
    }

    private static void sortByTableRow(int[] order, int[] rowStart, int[] row, int count) {
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
