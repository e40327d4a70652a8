package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scores of many queries against many keys when the key dimension is small (product-key coarse
 * scoring, D_k 16..128): out[t·ldo + j] = Σ_i q[qOff + t·ldq + i] · kT[kOff + i·ldk + j] for
 * t < rows and j in [j0, j1), with the keys stored transposed, kT [D_k][ldk].
 *
 * <p>Why not the GEMMs: the packed GEMM re-packs the keys on every call and the segment GEMV's
 * batched path writes a [key][token] tile into [token][key] rows, which for D_k = 32 cost more
 * than the multiply-adds (coarse scoring of the decode benchmark's memory layer at batch 64, both
 * cores: packed GEMM 0.67 ms, segment GEMV 0.97 ms, this kernel ~0.5 ms). With kT
 * the scores of one query are contiguous along j: a 4-query × 2-vector register tile (8
 * accumulators, per i two key loads and four broadcasts) writes its rows straight out.
 *
 * <p>Each output is one sequential fused multiply-add chain over i, in both twins, so the vector
 * twin equals {@link #scoresScalar} bit for bit.
 */
public final class KeyScores {

    private static final boolean VECTOR = SegmentKernels.vectorized();
    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();

    private KeyScores() {
    }

    /** Columns [j0, j1) of out [rows, ldo] = q [rows, d] · kT [d, ldk], on the calling thread. */
    public static void scores(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq,
                              int rows, float[] kT, int kOff, int ldk, int d, int j0, int j1) {
        check(out, outOff, ldo, q, qOff, ldq, rows, kT, kOff, ldk, d, j0, j1);
        if (VECTOR) {
            scoresVector(out, outOff, ldo, q, qOff, ldq, rows, kT, kOff, ldk, d, j0, j1);
        } else {
            scoresScalar(out, outOff, ldo, q, qOff, ldq, rows, kT, kOff, ldk, d, j0, j1);
        }
    }

    /** The plain-loop reference of {@link #scores}. */
    public static void scoresScalar(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq,
                                    int rows, float[] kT, int kOff, int ldk, int d, int j0,
                                    int j1) {
        for (int t = 0; t < rows; t++) {
            for (int j = j0; j < j1; j++) {
                float acc = 0f;
                for (int i = 0; i < d; i++) {
                    acc = Math.fma(q[qOff + t * ldq + i], kT[kOff + i * ldk + j], acc);
                }
                out[outOff + t * ldo + j] = acc;
            }
        }
    }

    static void scoresVector(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq,
                             int rows, float[] kT, int kOff, int ldk, int d, int j0, int j1) {
        int jv = j0 + (j1 - j0) / (2 * L) * (2 * L);
        int t = 0;
        for (; t + 4 <= rows; t += 4) {
            for (int j = j0; j < jv; j += 2 * L) {
                tile4(out, outOff + t * ldo + j, ldo, q, qOff + t * ldq, ldq, kT, kOff + j, ldk, d);
            }
        }
        for (; t < rows; t++) {
            for (int j = j0; j < jv; j += 2 * L) {
                tile1(out, outOff + t * ldo + j, q, qOff + t * ldq, kT, kOff + j, ldk, d);
            }
        }
        if (jv < j1) {
            scoresScalar(out, outOff, ldo, q, qOff, ldq, rows, kT, kOff, ldk, d, jv, j1);
        }
    }

    private static void tile4(float[] out, int o, int ldo, float[] q, int qb, int ldq, float[] kT,
                              int kb, int ldk, int d) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int i = 0; i < d; i++) {
            int ko = kb + i * ldk;
            FloatVector k0 = FloatVector.fromArray(S, kT, ko);
            FloatVector k1 = FloatVector.fromArray(S, kT, ko + L);
            FloatVector q0 = FloatVector.broadcast(S, q[qb + i]);
            a00 = q0.fma(k0, a00); a01 = q0.fma(k1, a01);
            FloatVector q1 = FloatVector.broadcast(S, q[qb + ldq + i]);
            a10 = q1.fma(k0, a10); a11 = q1.fma(k1, a11);
            FloatVector q2 = FloatVector.broadcast(S, q[qb + 2 * ldq + i]);
            a20 = q2.fma(k0, a20); a21 = q2.fma(k1, a21);
            FloatVector q3 = FloatVector.broadcast(S, q[qb + 3 * ldq + i]);
            a30 = q3.fma(k0, a30); a31 = q3.fma(k1, a31);
        }
        a00.intoArray(out, o); a01.intoArray(out, o + L);
        a10.intoArray(out, o + ldo); a11.intoArray(out, o + ldo + L);
        a20.intoArray(out, o + 2 * ldo); a21.intoArray(out, o + 2 * ldo + L);
        a30.intoArray(out, o + 3 * ldo); a31.intoArray(out, o + 3 * ldo + L);
    }

    private static void tile1(float[] out, int o, float[] q, int qb, float[] kT, int kb, int ldk,
                              int d) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        for (int i = 0; i < d; i++) {
            int ko = kb + i * ldk;
            FloatVector qi = FloatVector.broadcast(S, q[qb + i]);
            a0 = qi.fma(FloatVector.fromArray(S, kT, ko), a0);
            a1 = qi.fma(FloatVector.fromArray(S, kT, ko + L), a1);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
    }

    private static void check(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq,
                              int rows, float[] kT, int kOff, int ldk, int d, int j0, int j1) {
        if (rows < 0 || d < 0 || j0 < 0 || j1 < j0 || j1 > ldk || (rows > 1 && ldo < j1)
                || (rows > 1 && ldq < d)) {
            throw new IllegalArgumentException("key scores: rows " + rows + ", d " + d
                    + ", columns [" + j0 + ", " + j1 + "), ldk " + ldk + ", ldo " + ldo + ", ldq "
                    + ldq + ": need 0 <= j0 <= j1 <= ldk, ldo >= j1 and ldq >= d");
        }
        if (rows == 0 || d == 0 || j0 == j1) {
            return;
        }
        KernelChecks.range("key scores q", q, qOff, (long) (rows - 1) * ldq + d);
        KernelChecks.range("key scores kT", kT, kOff, (long) (d - 1) * ldk + j1);
        KernelChecks.range("key scores out", out, outOff, (long) (rows - 1) * ldo + j1);
    }
}
