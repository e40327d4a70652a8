package org.ultramem.infer;

/**
 * Counts the distinct rows among a step's row ids, for the traffic meter of a decoder that pools
 * value rows straight from its table (each selection reads its row; a row chosen twice in a step
 * is counted once, as {@link ValueGather} reads it once). A bit per table row (N/8 bytes, 128 KB
 * for a million rows), set while counting and cleared again from the same ids: no sort, no
 * clearing of the whole set per step.
 */
final class DistinctRows {

    private final long[] bits;

    DistinctRows(int tableRows) {
        bits = new long[(tableRows + 63) >>> 6];
    }

    /** Distinct values among rowIds[0..total), each in [0, table rows). */
    int count(int[] rowIds, int total) {
        int count = 0;
        for (int i = 0; i < total; i++) {
            int r = rowIds[i];
            long bit = 1L << r;
            long word = bits[r >>> 6];
            if ((word & bit) == 0) {
                bits[r >>> 6] = word | bit;
                count++;
            }
        }
        for (int i = 0; i < total; i++) {
            bits[rowIds[i] >>> 6] = 0;
        }
        return count;
    }
}
