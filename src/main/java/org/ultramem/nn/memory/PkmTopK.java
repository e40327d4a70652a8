package org.ultramem.nn.memory;

/**
 * Deterministic top-k selection for product-key retrieval. Order: higher score first, and among
 * equal scores the lower index first, so results never depend on iteration order or threads.
 * Outputs are sorted best first.
 *
 * <p>Non-finite values: +∞ and −∞ order as numbers; NaN is never "better" than anything, so a NaN
 * already held stays and later entries are judged against it. A NaN score only arises from a
 * NaN query or key, and then the layer's output is NaN anyway.
 */
public final class PkmTopK {

    private PkmTopK() {
    }

    /** Per-thread buffers of {@link #selectSlots} for a given k. */
    public record Scratch(int[] i1, int[] i2, float[] v1, float[] v2, int[] idx, float[] val) {

        public static Scratch of(int k) {
            return new Scratch(new int[k], new int[k], new float[k], new float[k], new int[k],
                    new float[k]);
        }
    }

    /**
     * One head of one token, the whole PKM selection: top-k of each side's n scores (at
     * {@code off1}, {@code off2}), then the top-k of the k² sums; slots i1·n + i2 into
     * {@code slots[outOff ..]} and their raw scores into {@code scores[outOff ..]}, best first.
     * Used by {@code ProductKeyMemory} and the decode engine's {@code infer.PkmDecoder}.
     */
    public static void selectSlots(float[] side1, int off1, float[] side2, int off2, int n, int k,
                                   int[] slots, float[] scores, int outOff, Scratch s) {
        topK(side1, off1, n, k, s.i1, s.v1);
        topK(side2, off2, n, k, s.i2, s.v2);
        topKOfSums(s.v1, s.i1, s.v2, s.i2, k, n, s.idx, s.val);
        System.arraycopy(s.idx, 0, slots, outOff, k);
        System.arraycopy(s.val, 0, scores, outOff, k);
    }

    /** True when (v1, i1) ranks before (v2, i2). */
    static boolean better(float v1, int i1, float v2, int i2) {
        return v1 > v2 || (v1 == v2 && i1 < i2);
    }

    /**
     * Top-k of {@code scores[off .. off+n)}: writes local indices into {@code outIdx[0..k)} and
     * their scores into {@code outVal[0..k)}. Requires 1 ≤ k ≤ n. O(n·k) worst case, ~O(n) typical.
     */
    static void topK(float[] scores, int off, int n, int k, int[] outIdx, float[] outVal) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            count = insert(scores[off + i], i, k, count, outIdx, outVal);
        }
    }

    /**
     * Top-k of the k² candidate sums {@code v1[a] + v2[c]} for a, c < k, where v1 and v2 are
     * side top-k lists sorted best first with key ids {@code i1}, {@code i2}. The candidate's slot
     * index is {@code i1[a]·n + i2[c]} and ties are broken on that slot index. Because both sides
     * are sorted descending and float addition is monotone, a row can stop at the first sum that
     * is strictly below the current k-th score: the result equals the full k² scan exactly.
     */
    static void topKOfSums(float[] v1, int[] i1, float[] v2, int[] i2, int k, int n,
                           int[] outIdx, float[] outVal) {
        int count = 0;
        for (int a = 0; a < k; a++) {
            if (count == k && v1[a] + v2[0] < outVal[k - 1]) {
                break;
            }
            int rowBase = i1[a] * n;
            for (int c = 0; c < k; c++) {
                float s = v1[a] + v2[c];
                if (count == k && s < outVal[k - 1]) {
                    break;
                }
                count = insert(s, rowBase + i2[c], k, count, outIdx, outVal);
            }
        }
    }

    /** Inserts (v, i) into the sorted lists holding {@code count} entries; returns the new count. */
    private static int insert(float v, int i, int k, int count, int[] idx, float[] val) {
        int pos;
        if (count < k) {
            pos = count++;
        } else if (better(v, i, val[k - 1], idx[k - 1])) {
            pos = k - 1;
        } else {
            return count;
        }
        while (pos > 0 && better(v, i, val[pos - 1], idx[pos - 1])) {
            val[pos] = val[pos - 1];
            idx[pos] = idx[pos - 1];
            pos--;
        }
        val[pos] = v;
        idx[pos] = i;
        return count;
    }
}
