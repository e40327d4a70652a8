package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API body of {@link SegmentKernels#attend}: one query row against one (sequence, head)
 * slice of a KV cache, K and V [span, hd] contiguous at the same byte offset of their segments
 * (fp32, or bf16 widened in registers). Scores are dot products four keys at a time (one lane
 * reduction per key); the softmax uses {@link VectorRows}' {@link VectorExp}; the weighted sum of
 * V rows is broadcast-FMA into up to four accumulators per chunk of 4·L dimensions, so no
 * reductions.
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
        // One loop per KV precision, each load written in it: a load helper choosing fp32 or
        // bf16 per call merges two vectors at a phi, and C2 then boxed every bf16 row it read
        // (~0.3-0.8 MB per UltraMem batch-64 decode step, JFR allocation samples, 2026-12-06).
        if (bf16) {
            scoresBf16(q, qOff, k, base, span, hd, scale, scores, sOff);
        } else {
            scoresF32(q, qOff, k, base, span, hd, scale, scores, sOff);
        }
        VectorRows.softmax(scores, sOff, span);
        if (bf16) {
            weightedSumBf16(out, outOff, v, base, span, hd, scores, sOff);
        } else {
            weightedSumF32(out, outOff, v, base, span, hd, scores, sOff);
        }
    }

    /** scores[t] = scale · q·K[t], four keys at a time (one lane reduction per key), fp32 K. */
    private static void scoresF32(float[] q, int qOff, MemorySegment k, long base, int span,
                                  int hd, float scale, float[] scores, int sOff) {
        long rowBytes = hd * 4L;
        int hdv = hd - hd % L;
        int t = 0;
        for (; t + 4 <= span; t += 4) {
            long kb = base + t * rowBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < hdv; i += L) {
                FloatVector qv = FloatVector.fromArray(S, q, qOff + i);
                long o = kb + i * 4L;
                a0 = qv.fma(FloatVector.fromMemorySegment(S, k, o, GemvVector.LE), a0);
                a1 = qv.fma(FloatVector.fromMemorySegment(S, k, o + rowBytes, GemvVector.LE), a1);
                a2 = qv.fma(FloatVector.fromMemorySegment(S, k, o + 2 * rowBytes, GemvVector.LE),
                        a2);
                a3 = qv.fma(FloatVector.fromMemorySegment(S, k, o + 3 * rowBytes, GemvVector.LE),
                        a3);
            }
            scores[sOff + t] = scale * (Lanes.sum(a0) + tail(q, qOff, k, kb, false, hdv, hd));
            scores[sOff + t + 1] = scale * (Lanes.sum(a1)
                    + tail(q, qOff, k, kb + rowBytes, false, hdv, hd));
            scores[sOff + t + 2] = scale * (Lanes.sum(a2)
                    + tail(q, qOff, k, kb + 2 * rowBytes, false, hdv, hd));
            scores[sOff + t + 3] = scale * (Lanes.sum(a3)
                    + tail(q, qOff, k, kb + 3 * rowBytes, false, hdv, hd));
        }
        for (; t < span; t++) {
            scores[sOff + t] = scale * dotF32(q, qOff, k, base + t * rowBytes, hdv, hd);
        }
    }

    /**
     * q·K[t] for one fp32 key row (the last span % 4). A method of its own, with no vector in its
     * signature: compiled inside the 4-key loop's method, C2 had spent its inlining budget
     * (NodeCountInliningCutoff) before reaching these calls and boxed their vectors.
     */
    private static float dotF32(float[] q, int qOff, MemorySegment k, long kb, int hdv, int hd) {
        FloatVector a0 = FloatVector.zero(S);
        for (int i = 0; i < hdv; i += L) {
            a0 = FloatVector.fromArray(S, q, qOff + i)
                    .fma(FloatVector.fromMemorySegment(S, k, kb + i * 4L, GemvVector.LE), a0);
        }
        return Lanes.sum(a0) + tail(q, qOff, k, kb, false, hdv, hd);
    }

    /** As {@link #scoresF32} for bf16 K, widened in registers (a bf16 is a float's high half). */
    private static void scoresBf16(float[] q, int qOff, MemorySegment k, long base, int span,
                                   int hd, float scale, float[] scores, int sOff) {
        long rowBytes = hd * 2L;
        int hdv = hd - hd % L;
        int t = 0;
        for (; t + 4 <= span; t += 4) {
            long kb = base + t * rowBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < hdv; i += L) {
                FloatVector qv = FloatVector.fromArray(S, q, qOff + i);
                long o = kb + i * 2L;
                a0 = qv.fma(GemvVector.widen(k, o), a0);
                a1 = qv.fma(GemvVector.widen(k, o + rowBytes), a1);
                a2 = qv.fma(GemvVector.widen(k, o + 2 * rowBytes), a2);
                a3 = qv.fma(GemvVector.widen(k, o + 3 * rowBytes), a3);
            }
            scores[sOff + t] = scale * (Lanes.sum(a0) + tail(q, qOff, k, kb, true, hdv, hd));
            scores[sOff + t + 1] = scale * (Lanes.sum(a1)
                    + tail(q, qOff, k, kb + rowBytes, true, hdv, hd));
            scores[sOff + t + 2] = scale * (Lanes.sum(a2)
                    + tail(q, qOff, k, kb + 2 * rowBytes, true, hdv, hd));
            scores[sOff + t + 3] = scale * (Lanes.sum(a3)
                    + tail(q, qOff, k, kb + 3 * rowBytes, true, hdv, hd));
        }
        for (; t < span; t++) {
            scores[sOff + t] = scale * dotBf16(q, qOff, k, base + t * rowBytes, hdv, hd);
        }
    }

    /** As {@link #dotF32} for a bf16 key row. */
    private static float dotBf16(float[] q, int qOff, MemorySegment k, long kb, int hdv, int hd) {
        FloatVector a0 = FloatVector.zero(S);
        for (int i = 0; i < hdv; i += L) {
            a0 = FloatVector.fromArray(S, q, qOff + i).fma(GemvVector.widen(k, kb + i * 2L), a0);
        }
        return Lanes.sum(a0) + tail(q, qOff, k, kb, true, hdv, hd);
    }

    /**
     * out[d] = Σ_t p[t]·V[t, d] for fp32 V: chunks of 4·L dimensions (broadcast-FMA into four
     * accumulators, so no reductions), then single vectors, then scalars.
     */
    private static void weightedSumF32(float[] out, int outOff, MemorySegment v, long base,
                                       int span, int hd, float[] p, int pOff) {
        long rowBytes = hd * 4L;
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            long o = base + d * 4L;
            for (int t = 0; t < span; t++, o += rowBytes) {
                FloatVector pt = FloatVector.broadcast(S, p[pOff + t]);
                a0 = FloatVector.fromMemorySegment(S, v, o, GemvVector.LE).fma(pt, a0);
                a1 = FloatVector.fromMemorySegment(S, v, o + L * 4L, GemvVector.LE).fma(pt, a1);
                a2 = FloatVector.fromMemorySegment(S, v, o + 2 * L * 4L, GemvVector.LE)
                        .fma(pt, a2);
                a3 = FloatVector.fromMemorySegment(S, v, o + 3 * L * 4L, GemvVector.LE)
                        .fma(pt, a3);
            }
            a0.intoArray(out, outOff + d);
            a1.intoArray(out, outOff + d + L);
            a2.intoArray(out, outOff + d + 2 * L);
            a3.intoArray(out, outOff + d + 3 * L);
        }
        for (; d + L <= hd; d += L) {
            FloatVector a0 = FloatVector.zero(S);
            long o = base + d * 4L;
            for (int t = 0; t < span; t++, o += rowBytes) {
                a0 = FloatVector.fromMemorySegment(S, v, o, GemvVector.LE)
                        .fma(FloatVector.broadcast(S, p[pOff + t]), a0);
            }
            a0.intoArray(out, outOff + d);
        }
        scalarColumns(out, outOff, v, base, false, span, hd, p, pOff, d);
    }

    /** As {@link #weightedSumF32} for bf16 V. */
    private static void weightedSumBf16(float[] out, int outOff, MemorySegment v, long base,
                                        int span, int hd, float[] p, int pOff) {
        long rowBytes = hd * 2L;
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            long o = base + d * 2L;
            for (int t = 0; t < span; t++, o += rowBytes) {
                FloatVector pt = FloatVector.broadcast(S, p[pOff + t]);
                a0 = GemvVector.widen(v, o).fma(pt, a0);
                a1 = GemvVector.widen(v, o + L * 2L).fma(pt, a1);
                a2 = GemvVector.widen(v, o + 2 * L * 2L).fma(pt, a2);
                a3 = GemvVector.widen(v, o + 3 * L * 2L).fma(pt, a3);
            }
            a0.intoArray(out, outOff + d);
            a1.intoArray(out, outOff + d + L);
            a2.intoArray(out, outOff + d + 2 * L);
            a3.intoArray(out, outOff + d + 3 * L);
        }
        for (; d + L <= hd; d += L) {
            FloatVector a0 = FloatVector.zero(S);
            long o = base + d * 2L;
            for (int t = 0; t < span; t++, o += rowBytes) {
                a0 = GemvVector.widen(v, o).fma(FloatVector.broadcast(S, p[pOff + t]), a0);
            }
            a0.intoArray(out, outOff + d);
        }
        scalarColumns(out, outOff, v, base, true, span, hd, p, pOff, d);
    }

    /** The last hd % L dimensions of the weighted sum, one scalar chain each. */
    private static void scalarColumns(float[] out, int outOff, MemorySegment v, long base,
                                      boolean bf16, int span, int hd, float[] p, int pOff,
                                      int from) {
        long rowBytes = hd * (bf16 ? 2L : 4L);
        for (int d = from; d < hd; d++) {
            float acc = 0;
            for (int t = 0; t < span; t++) {
                acc += p[pOff + t] * GemvScalar.load(v, base + t * rowBytes, d, bf16);
            }
            out[outOff + d] = acc;
        }
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
