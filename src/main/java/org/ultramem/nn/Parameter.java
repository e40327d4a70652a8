package org.ultramem.nn;

import java.util.Arrays;
import org.ultramem.tensor.kernel.Parallel;

/**
 * A trainable tensor: its values, its gradient buffer and how the optimizer treats it.
 * Shapes are row-major; {@code data} and {@code grad} have {@code numel()} elements.
 *
 * <p>Row-sparse parameters (value tables, embeddings when asked) record which rows received
 * gradient since the last {@link #zeroGrad()}: zeroing, gradient norms and lazy optimizers then
 * visit only those rows. The gradient buffer itself stays dense so scatter-adds need no map.
 * {@link #touchedRows()} lists them in first-touch order (the order the gradient norm sums in);
 * {@link #touchedRowsAscending()} lists the same rows by index, for the passes whose result does
 * not depend on the order (zeroing, scaling, the row-wise optimizer): a step touches a large share
 * of a small V2 table (about 55% of the family preset's rows), and visiting them in address order
 * lets the hardware prefetcher stream them where first-touch order jumps at random.
 */
public final class Parameter {

    /** How the optimizer treats a parameter. */
    public enum Group {
        /** Ordinary weight: weight decay applies. */
        DECAY,
        /** Norm gains, biases and the like: no weight decay (configurable). */
        NO_DECAY,
        /** Memory value tables: own learning-rate multiplier, optionally lazy row-wise updates. */
        VALUES
    }

    /**
     * Fewest touched rows one thread takes in a row-wise pass; below twice this a pass stays on
     * the calling thread (a fork costs microseconds, a 128-float row tens of nanoseconds).
     */
    public static final int ROWS_PER_TASK = 1024;

    public final String name;
    public final int[] shape;
    public final float[] data;
    public final float[] grad;
    public final Group group;
    /** Width of one row for row-sparse tracking (last dimension), or 0 when tracking is off. */
    public final int rowWidth;
    private final boolean[] rowTouched;
    private int[] touchedRows = new int[16];
    private int touchedCount;
    /** Grown on first use, so building a model allocates nothing for it. */
    private int[] ascending = new int[0];
    /** Whether {@code ascending} lists the current touched set. */
    private boolean ascendingCurrent = true;

    public Parameter(String name, int[] shape, Group group) {
        this(name, shape, group, false);
    }

    public Parameter(String name, int[] shape, Group group, boolean rowSparse) {
        long n = 1;
        for (int d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("parameter " + name + " has non-positive dimension "
                        + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("parameter " + name + " " + Arrays.toString(shape)
                    + " has " + n + " elements; at most " + (Integer.MAX_VALUE - 16) + " fit one array");
        }
        this.name = name;
        this.shape = shape.clone();
        this.data = new float[(int) n];
        this.grad = new float[(int) n];
        this.group = group;
        this.rowWidth = rowSparse ? shape[shape.length - 1] : 0;
        this.rowTouched = rowSparse ? new boolean[(int) (n / rowWidth)] : null;
    }

    public int numel() {
        return data.length;
    }

    public boolean rowSparse() {
        return rowTouched != null;
    }

    /** Marks row {@code row} as having received gradient (no-op for dense parameters). */
    public void touchRow(int row) {
        if (rowTouched == null || rowTouched[row]) {
            return;
        }
        rowTouched[row] = true;
        ascendingCurrent = false;
        if (touchedCount == touchedRows.length) {
            touchedRows = Arrays.copyOf(touchedRows, touchedCount * 2);
        }
        touchedRows[touchedCount++] = row;
    }

    /**
     * Marks the rows {@code rows[from .. from+count)} as touched, as {@link #touchRow} on each in
     * that order (same first-touch order). Branch-free: whether a row was new only decides
     * whether the list's end advances, so the half-touched table's coin-flip marks cost no
     * mispredicted branch (a V2 layer marks H·k rows per token this way).
     */
    public void touchRows(int[] rows, int from, int count) {
        if (rowTouched == null || count <= 0) {
            return;
        }
        // One spare entry: a row already touched is written past the end and not counted.
        int need = Math.min(touchedCount + count, rowTouched.length) + 1;
        if (touchedRows.length < need) {
            touchedRows = Arrays.copyOf(touchedRows, Math.max(need, 2 * touchedRows.length));
        }
        boolean[] marks = rowTouched;
        int[] list = touchedRows;
        int n = touchedCount;
        for (int i = from; i < from + count; i++) {
            int r = rows[i];
            int fresh = marks[r] ? 0 : 1;
            marks[r] = true;
            list[n] = r;
            n += fresh;
        }
        if (n != touchedCount) {
            ascendingCurrent = false;
        }
        touchedCount = n;
    }

    /** Number of rows touched since the last zeroGrad (row-sparse parameters only). */
    public int touchedCount() {
        return touchedCount;
    }

    /** The touched rows, in first-touch order; valid entries are [0, touchedCount()). */
    public int[] touchedRows() {
        return touchedRows;
    }

    /**
     * The touched rows in ascending order; valid entries are [0, touchedCount()), valid until the
     * next {@link #touchRow} of a new row or {@link #zeroGrad}. Built from the touch marks on
     * first use after a change (one pass over the marks), then reused.
     */
    public int[] touchedRowsAscending() {
        if (rowTouched == null) {
            throw new IllegalStateException("parameter " + name + " is not row-sparse");
        }
        if (!ascendingCurrent) {
            if (ascending.length < touchedCount) {
                ascending = new int[Math.max(touchedCount, 2 * ascending.length)];
            }
            int n = 0;
            for (int r = 0; r < rowTouched.length; r++) {
                if (rowTouched[r]) {
                    ascending[n++] = r;
                }
            }
            ascendingCurrent = true;
        }
        return ascending;
    }

    /**
     * Zeroes the gradient: only touched rows for row-sparse parameters (split over the kernel
     * threads, in address order), all of it otherwise.
     */
    public void zeroGrad() {
        if (rowTouched == null) {
            Arrays.fill(grad, 0f);
            return;
        }
        consumeTouchedRows(NO_TASK);
    }

    private static final RowTask NO_TASK = row -> { };

    /** Work on one touched row, run by {@link #consumeTouchedRows}. */
    @FunctionalInterface
    public interface RowTask {
        void run(int row);
    }

    /**
     * Runs {@code task} on every touched row (ascending, split over the kernel threads as
     * {@link #zeroGrad} splits them) and zeroes each row's gradient right after its task, then
     * clears the touched set: the task pass followed by {@link #zeroGrad}, with one pass over the
     * rows instead of two (the row is still in cache when it is zeroed). For the row-wise
     * optimizer, the last reader of a step's table gradient. Rows must be independent: a task
     * sees only its own row's gradient.
     */
    public void consumeTouchedRows(RowTask task) {
        int[] rows = touchedRowsAscending();
        Parallel.forRange(touchedCount, ROWS_PER_TASK, (s, e) -> {
            for (int i = s; i < e; i++) {
                int r = rows[i];
                task.run(r);
                Arrays.fill(grad, r * rowWidth, (r + 1) * rowWidth, 0f);
                rowTouched[r] = false;
            }
        });
        touchedCount = 0;
        ascendingCurrent = true;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
