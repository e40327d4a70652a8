package org.ultramem.infer;

import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/** A value table in this process: rows read from a {@link Matrix} (mapped or off-heap). */
public record LocalValueStore(Matrix table) implements ValueStore {

    @Override
    public String name() {
        return table.name();
    }

    @Override
    public int rows() {
        return table.rows();
    }

    @Override
    public int width() {
        return table.cols();
    }

    @Override
    public long rowBytes() {
        return table.rowBytes();
    }

    @Override
    public void readRows(Kernels kern, float[] dst, int[] rowIds, int count) {
        int width = table.cols();
        // Chunks of 256+ rows: sized when a parallel region cost tens of µs (a blocking pool, not
        // kept); with the spinning pool it is a few µs (`ultramem bench kernels --case
        // parallel-region`), so smaller chunks may now pay (not measured).
        Parallel.forRange(count, 256, (from, to) -> {
            for (int i = from; i < to; i++) {
                table.readRow(kern, dst, i * width, rowIds[i]);
            }
        });
    }
}
