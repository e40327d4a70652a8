package org.ultramem.infer;

/**
 * Counts the sub-keys (head, side, key) in some candidate set of a decode step, each once: the
 * exact-score rows the step reads, for the traffic meter of the UltraMem (V1 and V2) decoders. A
 * stamp per key avoids clearing a set every step.
 */
final class DistinctKeys {

    private final int heads;
    private final int keysPerSide;
    private final int candidates;
    private final int[] stampOf;
    private int stamp;

    DistinctKeys(int heads, int keysPerSide, int candidates) {
        this.heads = heads;
        this.keysPerSide = keysPerSide;
        this.candidates = candidates;
        this.stampOf = new int[heads * 2 * keysPerSide];
    }

    /** Distinct keys in cand [rows][heads][2][m]. */
    long count(int[] cand, int rows) {
        stamp++;
        long count = 0;
        for (int b = 0; b < rows; b++) {
            for (int hs = 0; hs < heads * 2; hs++) {
                int co = (b * heads * 2 + hs) * candidates;
                for (int a = 0; a < candidates; a++) {
                    int key = hs * keysPerSide + cand[co + a];
                    if (stampOf[key] != stamp) {
                        stampOf[key] = stamp;
                        count++;
                    }
                }
            }
        }
        return count;
    }
}
