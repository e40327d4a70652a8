package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Row-sparse bookkeeping: the touched set in both orders (one by one and in bulk), and zeroing
 * only what was touched (on its own or after the optimizer's row pass).
 */
class ParameterTest {

    /** Enough rows that the row-wise passes split over two threads. */
    private static final int ROWS = 5 * Parameter.ROWS_PER_TASK;

    @Test
    void ascendingListsTheTouchedSetInRowOrder() {
        Parameter p = new Parameter("values", new int[] {ROWS, 3}, Parameter.Group.VALUES, true);
        int[] touched = touchRandomRows(p, 11, 3 * Parameter.ROWS_PER_TASK);
        int n = p.touchedCount();
        assertArrayEquals(Arrays.copyOf(touched, n), Arrays.copyOf(p.touchedRows(), n));
        int[] sorted = Arrays.copyOf(touched, n);
        Arrays.sort(sorted);
        assertArrayEquals(sorted, Arrays.copyOf(p.touchedRowsAscending(), n));
        // a new row after the ascending list was built shows up in it
        int fresh = firstUntouched(p);
        p.touchRow(fresh);
        int[] again = Arrays.copyOf(sorted, n + 1);
        again[n] = fresh;
        Arrays.sort(again);
        assertArrayEquals(again, Arrays.copyOf(p.touchedRowsAscending(), n + 1));
    }

    @Test
    void zeroGradClearsTouchedRowsAndMarksOnAnyThreadCount() {
        for (int threads : new int[] {1, 2}) {
            Parameter p = new Parameter("values", new int[] {ROWS, 4}, Parameter.Group.VALUES,
                    true);
            touchRandomRows(p, 5, 3 * Parameter.ROWS_PER_TASK);
            for (int k = 0; k < p.touchedCount(); k++) {
                Arrays.fill(p.grad, p.touchedRows()[k] * 4, p.touchedRows()[k] * 4 + 4, 1.5f);
            }
            Parallel.withThreads(threads, () -> {
                p.zeroGrad();
                return null;
            });
            assertEquals(0, p.touchedCount());
            assertArrayEquals(new float[p.numel()], p.grad, "threads " + threads);
            // the marks are cleared too: a row touched again is listed again, once
            p.touchRow(7);
            p.touchRow(7);
            assertEquals(1, p.touchedCount());
            assertEquals(7, p.touchedRowsAscending()[0]);
        }
    }

    @Test
    void touchRowsKeepsFirstTouchOrderOfOneByOneTouches() {
        SplittableRandom rnd = new SplittableRandom(3);
        Parameter one = new Parameter("values", new int[] {ROWS, 2}, Parameter.Group.VALUES, true);
        Parameter bulk = new Parameter("values", new int[] {ROWS, 2}, Parameter.Group.VALUES, true);
        // batches with repeats, within a batch and across batches, until every row is touched
        // (the list then fills exactly: the spare entry must not be counted)
        for (int batch = 0; batch < 12; batch++) {
            int[] rows = rnd.ints(ROWS, 0, ROWS).toArray();
            rows[5] = rows[4];
            for (int r : rows) {
                one.touchRow(r);
            }
            bulk.touchRows(rows, 0, rows.length);
            assertEquals(one.touchedCount(), bulk.touchedCount(), "batch " + batch);
            assertArrayEquals(Arrays.copyOf(one.touchedRows(), one.touchedCount()),
                    Arrays.copyOf(bulk.touchedRows(), bulk.touchedCount()), "batch " + batch);
            assertArrayEquals(Arrays.copyOf(one.touchedRowsAscending(), one.touchedCount()),
                    Arrays.copyOf(bulk.touchedRowsAscending(), bulk.touchedCount()));
        }
        int[] all = new int[ROWS];
        Arrays.setAll(all, i -> i);
        bulk.touchRows(all, 0, ROWS);
        assertEquals(ROWS, bulk.touchedCount());
        bulk.touchRows(all, 2, 3);
        assertEquals(ROWS, bulk.touchedCount());
    }

    @Test
    void consumeTouchedRowsRunsEachRowOnceThenLeavesItZeroedAndUnmarked() {
        for (int threads : new int[] {1, 2}) {
            Parameter p = new Parameter("values", new int[] {ROWS, 4}, Parameter.Group.VALUES,
                    true);
            int[] touched = touchRandomRows(p, 9, 3 * Parameter.ROWS_PER_TASK);
            for (int r : touched) {
                Arrays.fill(p.grad, r * 4, r * 4 + 4, r + 0.5f);
            }
            int[] seenGrad = new int[ROWS];
            Parallel.withThreads(threads, () -> {
                p.consumeTouchedRows(r -> seenGrad[r] += (int) p.grad[r * 4 + 3] + 1);
                return null;
            });
            // each touched row's task ran once and saw its gradient before the zeroing
            int[] expected = new int[ROWS];
            for (int r : touched) {
                expected[r] = r + 1;
            }
            assertArrayEquals(expected, seenGrad, "threads " + threads);
            assertEquals(0, p.touchedCount());
            assertArrayEquals(new float[p.numel()], p.grad, "threads " + threads);
            // the marks are cleared: a consumed row touched again is listed again, once
            p.touchRow(touched[0]);
            p.touchRow(touched[0]);
            assertEquals(1, p.touchedCount());
            assertEquals(touched[0], p.touchedRowsAscending()[0]);
        }
    }

    @Test
    void denseParameterHasNoAscendingList() {
        Parameter p = new Parameter("w", new int[] {2, 2}, Parameter.Group.DECAY);
        assertThrows(IllegalStateException.class, p::touchedRowsAscending);
    }

    /** Touches {@code count} random rows (repeats included) and returns them in touch order. */
    private static int[] touchRandomRows(Parameter p, long seed, int count) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int rows = p.numel() / p.rowWidth;
        int[] order = new int[count];
        boolean[] seen = new boolean[rows];
        int n = 0;
        for (int i = 0; i < count; i++) {
            int r = rnd.nextInt(rows);
            p.touchRow(r);
            if (!seen[r]) {
                seen[r] = true;
                order[n++] = r;
            }
        }
        return Arrays.copyOf(order, n);
    }

    private static int firstUntouched(Parameter p) {
        int[] sorted = Arrays.copyOf(p.touchedRowsAscending(), p.touchedCount());
        for (int r = 0; ; r++) {
            if (Arrays.binarySearch(sorted, r) < 0) {
                return r;
            }
        }
    }
}
