package org.ultramem.nn;

import java.util.Arrays;

/**
 * A trainable tensor: its values, its gradient buffer and how the optimizer treats it.
 * Shapes are row-major; {@code data} and {@code grad} have {@code numel()} elements.
 *
 * <p>Row-sparse parameters (value tables, embeddings when asked) record which rows received
 * gradient since the last {@link #zeroGrad()}: zeroing, gradient norms and lazy optimizers then
 * visit only those rows. The gradient buffer itself stays dense so scatter-adds need no map.
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
        if (touchedCount == touchedRows.length) {
            touchedRows = Arrays.copyOf(touchedRows, touchedCount * 2);
        }
        touchedRows[touchedCount++] = row;
    }

    /** Number of rows touched since the last zeroGrad (row-sparse parameters only). */
    public int touchedCount() {
        return touchedCount;
    }

    /** The touched rows, in first-touch order; valid entries are [0, touchedCount()). */
    public int[] touchedRows() {
        return touchedRows;
    }

    /** Zeroes the gradient: only touched rows for row-sparse parameters, all of it otherwise. */
    public void zeroGrad() {
        if (rowTouched == null) {
            Arrays.fill(grad, 0f);
            return;
        }
        for (int i = 0; i < touchedCount; i++) {
            int r = touchedRows[i];
            Arrays.fill(grad, r * rowWidth, (r + 1) * rowWidth, 0f);
            rowTouched[r] = false;
        }
        touchedCount = 0;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
