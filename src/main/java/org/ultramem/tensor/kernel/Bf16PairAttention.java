package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two bf16 loops of {@link SegmentAttentionVector#attend} when the head width is a multiple of
 * 2·L: K and V rows read L ints at a time, each int a pair of bf16 values (element 2j in its low
 * half, 2j + 1 in its high half on a little-endian store), widened by one shift (even elements)
 * and one mask (odd ones), where widening a half-width short vector costs a sign extension and
 * a shift per L values. A call at span 256, D_h 64 took 3,949-6,106 ns (median 3,991) against
 * 4,844-7,515 (median 5,325) for the widening loops, span 100 a median 1,915 against 2,105 and
 * span 32 582 against 676 (`ultramem bench kernels --case decode-attention`, five rounds
 * alternating, AVX2, 2026-12-07); the decode step reads its whole KV cache through these loops.
 * The even/odd lanes need q in the same order, permuted once per call into a scratch. The loads
 * and widenings are written out at each use, not in helpers: a 12-byte helper returning a vector
 * was left out of line by C2 in some JVMs ("already compiled into a medium method", "low call
 * site frequency", {@code -XX:+PrintInlining}) and boxed its vector on every call, where the
 * Vector API's own methods are always inlined.
 * <ul>
 *   <li>scores: per key one FMA chain per lane j over the pairs (2Lc + 2j, 2Lc + 2j + 1), c in
 *       order, then the lane sums of L keys together ({@link Lanes#sumRows}). The order differs
 *       from the fp32 path's, so bf16 and fp32 caches agree to rounding, not bit for bit.</li>
 *   <li>weighted sum: per output dimension the same sequential FMA chain over positions as the
 *       fp32 path (same bits); the even and odd accumulators are interleaved at the end.</li>
 * </ul>
 */
final class Bf16PairAttention {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final int L = S.length();
    private static final int HIGH = 0xFFFF0000;
    private static final ByteOrder LE = GemvVector.LE;

    /** Per thread: q in pair order, then 4·L floats to interleave the weighted sums through. */
    private static final ThreadLocal<float[][]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[4 * L]});

    private Bf16PairAttention() {
    }

    /** True when {@link #attend}'s loops apply: head width a multiple of 2·L, 8 or 16 lanes. */
    static boolean applies(int hd) {
        return hd % (2 * L) == 0 && Lanes.supported();
    }

    /** softmax(scale·q·Kᵀ)·V for bf16 K, V [span, hd] at {@code base}; checked by the caller. */
    static void attend(float[] out, int outOff, float[] q, int qOff, MemorySegment k,
                       MemorySegment v, long base, int span, int hd, float scale, float[] scores,
                       int sOff) {
        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < hd) {
            scratch[0] = new float[hd];
        }
        float[] qp = scratch[0];
        for (int c = 0; c < hd; c += 2 * L) {
            for (int j = 0; j < L; j++) {
                qp[c + j] = q[qOff + c + 2 * j];
                qp[c + L + j] = q[qOff + c + 2 * j + 1];
            }
        }
        scores(qp, k, base, span, hd, scale, scores, sOff);
        VectorRows.softmax(scores, sOff, span);
        weightedSum(out, outOff, v, base, span, hd, scores, sOff, scratch[1]);
    }

    /** scores[sOff + t] = scale · q·K[t], L keys per reduction, four per pass over q. */
    private static void scores(float[] qp, MemorySegment k, long base, int span, int hd,
                               float scale, float[] scores, int sOff) {
        long rowBytes = 2L * hd;
        float[] stage = Lanes.stage();
        for (int t = 0; t < span; t += L) {
            int count = Math.min(L, span - t);
            long kb = base + t * rowBytes;
            int j = 0;
            for (; j + 4 <= count; j += 4, kb += 4 * rowBytes) {
                fourKeys(stage, j, qp, k, kb, rowBytes, hd);
            }
            for (; j < count; j++, kb += rowBytes) {
                oneKey(stage, j, qp, k, kb, hd);
            }
            Lanes.sumFirstRows(stage, count, scores, sOff + t, scale);
        }
    }

    /** Rows j .. j + 3 of {@code stage} = the lane partial sums of four keys from byte kb. */
    private static void fourKeys(float[] stage, int j, float[] qp, MemorySegment k, long kb,
                                 long rowBytes, int hd) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        for (int c = 0; c < hd; c += 2 * L) {
            FloatVector qe = FloatVector.fromArray(S, qp, c);
            FloatVector qo = FloatVector.fromArray(S, qp, c + L);
            long o = kb + 2L * c;
            IntVector x0 = IntVector.fromMemorySegment(I, k, o, LE);
            IntVector x1 = IntVector.fromMemorySegment(I, k, o + rowBytes, LE);
            IntVector x2 = IntVector.fromMemorySegment(I, k, o + 2 * rowBytes, LE);
            IntVector x3 = IntVector.fromMemorySegment(I, k, o + 3 * rowBytes, LE);
            a0 = qe.fma(x0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a0);
            a0 = qo.fma(x0.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats(), a0);
            a1 = qe.fma(x1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a1);
            a1 = qo.fma(x1.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats(), a1);
            a2 = qe.fma(x2.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a2);
            a2 = qo.fma(x2.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats(), a2);
            a3 = qe.fma(x3.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats(), a3);
            a3 = qo.fma(x3.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats(), a3);
        }
        a0.intoArray(stage, j * L);
        a1.intoArray(stage, (j + 1) * L);
        a2.intoArray(stage, (j + 2) * L);
        a3.intoArray(stage, (j + 3) * L);
    }

    /** Row j of {@code stage} = the lane partial sums of the key at byte kb. */
    private static void oneKey(float[] stage, int j, float[] qp, MemorySegment k, long kb,
                               int hd) {
        FloatVector a0 = FloatVector.zero(S);
        for (int c = 0; c < hd; c += 2 * L) {
            IntVector x = IntVector.fromMemorySegment(I, k, kb + 2L * c, LE);
            FloatVector xe = x.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            FloatVector xo = x.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats();
            a0 = FloatVector.fromArray(S, qp, c).fma(xe, a0);
            a0 = FloatVector.fromArray(S, qp, c + L).fma(xo, a0);
        }
        a0.intoArray(stage, j * L);
    }

    /** out[d] = Σ_t p[t]·V[t, d]: 4·L dimensions per pass (even and odd accumulators). */
    private static void weightedSum(float[] out, int outOff, MemorySegment v, long base, int span,
                                    int hd, float[] p, int pOff, float[] lanes) {
        long rowBytes = 2L * hd;
        int d = 0;
        for (; d + 4 * L <= hd; d += 4 * L) {
            FloatVector e0 = FloatVector.zero(S), o0 = e0, e1 = e0, o1 = e0;
            long o = base + 2L * d;
            for (int t = 0; t < span; t++, o += rowBytes) {
                FloatVector pt = FloatVector.broadcast(S, p[pOff + t]);
                IntVector x0 = IntVector.fromMemorySegment(I, v, o, LE);
                IntVector x1 = IntVector.fromMemorySegment(I, v, o + 4L * L, LE);
                e0 = x0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pt, e0);
                o0 = x0.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats().fma(pt, o0);
                e1 = x1.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pt, e1);
                o1 = x1.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats().fma(pt, o1);
            }
            e0.intoArray(lanes, 0);
            o0.intoArray(lanes, L);
            e1.intoArray(lanes, 2 * L);
            o1.intoArray(lanes, 3 * L);
            interleave(out, outOff + d, lanes);
        }
        for (; d < hd; d += 2 * L) {
            FloatVector e0 = FloatVector.zero(S), o0 = e0;
            long o = base + 2L * d;
            for (int t = 0; t < span; t++, o += rowBytes) {
                FloatVector pt = FloatVector.broadcast(S, p[pOff + t]);
                IntVector x0 = IntVector.fromMemorySegment(I, v, o, LE);
                e0 = x0.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().fma(pt, e0);
                o0 = x0.lanewise(VectorOperators.AND, HIGH).reinterpretAsFloats().fma(pt, o0);
            }
            e0.intoArray(lanes, 0);
            o0.intoArray(lanes, L);
            interleaveOne(out, outOff + d, lanes, 0);
        }
    }

    /** Two chunks of 2·L dimensions from lanes [e0, o0, e1, o1]. */
    private static void interleave(float[] out, int off, float[] lanes) {
        interleaveOne(out, off, lanes, 0);
        interleaveOne(out, off + 2 * L, lanes, 2 * L);
    }

    /** out[off + 2j] = lanes[from + j], out[off + 2j + 1] = lanes[from + L + j], j < L. */
    private static void interleaveOne(float[] out, int off, float[] lanes, int from) {
        for (int j = 0; j < L; j++) {
            out[off + 2 * j] = lanes[from + j];
            out[off + 2 * j + 1] = lanes[from + L + j];
        }
    }
}
