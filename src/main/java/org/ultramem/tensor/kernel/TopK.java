package org.ultramem.tensor.kernel;

import java.util.Locale;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Top-k selection over a row of scores, the retrieval primitive of product-key memories.
 *
 * <p>Result: the k indices with the largest scores, sorted by score descending; equal scores are
 * ordered by lower index first (deterministic tie-breaking: "higher score, then lower index").
 * The selection keeps a sorted buffer of k entries and inserts only elements strictly greater than
 * the current k-th score; scanning in index order makes the tie rule hold without comparing
 * indices. Cost is O(n) comparisons plus O(k) per insertion (about k·ln(n/k) insertions on
 * random data), so no full sort is needed.
 *
 * <p>Two twins: {@link #selectScalar} (plain loops, the reference) and {@link #selectVector}, which
 * skips whole vectors of scores that cannot beat the k-th score. {@link #select} picks the vector
 * twin when module {@code jdk.incubator.vector} is present and {@code ultramem.kernels} is not
 * {@code scalar}. Both return identical results.
 *
 * <p>Non-finite values: infinities order as numbers; NaN scores compare false against everything,
 * so with NaNs present the selection is unspecified (still k distinct valid indices).
 */
public final class TopK {

    private static final boolean VECTOR = useVector();

    private TopK() {
    }

    /**
     * Writes the top-{@code k} of {@code scores[off .. off+n)}: indices (relative to {@code off})
     * into {@code idx[idxOff .. idxOff+k)} and their scores into {@code top[topOff .. topOff+k)},
     * sorted descending, ties lower index first. Requires 1 ≤ k ≤ n.
     */
    public static void select(float[] scores, int off, int n, int k, int[] idx, int idxOff,
                              float[] top, int topOff) {
        if (VECTOR) {
            selectVector(scores, off, n, k, idx, idxOff, top, topOff);
        } else {
            selectScalar(scores, off, n, k, idx, idxOff, top, topOff);
        }
    }

    /** The plain-loop reference of {@link #select}. */
    public static void selectScalar(float[] scores, int off, int n, int k, int[] idx, int idxOff,
                                    float[] top, int topOff) {
        checkArgs(n, k);
        for (int i = 0; i < k; i++) {
            insert(scores[off + i], i, i, idx, idxOff, top, topOff);
        }
        float threshold = top[topOff + k - 1];
        for (int i = k; i < n; i++) {
            float s = scores[off + i];
            if (s > threshold) {
                insert(s, i, k - 1, idx, idxOff, top, topOff);
                threshold = top[topOff + k - 1];
            }
        }
    }

    /** The Vector API twin of {@link #select}: identical results. */
    public static void selectVector(float[] scores, int off, int n, int k, int[] idx, int idxOff,
                                    float[] top, int topOff) {
        if (n - k < 2 * VectorBody.SPECIES.length()) {
            selectScalar(scores, off, n, k, idx, idxOff, top, topOff);
            return;
        }
        checkArgs(n, k);
        for (int i = 0; i < k; i++) {
            insert(scores[off + i], i, i, idx, idxOff, top, topOff);
        }
        int i = VectorBody.scan(scores, off, k, n, k, idx, idxOff, top, topOff);
        float threshold = top[topOff + k - 1];
        for (; i < n; i++) {
            float s = scores[off + i];
            if (s > threshold) {
                insert(s, i, k - 1, idx, idxOff, top, topOff);
                threshold = top[topOff + k - 1];
            }
        }
    }

    /** Inserts (s, i) into the sorted buffer whose last used slot is {@code last}, dropping it. */
    static void insert(float s, int i, int last, int[] idx, int idxOff, float[] top, int topOff) {
        int p = last;
        while (p > 0 && s > top[topOff + p - 1]) {
            top[topOff + p] = top[topOff + p - 1];
            idx[idxOff + p] = idx[idxOff + p - 1];
            p--;
        }
        top[topOff + p] = s;
        idx[idxOff + p] = i;
    }

    private static void checkArgs(int n, int k) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("top-k size k (" + k + ") must be in [1, n = " + n
                    + "]; lower k or score more candidates");
        }
    }

    private static boolean useVector() {
        String choice = System.getProperty("ultramem.kernels", "vector").trim().toLowerCase(Locale.ROOT);
        return !choice.equals("scalar") && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    /** Vector loop, in a nested class so the Vector API loads only when it is used. */
    private static final class VectorBody {
        static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

        /** Scans whole vectors from {@code start}; returns the first index not scanned. */
        static int scan(float[] scores, int off, int start, int n, int k, int[] idx, int idxOff,
                        float[] top, int topOff) {
            int lanes = SPECIES.length();
            int i = start;
            float threshold = top[topOff + k - 1];
            for (; i + lanes <= n; i += lanes) {
                FloatVector v = FloatVector.fromArray(SPECIES, scores, off + i);
                if (v.compare(VectorOperators.GT, threshold).anyTrue()) {
                    for (int j = i; j < i + lanes; j++) {
                        float s = scores[off + j];
                        if (s > threshold) {
                            insert(s, j, k - 1, idx, idxOff, top, topOff);
                            threshold = top[topOff + k - 1];
                        }
                    }
                }
            }
            return i;
        }
    }
}
