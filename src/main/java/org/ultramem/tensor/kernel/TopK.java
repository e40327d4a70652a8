package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
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
 * <p>Two twins: {@link #selectScalar} (plain loops, the reference, behind
 * {@link ScalarKernels#topK}) and {@link #selectVector}, which skips whole vectors of scores that
 * cannot beat the k-th score (behind {@link VectorKernels#topK}); {@link KernelProvider} chooses.
 * Both return identical results.
 *
 * <p>Non-finite values: infinities order as numbers; NaN scores compare false against everything,
 * so with NaNs present the selection is unspecified (still k distinct valid indices).
 */
final class TopK {

    private TopK() {
    }

    /**
     * Writes the top-{@code k} of {@code scores[off .. off+n)}: indices (relative to {@code off})
     * into {@code idx[idxOff .. idxOff+k)} and their scores into {@code top[topOff .. topOff+k)},
     * sorted descending, ties lower index first. Requires 1 ≤ k ≤ n. Plain loops: the reference.
     */
    static void selectScalar(float[] scores, int off, int n, int k, int[] idx, int idxOff,
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

    /**
     * The Vector API twin of {@link #selectScalar}: identical results. When k ≤ 4·lanes it first
     * finds a lower bound on the k-th largest score ({@code VectorBody.lowerBound}); a vector
     * scan collects, in index order, every element at or above it (about 16-17 of 512 Gaussian
     * scores at k 16 and 16 lanes); each collected element's rank among them is counted in
     * vectors and the k best land in their sorted slots. Per row, k 16, 512-bit, against the
     * bisection and insertion sort over a looser bound before it (2026-12-06, `ultramem bench
     * kernels --case topk`, which times both twins): 512 scores 384 → 275 ns in cache, 842 → 362
     * ns streamed; 128 scores 210 → 134 ns in cache, 642 → 202 ns streamed. At 256 bits
     * (2026-12-07, AVX2, the same command, two rounds against the jar before), bisecting from
     * the second largest at k 16 and taking k up to 4·lanes here ({@link #vectorLowerBound}):
     * top-16 of 512 831-1,224 → 438-700 ns; the family's top-32 of 500 5.1-5.7 → 0.66-1.22 µs
     * and of 1,024 7.2-7.6 → 1.17-1.66 µs (before, k 32 fell back to the scalar scan). More
     * than {@link #MAX_RANKED} collected elements (heavy ties) or fewer than k (NaN) take the
     * insertion scan of {@link #selectScalar}.
     */
    static void selectVector(float[] scores, int off, int n, int k, int[] idx, int idxOff,
                             float[] top, int topOff) {
        int lanes = VectorBody.SPECIES.length();
        if (n < 4 * lanes || k > 4 * lanes) {
            selectScalar(scores, off, n, k, idx, idxOff, top, topOff);
            return;
        }
        checkArgs(n, k);
        Buffer buf = BUFFER.get();
        float bound = vectorLowerBound(scores, off, n, k);
        int count = VectorBody.collect(scores, off, n, bound, buf);
        if (count < k || count > MAX_RANKED) {
            selectScalar(scores, off, n, k, idx, idxOff, top, topOff);
            return;
        }
        VectorBody.selectCollected(count, k, bound, buf, idx, idxOff, top, topOff);
    }

    /**
     * The vector twin's lower bound on the k-th largest of scores[off .. off+n) (4·lanes ≤ n,
     * k ≤ 4·lanes): at most the k-th largest score, and the closer the fewer elements the
     * collect and the ranking handle. {@code TopKTest} holds both.
     */
    static float vectorLowerBound(float[] scores, int off, int n, int k) {
        int lanes = VectorBody.SPECIES.length();
        return k > 2 * lanes && n >= 8 * lanes
                ? VectorBody.lowerBoundFourGroups(scores, off, n, k)
                : VectorBody.lowerBound(scores, off, n, k);
    }

    /** Most collected elements the vector twin keeps (more: heavy ties, take the scalar scan). */
    static final int MAX_RANKED = 256;

    /** Per-thread scratch of the vector twin: collected scores (padded) and their indices. */
    private static final class Buffer {
        final float[] scores = new float[MAX_RANKED + 64];
        final int[] index = new int[MAX_RANKED + 64];
    }

    private static final ThreadLocal<Buffer> BUFFER = ThreadLocal.withInitial(Buffer::new);

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

    /** Vector loop, in a nested class so the Vector API loads only when it is used. */
    private static final class VectorBody {
        // The kernels' species, so the provider's ultramem.vectorBits applies here too.
        static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;

        /**
         * A lower bound on the k-th largest score (k ≤ 4·lanes) of scores[off .. off+n), n ≥ 4
         * lanes: each lane tracks its two largest elements over the even and over the odd whole
         * vectors, 4·lanes distinct elements of the row, and the bound is the k-th largest of
         * those, from below. For k > 2·lanes it serves only rows shorter than 8·lanes; longer
         * ones take {@link #lowerBoundFourGroups}.
         */
        static float lowerBound(float[] scores, int off, int n, int k) {
            int lanes = SPECIES.length();
            // Two independent trackers (even and odd vectors) halve the dependency chain.
            FloatVector firstE = FloatVector.fromArray(SPECIES, scores, off);
            FloatVector firstO = FloatVector.fromArray(SPECIES, scores, off + lanes);
            FloatVector secondE = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            FloatVector secondO = secondE;
            int i = 2 * lanes;
            for (; i + 2 * lanes <= n; i += 2 * lanes) {
                FloatVector e = FloatVector.fromArray(SPECIES, scores, off + i);
                FloatVector o = FloatVector.fromArray(SPECIES, scores, off + i + lanes);
                secondE = secondE.max(firstE.min(e));
                firstE = firstE.max(e);
                secondO = secondO.max(firstO.min(o));
                firstO = firstO.max(o);
            }
            if (i + lanes <= n) {
                FloatVector e = FloatVector.fromArray(SPECIES, scores, off + i);
                secondE = secondE.max(firstE.min(e));
                firstE = firstE.max(e);
            }
            // The k-th largest of the 4·lanes tracked values (each group's largest two, all
            // distinct elements of the row), approached from below by bisection while k tracked
            // values stay at or above the cut. It starts where enough tracked values are known
            // to be above: the minimum over lanes of the groups' pairwise maximum (lanes of
            // them), of each lane's second largest (2·lanes) or of all four (4·lanes). About
            // 16-17 of 512 Gaussian scores pass it at k 16 and 16 lanes, against about 21 with
            // the group maxima alone and 51 with the second largest; the collect and the
            // ranking that follow scale with that count. Written here, not as a helper taking
            // vectors: a helper C2 leaves out of line boxes them.
            FloatVector both = firstE.max(firstO);
            float lo;
            if (k <= lanes) {
                lo = both.reduceLanes(VectorOperators.MIN);
            } else if (k <= 2 * lanes) {
                lo = firstE.min(firstO).max(secondE.max(secondO))
                        .reduceLanes(VectorOperators.MIN);
            } else {
                lo = firstE.min(firstO).min(secondE.min(secondO))
                        .reduceLanes(VectorOperators.MIN);
            }
            float hi = both.reduceLanes(VectorOperators.MAX);
            for (int iter = 0; iter < 8; iter++) {
                float mid = (float) (0.5 * ((double) lo + hi));
                if (!(mid > lo && mid < hi)) {
                    break;
                }
                int c = Long.bitCount(firstE.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(firstO.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(secondE.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(secondO.compare(VectorOperators.GE, mid).toLong());
                if (c >= k) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /**
         * {@link #lowerBound} for 2·lanes < k ≤ 4·lanes, n ≥ 8 lanes: the vectors are dealt to
         * four groups instead of two, so 8·lanes distinct elements are tracked and the k-th
         * largest of them bisects from the least group maximum (4·lanes elements at or above
         * it). With two groups such k needs nearly every tracked value, so the bound stays near
         * the least of them: at 8 lanes a Gaussian row's top-32 collected 64-81 elements and
         * cut them by a second bisection; with four groups 36-37 ({@code TopKTest}; 2026-12-07,
         * AVX2, `ultramem bench kernels --case topk`: top-32 of 1,024 in cache 1.9-2.5 → 1.2-1.3
         * µs).
         */
        static float lowerBoundFourGroups(float[] scores, int off, int n, int k) {
            int lanes = SPECIES.length();
            FloatVector f0 = FloatVector.fromArray(SPECIES, scores, off);
            FloatVector f1 = FloatVector.fromArray(SPECIES, scores, off + lanes);
            FloatVector f2 = FloatVector.fromArray(SPECIES, scores, off + 2 * lanes);
            FloatVector f3 = FloatVector.fromArray(SPECIES, scores, off + 3 * lanes);
            FloatVector s0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            int i = 4 * lanes;
            for (; i + 4 * lanes <= n; i += 4 * lanes) {
                FloatVector a = FloatVector.fromArray(SPECIES, scores, off + i);
                FloatVector b = FloatVector.fromArray(SPECIES, scores, off + i + lanes);
                FloatVector c = FloatVector.fromArray(SPECIES, scores, off + i + 2 * lanes);
                FloatVector d = FloatVector.fromArray(SPECIES, scores, off + i + 3 * lanes);
                s0 = s0.max(f0.min(a));
                f0 = f0.max(a);
                s1 = s1.max(f1.min(b));
                f1 = f1.max(b);
                s2 = s2.max(f2.min(c));
                f2 = f2.max(c);
                s3 = s3.max(f3.min(d));
                f3 = f3.max(d);
            }
            FloatVector firsts = f0.min(f1).min(f2.min(f3));
            float lo = firsts.reduceLanes(VectorOperators.MIN);
            float hi = f0.max(f1).max(f2.max(f3)).reduceLanes(VectorOperators.MAX);
            for (int iter = 0; iter < 8; iter++) {
                float mid = (float) (0.5 * ((double) lo + hi));
                if (!(mid > lo && mid < hi)) {
                    break;
                }
                int c = Long.bitCount(f0.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(f1.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(f2.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(f3.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(s0.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(s1.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(s2.compare(VectorOperators.GE, mid).toLong())
                        + Long.bitCount(s3.compare(VectorOperators.GE, mid).toLong());
                if (c >= k) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return lo;
        }

        /**
         * Lane compression is one instruction (vcompressps) with AVX-512, the only hardware with
         * 16 float lanes here; narrower species keep the branchy scan (AVX2 has no compress).
         */
        static final boolean COMPRESS = SPECIES.length() >= 16;
        static final VectorSpecies<Integer> INDEX = VectorSpecies.of(int.class,
                SPECIES.vectorShape());

        /**
         * Collects every element of scores[off .. off+n) that is ≥ bound, in index order, into
         * buf (stops counting past MAX_RANKED). Returns the number found (may exceed MAX_RANKED).
         */
        static int collect(float[] scores, int off, int n, float bound, Buffer buf) {
            return COMPRESS ? collectCompressed(scores, off, n, bound, buf)
                    : collectBranchy(scores, off, n, bound, buf);
        }

        /**
         * {@link #collect} without a branch per vector: each vector's hits are compressed to the
         * front and stored at the fill point (scores and indices), the fill point advancing by the
         * hit count. The scan's data-dependent branch mispredicted on about every other vector
         * (~25 hits in 992 scores), the larger part of a decode top-m in a profile (2026-12).
         */
        static int collectCompressed(float[] scores, int off, int n, float bound, Buffer buf) {
            int lanes = SPECIES.length();
            float[] bs = buf.scores;
            int[] bi = buf.index;
            int count = 0;
            IntVector index = IntVector.zero(INDEX).addIndex(1);
            IntVector step = IntVector.broadcast(INDEX, lanes);
            int i = 0;
            for (; i + lanes <= n; i += lanes) {
                if (count > MAX_RANKED) {
                    return MAX_RANKED + 1;
                }
                FloatVector v = FloatVector.fromArray(SPECIES, scores, off + i);
                VectorMask<Float> hits = v.compare(VectorOperators.GE, bound);
                // Stores reach count + lanes - 1 < MAX_RANKED + 64, the buffers' padding.
                v.compress(hits).intoArray(bs, count);
                index.compress(hits.cast(INDEX)).intoArray(bi, count);
                count += hits.trueCount();
                index = index.add(step);
            }
            for (; i < n; i++) {
                float s = scores[off + i];
                if (s >= bound) {
                    if (count >= MAX_RANKED) {
                        return MAX_RANKED + 1;
                    }
                    bs[count] = s;
                    bi[count++] = i;
                }
            }
            return count > MAX_RANKED ? MAX_RANKED + 1 : count;
        }

        /** {@link #collect} testing each vector's hits and copying them one by one. */
        static int collectBranchy(float[] scores, int off, int n, float bound, Buffer buf) {
            int lanes = SPECIES.length();
            float[] bs = buf.scores;
            int[] bi = buf.index;
            int count = 0;
            int i = 0;
            for (; i + lanes <= n; i += lanes) {
                long hits = FloatVector.fromArray(SPECIES, scores, off + i)
                        .compare(VectorOperators.GE, bound).toLong();
                if (hits == 0) {
                    continue;
                }
                if (count + lanes > MAX_RANKED) {
                    return MAX_RANKED + 1;
                }
                while (hits != 0) {
                    int j = i + Long.numberOfTrailingZeros(hits);
                    hits &= hits - 1;
                    bs[count] = scores[off + j];
                    bi[count++] = j;
                }
            }
            for (; i < n; i++) {
                float s = scores[off + i];
                if (s >= bound) {
                    if (count == MAX_RANKED) {
                        return MAX_RANKED + 1;
                    }
                    bs[count] = s;
                    bi[count++] = i;
                }
            }
            return count;
        }

        /** Most collected elements ranked directly; more are first cut down by bisection. */
        static final int RANK_DIRECT = 64;

        /**
         * Selects the top k of the {@code count} ≥ k collected elements. Above
         * {@link #RANK_DIRECT} a bisection on the score value (vector counts over the buffer)
         * raises the cut while at least k elements stay at or above it, and the buffer is
         * compacted to those. Then each element's rank is counted against all others in vectors
         * (higher scores, plus equal scores earlier in the buffer, which is in index order) and
         * the k lowest ranks are written straight to their slots, with no branch per
         * comparison (an insertion sort after the bisection did that before, 2026-12-06).
         */
        static void selectCollected(int count, int k, float bound, Buffer buf, int[] idx,
                                    int idxOff, float[] top, int topOff) {
            int lanes = SPECIES.length();
            float[] bs = buf.scores;
            int[] bi = buf.index;
            if (count > RANK_DIRECT) {
                count = cutByBisection(count, k, bound, buf);
            }
            int padded = (count + lanes - 1) / lanes * lanes;
            for (int j = count; j < padded; j++) {
                bs[j] = Float.NEGATIVE_INFINITY;  // above no element, and equal ones sit later
            }
            for (int i = 0; i < count; i++) {
                float s = bs[i];
                int above = 0;
                int equal = 0;
                for (int v = 0; v < padded; v += lanes) {
                    FloatVector x = FloatVector.fromArray(SPECIES, bs, v);
                    above += Long.bitCount(x.compare(VectorOperators.GT, s).toLong());
                    equal += Long.bitCount(x.compare(VectorOperators.EQ, s).toLong());
                }
                int rank = above + (equal > 1 ? equalBefore(bs, i, s) : 0);
                if (rank < k) {
                    top[topOff + rank] = s;
                    idx[idxOff + rank] = bi[i];
                }
            }
        }

        /** How many of bs[0 .. i) equal s (ties: the lower index ranks first). */
        private static int equalBefore(float[] bs, int i, float s) {
            int c = 0;
            for (int j = 0; j < i; j++) {
                if (bs[j] == s) {
                    c++;
                }
            }
            return c;
        }

        /**
         * Raises a cut from {@code bound} by bisection while at least k of the {@code count}
         * collected elements stay at or above it (at most 24 halvings, stopping near k + 2),
         * then compacts the buffer to the elements at or above the cut, in order. Returns how
         * many remain (≥ k).
         */
        private static int cutByBisection(int count, int k, float bound, Buffer buf) {
            int lanes = SPECIES.length();
            float[] bs = buf.scores;
            int[] bi = buf.index;
            int padded = (count + lanes - 1) / lanes * lanes;
            for (int j = count; j < padded; j++) {
                bs[j] = Float.NEGATIVE_INFINITY;  // counts below every finite cut
            }
            FloatVector mx = FloatVector.fromArray(SPECIES, bs, 0);
            for (int v = lanes; v < padded; v += lanes) {
                mx = mx.max(FloatVector.fromArray(SPECIES, bs, v));
            }
            float lo = bound;  // every collected element is ≥ bound
            float hi = mx.reduceLanes(VectorOperators.MAX);
            int atLo = count;
            for (int iter = 0; iter < 24 && atLo > k + 2; iter++) {
                float mid = (float) (0.5 * ((double) lo + hi));
                if (!(mid > lo && mid < hi)) {
                    break;
                }
                int c = 0;
                for (int v = 0; v < padded; v += lanes) {
                    c += Long.bitCount(FloatVector.fromArray(SPECIES, bs, v)
                            .compare(VectorOperators.GE, mid).toLong());
                }
                if (c >= k) {
                    lo = mid;
                    atLo = c;
                } else {
                    hi = mid;
                }
            }
            int kept = 0;
            for (int i = 0; i < count; i++) {
                if (bs[i] >= lo) {
                    bs[kept] = bs[i];
                    bi[kept++] = bi[i];
                }
            }
            return kept;
        }
    }
}
