package org.ultramem.infer;

import java.util.Arrays;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Reads the value rows a step selects, each distinct row once: the step's row ids are sorted,
 * duplicates merged, and the distinct rows read in ascending order (in parallel, so the reads
 * sweep the table) into {@link #gathered()}; {@link #slotIndex()} then points every selection at
 * its copy (selection s reads {@code gathered[slotIndex[s]·width ..]}). An optional companion
 * table with the same rows (UltraMemV2's pre-values) is read in the same pass into
 * {@link #companionGathered()}. Scratch grows on demand.
 */
final class ValueGather {

    private final Matrix values;
    private final Kernels kern;
    private final int width;
    /** Read with the same row ids as {@link #values}, or null. */
    private final Matrix companion;
    private final int companionWidth;
    private int[] distinct = new int[0];
    private int[] slotIndex = new int[0];
    private float[] gathered = new float[0];
    private float[] companionGathered = new float[0];

    ValueGather(Matrix values, Kernels kern) {
        this(values, null, kern);
    }

    /** Gathers rows of {@code values} and, for the same row ids, of {@code companion} (or null). */
    ValueGather(Matrix values, Matrix companion, Kernels kern) {
        if (companion != null && companion.rows() != values.rows()) {
            throw new IllegalArgumentException("companion table `" + companion.name() + "` has "
                    + companion.rows() + " rows, `" + values.name() + "` " + values.rows()
                    + "; both must be indexed by the same rows");
        }
        this.values = values;
        this.kern = kern;
        this.width = values.cols();
        this.companion = companion;
        this.companionWidth = companion == null ? 0 : companion.cols();
    }

    /** Gathers the rows {@code rowIds[0..total)}; returns the number of distinct rows read. */
    int gather(int[] rowIds, int total) {
        if (distinct.length < total) {
            distinct = new int[total];
            slotIndex = new int[total];
            gathered = new float[total * width];
            companionGathered = new float[total * companionWidth];
        }
        System.arraycopy(rowIds, 0, distinct, 0, total);
        Arrays.sort(distinct, 0, total);
        int unique = 0;
        for (int i = 0; i < total; i++) {
            if (unique == 0 || distinct[unique - 1] != distinct[i]) {
                distinct[unique++] = distinct[i];
            }
        }
        for (int s = 0; s < total; s++) {
            slotIndex[s] = Arrays.binarySearch(distinct, 0, unique, rowIds[s]);
        }
        int u = unique;
        // Chunks of 256+ rows: sized when a parallel region cost tens of µs (a blocking pool, not
        // kept); with the spinning pool it is a few µs (`ultramem bench kernels --case
        // parallel-region`), so smaller chunks may now pay (not measured).
        Parallel.forRange(u, 256, (from, to) -> {
            for (int i = from; i < to; i++) {
                values.readRow(kern, gathered, i * width, distinct[i]);
                if (companion != null) {
                    companion.readRow(kern, companionGathered, i * companionWidth, distinct[i]);
                }
            }
        });
        return unique;
    }

    /** The distinct rows of the last {@link #gather}, widened to fp32: [distinct, width]. */
    float[] gathered() {
        return gathered;
    }

    /** The companion's rows of the last {@link #gather}, widened to fp32: [distinct, width']. */
    float[] companionGathered() {
        return companionGathered;
    }

    /** Bytes of one companion row as stored (0 without a companion). */
    long companionRowBytes() {
        return companion == null ? 0 : companion.rowBytes();
    }

    /** Per selection of the last {@link #gather}: its row's position in {@link #gathered()}. */
    int[] slotIndex() {
        return slotIndex;
    }

    /** Bytes of one value row as stored. */
    long rowBytes() {
        return values.rowBytes();
    }
}
