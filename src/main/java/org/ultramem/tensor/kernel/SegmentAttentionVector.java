package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API body of {@link SegmentKernels#attend}: one query row against one (sequence, head)
 * slice of a KV cache, K and V [span, hd] contiguous at the same byte offset of their segments
 * (fp32, or bf16 widened in registers). Scores are dot products four keys at a time, their four
 * lane trees reduced together ({@link Lanes#sum4}); bf16 rows are read as int lanes holding two
 * dims each and widened by a shift and a mask (the query split to match), so bf16 scores sum the
 * dims in another order than fp32's. The softmax uses {@link VectorRows}' {@link VectorExp}; the
 * weighted sum of V rows is broadcast-FMA into up to four accumulators per chunk of 4·L
 * dimensions, so no reductions, each output one FMA chain over t.
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
        if (bf16) {
            float[] qs = scratch(hd);
            int hdp = split(qs, q, qOff, hd);
            scoresBf16(scores, sOff, qs, q, qOff, k, base, span, hd, hdp, scale);
            VectorRows.softmax(scores, sOff, span);
            int d = weightedSumBf16(out, outOff, v, base, span, hd, scores, sOff, qs);
            weightedSum(out, outOff, v, base, true, span, hd, scores, sOff, d);
        } else {
            scoresF32(scores, sOff, q, qOff, k, base, span, hd, scale);
            VectorRows.softmax(scores, sOff, span);
            weightedSum(out, outOff, v, base, false, span, hd, scores, sOff, 0);
        }
    }

    /**
     * scores[sOff + t] = scale · q·K[t], fp32 K: four keys at a time, their lane trees in one
     * {@link Lanes#sum4} (the same bits as a tree per key, fewer shuffles).
     */
    private static void scoresF32(float[] scores, int sOff, float[] q, int qOff, MemorySegment k,
                                  long base, int span, int hd, float scale) {
        long rowBytes = hd * 4L;
        int hdv = hd - hd % L;
        int t = 0;
        for (; t + 4 <= span; t += 4) {
            long kb = base + t * rowBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int i = 0; i < hdv; i += L) {
                FloatVector qv = FloatVector.fromArray(S, q, qOff + i);
                long o = kb + i * 4L;
                a0 = qv.fma(load(k, o, false), a0);
                a1 = qv.fma(load(k, o + rowBytes, false), a1);
                a2 = qv.fma(load(k, o + 2 * rowBytes, false), a2);
                a3 = qv.fma(load(k, o + 3 * rowBytes, false), a3);
            }
            finish4(scores, sOff + t, a0, a1, a2, a3, q, qOff, k, kb, rowBytes, false, hdv, hd,
                    scale);
        }
        for (; t < span; t++) {
            long kb = base + t * rowBytes;
            FloatVector a0 = FloatVector.zero(S);
            for (int i = 0; i < hdv; i += L) {
                a0 = FloatVector.fromArray(S, q, qOff + i).fma(load(k, kb + i * 4L, false), a0);
            }
            scores[sOff + t] = scale * (Lanes.sum(a0) + tail(q, qOff, k, kb, false, hdv, hd));
        }
    }

    /**
     * scores[sOff + t] = scale · q·K[t], bf16 K. Each int lane of K holds two dims (2j, 2j+1 of a
     * chunk of 2·L), widened by a shift (even) and a mask (odd) instead of a short-to-int
     * conversion per vector; q comes split the same way ({@link #split}), dims from {@code hdp}
     * on go through the scalar tail. Even and odd products sum in two accumulators per key.
     */
    private static void scoresBf16(float[] scores, int sOff, float[] qs, float[] q, int qOff,
                                   MemorySegment k, long base, int span, int hd, int hdp,
                                   float scale) {
        long rowBytes = hd * 2L;
        int t = 0;
        for (; t + 4 <= span; t += 4) {
            long kb = base + t * rowBytes;
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
            for (int i = 0; i < hdp; i += 2 * L) {
                FloatVector qe = FloatVector.fromArray(S, qs, i);
                FloatVector qo = FloatVector.fromArray(S, qs, i + L);
                long o = kb + i * 2L;
                IntVector k0 = ints(k, o);
                IntVector k1 = ints(k, o + rowBytes);
                IntVector k2 = ints(k, o + 2 * rowBytes);
                IntVector k3 = ints(k, o + 3 * rowBytes);
                a0 = qe.fma(even(k0), a0); b0 = qo.fma(odd(k0), b0);
                a1 = qe.fma(even(k1), a1); b1 = qo.fma(odd(k1), b1);
                a2 = qe.fma(even(k2), a2); b2 = qo.fma(odd(k2), b2);
                a3 = qe.fma(even(k3), a3); b3 = qo.fma(odd(k3), b3);
            }
            finish4(scores, sOff + t, a0.add(b0), a1.add(b1), a2.add(b2), a3.add(b3), q, qOff,
                    k, kb, rowBytes, true, hdp, hd, scale);
        }
        for (; t < span; t++) {
            long kb = base + t * rowBytes;
            FloatVector a0 = FloatVector.zero(S), b0 = a0;
            for (int i = 0; i < hdp; i += 2 * L) {
                IntVector k0 = ints(k, kb + i * 2L);
                a0 = FloatVector.fromArray(S, qs, i).fma(even(k0), a0);
                b0 = FloatVector.fromArray(S, qs, i + L).fma(odd(k0), b0);
            }
            scores[sOff + t] = scale * (Lanes.sum(a0.add(b0)) + tail(q, qOff, k, kb, true, hdp,
                    hd));
        }
    }

    /** Four keys' scores from their lane accumulators plus the scalar tails of [from, hd). */
    private static void finish4(float[] scores, int at, FloatVector a0, FloatVector a1,
                                FloatVector a2, FloatVector a3, float[] q, int qOff,
                                MemorySegment k, long kb, long rowBytes, boolean bf16, int from,
                                int hd, float scale) {
        Lanes.sum4(a0, a1, a2, a3, scores, at);
        for (int j = 0; j < 4; j++) {
            scores[at + j] = scale * (scores[at + j]
                    + tail(q, qOff, k, kb + j * rowBytes, bf16, from, hd));
        }
    }

    /**
     * qs = q's dims [0, hdp) per chunk of 2·L as L even then L odd dims, hdp = hd rounded down to
     * 2·L (returned): the order {@link #even} and {@link #odd} widen bf16 pairs in.
     */
    private static int split(float[] qs, float[] q, int qOff, int hd) {
        int hdp = hd - hd % (2 * L);
        for (int c = 0; c < hdp; c += 2 * L) {
            for (int j = 0; j < L; j++) {
                qs[c + j] = q[qOff + c + 2 * j];
                qs[c + L + j] = q[qOff + c + 2 * j + 1];
            }
        }
        return hdp;
    }

    /**
     * out[d] = Σ_t p[t]·V[t, d] over chunks of 4·L and then 2·L dims of bf16 V, widened in pairs
     * as in {@link #scoresBf16} (each output is the same FMA chain over t as in
     * {@link #weightedSum}, so the same bits), written back interleaved through {@code tmp}
     * (length >= 2·L). Returns the first dim not done.
     */
    private static int weightedSumBf16(float[] out, int outOff, MemorySegment v, long base,
                                       int span, int hd, float[] p, int pOff, float[] tmp) {
        long rowBytes = hd * 2L;
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector e0 = FloatVector.zero(S), o0 = e0, e1 = e0, o1 = e0;
            long o = base + d * 2L;
            for (int t = 0; t < span; t++, o += rowBytes) {
                FloatVector pt = FloatVector.broadcast(S, p[pOff + t]);
                IntVector v0 = ints(v, o);
                IntVector v1 = ints(v, o + 4L * L);
                e0 = even(v0).fma(pt, e0); o0 = odd(v0).fma(pt, o0);
                e1 = even(v1).fma(pt, e1); o1 = odd(v1).fma(pt, o1);
            }
            interleave(out, outOff + d, e0, o0, tmp);
            interleave(out, outOff + d + 2 * L, e1, o1, tmp);
        }
        for (; d + 2 * L <= hd; d += 2 * L) {
            FloatVector e0 = FloatVector.zero(S), o0 = e0;
            long o = base + d * 2L;
            for (int t = 0; t < span; t++, o += rowBytes) {
                FloatVector pt = FloatVector.broadcast(S, p[pOff + t]);
                IntVector v0 = ints(v, o);
                e0 = even(v0).fma(pt, e0); o0 = odd(v0).fma(pt, o0);
            }
            interleave(out, outOff + d, e0, o0, tmp);
        }
        return d;
    }

    /** out[off + 2j] = even lane j, out[off + 2j + 1] = odd lane j. */
    private static void interleave(float[] out, int off, FloatVector even, FloatVector odd,
                                   float[] tmp) {
        even.intoArray(tmp, 0);
        odd.intoArray(tmp, L);
        for (int j = 0; j < L; j++) {
            out[off + 2 * j] = tmp[j];
            out[off + 2 * j + 1] = tmp[L + j];
        }
    }

    private static IntVector ints(MemorySegment s, long byteOff) {
        return IntVector.fromMemorySegment(GemvVector.IS, s, byteOff, GemvVector.LE);
    }

    /** The bf16 values in the low halves of the int lanes (the even dims), exactly. */
    private static FloatVector even(IntVector pairs) {
        return pairs.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** The bf16 values in the high halves of the int lanes (the odd dims), exactly. */
    private static FloatVector odd(IntVector pairs) {
        return pairs.lanewise(VectorOperators.AND, 0xFFFF0000).reinterpretAsFloats();
    }

    /** Per-thread split query / interleave buffer (grown on demand, never shrunk). */
    private static final ThreadLocal<float[][]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[][] {new float[0]});

    private static float[] scratch(int hd) {
        float[][] holder = SCRATCH.get();
        int need = Math.max(hd, 2 * L);
        if (holder[0].length < need) {
            holder[0] = new float[need];
        }
        return holder[0];
    }

    /**
     * out[d] = Σ_t p[t]·V[t, d] for dims from {@code d0}: chunks of 4·L dimensions, then single
     * vectors, then scalars.
     */
    private static void weightedSum(float[] out, int outOff, MemorySegment v, long base,
                                    boolean bf16, int span, int hd, float[] p, int pOff, int d0) {
        long es = bf16 ? 2 : 4;
        long rowBytes = hd * es;
        int d = d0;
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
