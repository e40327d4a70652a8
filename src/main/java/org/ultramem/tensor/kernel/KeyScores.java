package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Scores of many queries against many keys when the key dimension is small (product-key coarse
 * scoring, D_k 16..128): out[t·ldo + j] = Σ_i q[qOff + t·ldq + i] · key_j[i] for t < rows and
 * keys j in [j0, j1), with the keys packed once by {@link #pack}: blocks of {@link #BLOCK} keys,
 * each stored [D_k][BLOCK] (zero-padded past the last key), so one register tile reads one
 * contiguous 2-4 KB panel.
 *
 * <p>Why not the GEMMs: the packed GEMM re-packs the keys on every call, and the segment GEMV's
 * batched path writes a [key][token] tile into [token][key] rows, which for D_k = 32 costs more
 * than the multiply-adds (both were slower than these panels for the decode benchmark's memory
 * layer at batch 64, 2026-12). A plain transposed [D_k][n] layout ran several times slower inside
 * a decode step than in a warm loop: its 32 rows 8 KB apart per tile read the keys from L3, where
 * the rest of the step had pushed them, with little prefetching; blocked panels read
 * sequentially. The alternatives are not kept; the step they were measured in is
 * {@code ultramem bench decode --batches 64} (the UltraMem model's row). The tile is 4 queries ×
 * 2 vectors of keys (8 accumulators, per i two key loads and four broadcasts).
 *
 * <p>Each output is one sequential fused multiply-add chain over i, in both twins, so the vector
 * twin equals {@link #scoresScalar} bit for bit.
 */
public final class KeyScores {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();
    /** Keys per packed block: two vectors. */
    public static final int BLOCK = 2 * L;

    private KeyScores() {
    }

    /** Floats {@link #pack} needs for {@code n} keys of dimension {@code d}. */
    public static int packedLength(int n, int d) {
        return (n + BLOCK - 1) / BLOCK * BLOCK * d;
    }

    /**
     * Packs the {@code n} keys keys[kOff + j·d + i] (row-major [n][d]) into
     * {@code packed[pOff ..]}: block b holds keys [b·BLOCK, (b+1)·BLOCK) as [d][BLOCK].
     */
    public static void pack(float[] packed, int pOff, float[] keys, int kOff, int n, int d) {
        int blocks = (n + BLOCK - 1) / BLOCK;
        KernelChecks.range("key scores keys", keys, kOff, (long) n * d);
        KernelChecks.range("key scores packed", packed, pOff, (long) blocks * BLOCK * d);
        for (int b = 0; b < blocks; b++) {
            for (int i = 0; i < d; i++) {
                int dst = pOff + (b * d + i) * BLOCK;
                for (int c = 0; c < BLOCK; c++) {
                    int j = b * BLOCK + c;
                    packed[dst + c] = j < n ? keys[kOff + j * d + i] : 0f;
                }
            }
        }
    }

    /**
     * Keys [j0, j1) of out [rows, ldo] = q [rows, d] · keysᵀ, keys packed at {@code pOff} (n keys),
     * on the calling thread, by the vector twin or the scalar one ({@link Kernels#keyScores}
     * picks).
     * {@code j0} must be a multiple of {@link #BLOCK}.
     */
    static void scores(boolean vector, float[] out, int outOff, int ldo, float[] q, int qOff,
                       int ldq, int rows, float[] packed, int pOff, int n, int d, int j0, int j1) {
        check(out, outOff, ldo, q, qOff, ldq, rows, packed, pOff, n, d, j0, j1);
        if (vector) {
            scoresVector(out, outOff, ldo, q, qOff, ldq, rows, packed, pOff, d, j0, j1);
        } else {
            scoresScalar(out, outOff, ldo, q, qOff, ldq, rows, packed, pOff, d, j0, j1);
        }
    }

    /** The plain-loop reference of {@link #scores}. */
    static void scoresScalar(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq,
                             int rows, float[] packed, int pOff, int d, int j0, int j1) {
        for (int t = 0; t < rows; t++) {
            for (int j = j0; j < j1; j++) {
                int base = pOff + j / BLOCK * BLOCK * d + j % BLOCK;
                float acc = 0f;
                for (int i = 0; i < d; i++) {
                    acc = Math.fma(q[qOff + t * ldq + i], packed[base + i * BLOCK], acc);
                }
                out[outOff + t * ldo + j] = acc;
            }
        }
    }

    static void scoresVector(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq,
                             int rows, float[] packed, int pOff, int d, int j0, int j1) {
        int jv = j0 + (j1 - j0) / BLOCK * BLOCK;
        int t = 0;
        for (; t + 4 <= rows; t += 4) {
            for (int j = j0; j < jv; j += BLOCK) {
                tile4(out, outOff + t * ldo + j, ldo, q, qOff + t * ldq, ldq, packed,
                        pOff + j * d, d);
            }
        }
        for (; t < rows; t++) {
            for (int j = j0; j < jv; j += BLOCK) {
                tile1(out, outOff + t * ldo + j, q, qOff + t * ldq, packed, pOff + j * d, d);
            }
        }
        if (jv < j1) {
            scoresScalar(out, outOff, ldo, q, qOff, ldq, rows, packed, pOff, d, jv, j1);
        }
    }

    private static void tile4(float[] out, int o, int ldo, float[] q, int qb, int ldq,
                              float[] packed, int pb, int d) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int i = 0; i < d; i++) {
            int ko = pb + i * BLOCK;
            FloatVector k0 = FloatVector.fromArray(S, packed, ko);
            FloatVector k1 = FloatVector.fromArray(S, packed, ko + L);
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

    private static void tile1(float[] out, int o, float[] q, int qb, float[] packed, int pb,
                              int d) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        for (int i = 0; i < d; i++) {
            int ko = pb + i * BLOCK;
            FloatVector qi = FloatVector.broadcast(S, q[qb + i]);
            a0 = qi.fma(FloatVector.fromArray(S, packed, ko), a0);
            a1 = qi.fma(FloatVector.fromArray(S, packed, ko + L), a1);
        }
        a0.intoArray(out, o);
        a1.intoArray(out, o + L);
    }

    private static void check(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq,
                              int rows, float[] packed, int pOff, int n, int d, int j0, int j1) {
        if (rows < 0 || d < 0 || j0 < 0 || j1 < j0 || j1 > n || j0 % BLOCK != 0
                || (rows > 1 && ldo < j1) || (rows > 1 && ldq < d)) {
            throw new IllegalArgumentException("key scores: rows " + rows + ", d " + d
                    + ", keys [" + j0 + ", " + j1 + ") of " + n + ", ldo " + ldo + ", ldq " + ldq
                    + ": need 0 <= j0 <= j1 <= n, j0 a multiple of " + BLOCK
                    + ", ldo >= j1 and ldq >= d");
        }
        if (rows == 0 || d == 0 || j0 == j1) {
            return;
        }
        KernelChecks.range("key scores q", q, qOff, (long) (rows - 1) * ldq + d);
        KernelChecks.range("key scores packed", packed, pOff, packedLength(n, d));
        KernelChecks.range("key scores out", out, outOff, (long) (rows - 1) * ldo + j1);
    }
}
