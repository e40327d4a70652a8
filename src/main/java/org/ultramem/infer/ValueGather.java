package org.ultramem.infer;

import java.util.Arrays;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Reads the value rows a step selects, each distinct row once, through a {@link ValueStore}:
 * the step's row ids are sorted, duplicates merged, and the distinct rows read in ascending order
 * (so the reads sweep the table) into {@link #gathered()}; {@link #slotIndex()} then points every
 * selection at its copy (selection s reads {@code gathered[slotIndex[s]·width ..]}). An optional
 * companion store with the same rows (UltraMemV2's pre-values) is read for the same ids into
 * {@link #companionGathered()}. {@link #weightedSums} is the whole read for layers that only need
 * the weighted sums (UltraMem, PKM): gather and pool here, or let the store sum where the rows
 * live. Scratch grows on demand. Public for the cluster bench and tests, which time and check
 * the decoders' own local path.
 */
public final class ValueGather {

    private final ValueStore values;
    private final Kernels kern;
    private final int width;
    /** Read with the same row ids as {@link #values}, or null. */
    private final ValueStore companion;
    private final int companionWidth;
    private int[] distinct = new int[0];
    private int[] slotIndex = new int[0];
    private float[] gathered = new float[0];
    private float[] companionGathered = new float[0];

    public ValueGather(ValueStore values, Kernels kern) {
        this(values, null, kern);
    }

    /** Gathers rows of {@code values} and, for the same row ids, of {@code companion} (or null). */
    ValueGather(ValueStore values, ValueStore companion, Kernels kern) {
        if (companion != null && companion.rows() != values.rows()) {
            throw new IllegalArgumentException("companion table `" + companion.name() + "` has "
                    + companion.rows() + " rows, `" + values.name() + "` " + values.rows()
                    + "; both must be indexed by the same rows");
        }
        this.values = values;
        this.kern = kern;
        this.width = values.width();
        this.companion = companion;
        this.companionWidth = companion == null ? 0 : companion.width();
    }

    /**
     * The table itself when its rows can be pooled straight from it by the decoder's own tasks
     * ({@link WeightedRead#poolTokenFrom}, same bits as {@link #weightedSums}): a {@link
     * LocalValueStore} without a companion. Null for other stores (a cluster's rows are read or
     * summed where they live, through {@link #weightedSums}).
     */
    Matrix localTable() {
        return companion == null && values instanceof LocalValueStore local ? local.table() : null;
    }

    /** Gathers the rows {@code rowIds[0..total)}; returns the number of distinct rows read. */
    int gather(int[] rowIds, int total) {
        int unique = merge(rowIds, total);
        values.readRows(kern, gathered, distinct, unique);
        if (companion != null) {
            companion.readRows(kern, companionGathered, distinct, unique);
        }
        return unique;
    }

    /**
     * out [tokens, outWidth] = the weighted sums {@code read} describes ({@link
     * WeightedRead#poolToken}, selection order); returns the number of distinct rows read.
     */
    public int weightedSums(float[] out, WeightedRead read) {
        if (values.sumsAtStore()) {
            int unique = merge(read.rows(), read.total());
            values.weightedSums(out, read);
            return unique;
        }
        int unique = gather(read.rows(), read.total());
        Parallel.forChunks(read.tokens(), 8, (from, to) -> {
            for (int b = from; b < to; b++) {
                read.poolToken(kern, out, b, gathered, slotIndex, width);
            }
        });
        return unique;
    }

    /** Sorts and merges rowIds[0..total) into {@link #distinct}; fills {@link #slotIndex}. */
    private int merge(int[] rowIds, int total) {
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
