package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API body of {@link SegmentKernels#attend}: one query row against one (sequence, head)
 * slice of a KV cache, K and V [span, hd] contiguous at the same byte offset of their segments
 * (fp32, or bf16 widened in registers). bf16 caches whose head width is a multiple of 2·L go to
 * {@link Bf16PairAttention} (rows read as int pairs). Otherwise scores are dot products: bf16
 * keys L at a time (four per pass over q), their lane sums reduced together
 * ({@link Lanes#sumRows}); fp32 keys (and
 * head widths that are not whole vectors) four at a time with one lane reduction per key; the
 * softmax uses {@link VectorRows}' {@link VectorExp}; the weighted sum of V rows is broadcast-FMA
 * into up to four accumulators per chunk of 4·L dimensions, so no reductions.
 */
final class SegmentAttentionVector {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();

    private SegmentAttentionVector() {
    }

    /** Shapes and contract as {@link SegmentKernels#attend}; arguments already checked. */
    static void attend(float[] out, int outOff, float[] q, int qOff, MemorySegment k,
                       MemorySegment v, long base, boolean bf16, int span, int hd, float scale,
                       float[] scores, int sOff) {
        // Each scores loop is a method of its own taking no vector: with both in this method
        // C2 ran out of inlining budget (NodeCountInliningCutoff, -XX:+PrintInlining) and boxed
        // the bf16 row loads of the one it compiled last. fp32 keys stay with one reduction per
        // key: blocked, they took 1.06-1.11x the time (`ultramem bench kernels --case
        // decode-attention`, five alternating runs, 2026-12-07).
        if (bf16 && Bf16PairAttention.applies(hd)) {
            Bf16PairAttention.attend(out, outOff, q, qOff, k, v, base, span, hd, scale, scores,
                    sOff);
            return;
        }
        if (bf16 && hd % L == 0 && Lanes.supported()) {
            scoresBlocked(q, qOff, k, base, bf16, span, hd, scale, scores, sOff);
        } else {
            scoresByFour(q, qOff, k, base, bf16, span, hd, scale, scores, sOff);
        }
        VectorRows.softmax(scores, sOff, span);
        weightedSum(out, outOff, v, base, bf16, span, hd, scores, sOff);
    }

    /**
     * scores[sOff + t] = scale · q·K[t], hd a multiple of L: L keys at a time, four per pass over
     * q, their lane sums reduced together ({@link Lanes#sumRows}: the bits of a
     * {@link Lanes#sum} per key). With bf16 keys the whole call took 0.49-0.80x the time at span
     * 256, 0.79-1.03x at 100 and 0.53-1.06x at 32 (`ultramem bench kernels --case
     * decode-attention`, three sets of five alternating runs against the per-key reductions,
     * AVX-512, a noisy VM, 2026-12-07; docs/results/speed-2026-12-07b). A last block of fewer
     * keys reduces through the staging array's last row.
     */
    private static void scoresBlocked(float[] q, int qOff, MemorySegment k, long base,
                                      boolean bf16, int span, int hd, float scale,
                                      float[] scores, int sOff) {
        long es = bf16 ? 2 : 4;
        long rowBytes = hd * es;
        float[] stage = Lanes.stage();
        for (int t = 0; t < span; t += L) {
            int count = Math.min(L, span - t);
            long kb = base + t * rowBytes;
            int j = 0;
            for (; j + 4 <= count; j += 4, kb += 4 * rowBytes) {
                fourKeys(stage, j, q, qOff, k, kb, rowBytes, bf16, hd);
            }
            for (; j < count; j++, kb += rowBytes) {
                FloatVector a0 = FloatVector.zero(S);
                for (int i = 0; i < hd; i += L) {
                    a0 = FloatVector.fromArray(S, q, qOff + i).fma(load(k, kb + i * es, bf16), a0);
                }
                a0.intoArray(stage, j * L);
            }
            Lanes.sumFirstRows(stage, count, scores, sOff + t, scale);
        }
    }

    /** scores[sOff + t] = scale · q·K[t], four keys at a time with one lane reduction each. */
    private static void scoresByFour(float[] q, int qOff, MemorySegment k, long base,
                                     boolean bf16, int span, int hd, float scale,
                                     float[] scores, int sOff) {
        long es = bf16 ? 2 : 4;
        long rowBytes = hd * es;
        int hdv = hd - hd % L;
        int t = 0;
        for (; t + 4 <= span; t += 4) {
            long kb = base + t * rowBytes;
            // fourKeys' tile, kept in registers: through its staging array the fp32 call took
            // 1.09-1.29x the time (`bench kernels --case decode-attention`, 2026-12-07).
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < hdv; i += L) {
                FloatVector qv = FloatVector.fromArray(S, q, qOff + i);
                long o = kb + i * es;
                a0 = qv.fma(load(k, o, bf16), a0);
                a1 = qv.fma(load(k, o + rowBytes, bf16), a1);
                a2 = qv.fma(load(k, o + 2 * rowBytes, bf16), a2);
                a3 = qv.fma(load(k, o + 3 * rowBytes, bf16), a3);
            }
            scores[sOff + t] = scale * (Lanes.sum(a0) + tail(q, qOff, k, kb, bf16, hdv, hd));
            scores[sOff + t + 1] = scale * (Lanes.sum(a1)
                    + tail(q, qOff, k, kb + rowBytes, bf16, hdv, hd));
            scores[sOff + t + 2] = scale * (Lanes.sum(a2)
                    + tail(q, qOff, k, kb + 2 * rowBytes, bf16, hdv, hd));
            scores[sOff + t + 3] = scale * (Lanes.sum(a3)
                    + tail(q, qOff, k, kb + 3 * rowBytes, bf16, hdv, hd));
        }
        for (; t < span; t++) {
            scores[sOff + t] = scale * dot(q, qOff, k, base + t * rowBytes, bf16, hdv, hd);
        }
    }

    /**
     * Rows j .. j + 3 of {@code stage} [·][L] = the lane-parallel partial sums of q·K for the four
     * keys from byte offset kb, over the first {@code width} dimensions (whole vectors): one FMA
     * chain per key, four keys per pass over q.
     */
    private static void fourKeys(float[] stage, int j, float[] q, int qOff, MemorySegment k,
                                 long kb, long rowBytes, boolean bf16, int width) {
        long es = bf16 ? 2 : 4;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < width; i += L) {
            FloatVector qv = FloatVector.fromArray(S, q, qOff + i);
            long o = kb + i * es;
            a0 = qv.fma(load(k, o, bf16), a0);
            a1 = qv.fma(load(k, o + rowBytes, bf16), a1);
            a2 = qv.fma(load(k, o + 2 * rowBytes, bf16), a2);
            a3 = qv.fma(load(k, o + 3 * rowBytes, bf16), a3);
        }
        a0.intoArray(stage, j * L);
        a1.intoArray(stage, (j + 1) * L);
        a2.intoArray(stage, (j + 2) * L);
        a3.intoArray(stage, (j + 3) * L);
    }

    /**
     * q·K[t] for one key row (the last span % 4). A method of its own, with no vector in its
     * signature: compiled inside {@link #attend}, C2 had spent its inlining budget
     * (NodeCountInliningCutoff, {@code -XX:+PrintInlining}) before reaching these calls and boxed
     * their vectors, every bf16 row read (0.3-0.8 MB per UltraMem batch-64 decode step, against
     * 60 KB with this method; JFR allocation samples, 2026-12-06).
     */
    private static float dot(float[] q, int qOff, MemorySegment k, long kb, boolean bf16,
                             int hdv, int hd) {
        long es = bf16 ? 2 : 4;
        FloatVector a0 = FloatVector.zero(S);
        for (int i = 0; i < hdv; i += L) {
            a0 = FloatVector.fromArray(S, q, qOff + i).fma(load(k, kb + i * es, bf16), a0);
        }
        // Reduced through the staging array, not Lanes.sum: compiled inside scoresByFour, C2's
        // spent inlining budget left the sum's folds out of line, boxing every fold (family
        // serving, 2026-12-07: ~30% of its allocation, 42 → 19-33 KB per token without them; no
        // change in tokens/s showed, docs/results/speed-2026-12-07e).
        float[] stage = Lanes.stage();
        a0.intoArray(stage, 0);
        return Lanes.sumInPlace(stage, 0) + tail(q, qOff, k, kb, bf16, hdv, hd);
    }

    /** out[d] = Σ_t p[t]·V[t, d]: chunks of 4·L dimensions, then single vectors, then scalars. */
    private static void weightedSum(float[] out, int outOff, MemorySegment v, long base,
                                    boolean bf16, int span, int hd, float[] p, int pOff) {
        long es = bf16 ? 2 : 4;
        long rowBytes = hd * es;
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            long o = base + d * es;
            for (int t = 0; t < span; t++, o += rowBytes) {
                FloatVector pt = FloatVector.broadcast(S, p[pOff + t]);
                a0 = load(v, o, bf16).fma(pt, a0);
                a1 = load(v, o + L * es, bf16).fma(pt, a1);
                a2 = load(v, o + 2 * L * es, bf16).fma(pt, a2);
                a3 = load(v, o + 3 * L * es, bf16).fma(pt, a3);
            }
            a0.intoArray(out, outOff + d);
            a1.intoArray(out, outOff + d + L);
            a2.intoArray(out, outOff + d + 2 * L);
            a3.intoArray(out, outOff + d + 3 * L);
        }
        for (; d + L <= hd; d += L) {
            FloatVector a0 = FloatVector.zero(S);
            long o = base + d * es;
            for (int t = 0; t < span; t++, o += rowBytes) {
                a0 = load(v, o, bf16).fma(FloatVector.broadcast(S, p[pOff + t]), a0);
            }
            a0.intoArray(out, outOff + d);
        }
        for (; d < hd; d++) {
            float acc = 0;
            for (int t = 0; t < span; t++) {
                acc += p[pOff + t] * GemvScalar.load(v, base + t * rowBytes, d, bf16);
            }
            out[outOff + d] = acc;
        }
    }

    private static FloatVector load(MemorySegment s, long byteOff, boolean bf16) {
        return bf16 ? GemvVector.widen(s, byteOff)
                : FloatVector.fromMemorySegment(S, s, byteOff, GemvVector.LE);
    }

    private static float tail(float[] q, int qOff, MemorySegment k, long kb, boolean bf16,
                              int from, int hd) {
        float acc = 0;
        for (int i = from; i < hd; i++) {
            acc += q[qOff + i] * GemvScalar.load(k, kb, i, bf16);
        }
        return acc;
    }
}
