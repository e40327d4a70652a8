package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * out[i·ldo + j] = in[j·ldi + i] for i < rows, j < cols: a transposed copy, which the batched
 * decode GEMM needs at the end of every column group (its accumulators hold a column's tokens in
 * the lanes; the output is row-major by token). Whole L×L blocks go through registers: L rows
 * loaded, log2(L) rounds of two-vector lane selections, L rows stored; the edges take the plain
 * loop. Each round d (L/2, ..., 1) swaps bit d of the row and column index of every element,
 * pairing rows i and i + d (bit d of i clear):
 * <pre>
 *   row i      ← lanes j:  bit d of j clear ? X[j]     : Y[j − d]        (X = row i, Y = row i + d)
 *   row i + d  ← lanes j:  bit d of j clear ? X[j + d] : Y[j]
 * </pre>
 * so after all rounds element (i, j) sits at (j, i). A copy: the bits are the input's.
 * Element by element, this copy cost about a fifth of the tiles' time at batch 64: the up
 * projection (256 → 2016, 64 rows) ran at 0.57-0.68 of the 1-thread FMA peak, 0.76-0.77 with the
 * blocks (AVX-512, 2026-12-07; re-measure with {@code ultramem bench kernels --case decode-gemm}).
 */
final class BlockTranspose {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();
    // Lane selections of round r (d = L >> (r + 1)); a lane value >= L picks Y. Static final
    // fields, not an array: C2 takes a constant field's exact vector class and binds selectFrom
    // statically, while an array element's class comes only from the type profile. When that
    // profile was thin (the server's JIT, 2026-12-07) every selectFrom stayed a virtual call
    // that boxed its vectors: ~2.4 GB/s of garbage at 64 clients, 84% of all allocation, and
    // UltraMem passes up to 56% longer (docs/results/speed-2026-12-07e).
    private static final FloatVector LOW0 = lanes(0, false);
    private static final FloatVector HIGH0 = lanes(0, true);
    private static final FloatVector LOW1 = lanes(1, false);
    private static final FloatVector HIGH1 = lanes(1, true);
    private static final FloatVector LOW2 = lanes(2, false);
    private static final FloatVector HIGH2 = lanes(2, true);
    private static final FloatVector LOW3 = lanes(3, false);
    private static final FloatVector HIGH3 = lanes(3, true);

    /** Round r's selection for the lower row of a pair ({@code high} false) or the upper one. */
    private static FloatVector lanes(int r, boolean high) {
        int d = L >> (r + 1);
        float[] sel = new float[L];
        for (int j = 0; j < L; j++) {
            if (d == 0) {
                sel[j] = j; // a round the species is too narrow for (never run)
            } else if (high) {
                sel[j] = (j & d) == 0 ? j + d : L + j;
            } else {
                sel[j] = (j & d) == 0 ? j : L + j - d;
            }
        }
        return FloatVector.fromArray(S, sel, 0);
    }

    private BlockTranspose() {
    }

    /** The vector twin: whole blocks in registers (16- or 8-lane species), edges plain. */
    static void transpose(float[] out, int outOff, int ldo, float[] in, int inOff, int ldi,
                          int rows, int cols) {
        int rv = L == 16 || L == 8 ? rows - rows % L : 0;
        int cv = L == 16 || L == 8 ? cols - cols % L : 0;
        for (int i = 0; i < rv; i += L) {
            for (int j = 0; j < cv; j += L) {
                if (L == 16) {
                    block16(out, outOff + i * ldo + j, ldo, in, inOff + j * ldi + i, ldi);
                } else {
                    block8(out, outOff + i * ldo + j, ldo, in, inOff + j * ldi + i, ldi);
                }
            }
            plain(out, outOff, ldo, in, inOff, ldi, i, i + L, cv, cols);
        }
        plain(out, outOff, ldo, in, inOff, ldi, rv, rows, 0, cols);
    }

    /** The plain-loop reference. */
    static void transposeScalar(float[] out, int outOff, int ldo, float[] in, int inOff, int ldi,
                                int rows, int cols) {
        plain(out, outOff, ldo, in, inOff, ldi, 0, rows, 0, cols);
    }

    private static void plain(float[] out, int outOff, int ldo, float[] in, int inOff, int ldi,
                              int i0, int i1, int j0, int j1) {
        for (int i = i0; i < i1; i++) {
            int o = outOff + i * ldo;
            for (int j = j0; j < j1; j++) {
                out[o + j] = in[inOff + j * ldi + i];
            }
        }
    }

    // Written out row by row: an array of vectors would leave C2 boxing them.
    private static void block16(float[] out, int o, int ldo, float[] in, int a, int lda) {
        FloatVector v0 = FloatVector.fromArray(S, in, a);
        FloatVector v1 = FloatVector.fromArray(S, in, a + lda);
        FloatVector v2 = FloatVector.fromArray(S, in, a + 2 * lda);
        FloatVector v3 = FloatVector.fromArray(S, in, a + 3 * lda);
        FloatVector v4 = FloatVector.fromArray(S, in, a + 4 * lda);
        FloatVector v5 = FloatVector.fromArray(S, in, a + 5 * lda);
        FloatVector v6 = FloatVector.fromArray(S, in, a + 6 * lda);
        FloatVector v7 = FloatVector.fromArray(S, in, a + 7 * lda);
        FloatVector v8 = FloatVector.fromArray(S, in, a + 8 * lda);
        FloatVector v9 = FloatVector.fromArray(S, in, a + 9 * lda);
        FloatVector v10 = FloatVector.fromArray(S, in, a + 10 * lda);
        FloatVector v11 = FloatVector.fromArray(S, in, a + 11 * lda);
        FloatVector v12 = FloatVector.fromArray(S, in, a + 12 * lda);
        FloatVector v13 = FloatVector.fromArray(S, in, a + 13 * lda);
        FloatVector v14 = FloatVector.fromArray(S, in, a + 14 * lda);
        FloatVector v15 = FloatVector.fromArray(S, in, a + 15 * lda);
        FloatVector lo = LOW0, hi = HIGH0, t;
        t = lo.selectFrom(v0, v8); v8 = hi.selectFrom(v0, v8); v0 = t;
        t = lo.selectFrom(v1, v9); v9 = hi.selectFrom(v1, v9); v1 = t;
        t = lo.selectFrom(v2, v10); v10 = hi.selectFrom(v2, v10); v2 = t;
        t = lo.selectFrom(v3, v11); v11 = hi.selectFrom(v3, v11); v3 = t;
        t = lo.selectFrom(v4, v12); v12 = hi.selectFrom(v4, v12); v4 = t;
        t = lo.selectFrom(v5, v13); v13 = hi.selectFrom(v5, v13); v5 = t;
        t = lo.selectFrom(v6, v14); v14 = hi.selectFrom(v6, v14); v6 = t;
        t = lo.selectFrom(v7, v15); v15 = hi.selectFrom(v7, v15); v7 = t;
        lo = LOW1;
        hi = HIGH1;
        t = lo.selectFrom(v0, v4); v4 = hi.selectFrom(v0, v4); v0 = t;
        t = lo.selectFrom(v1, v5); v5 = hi.selectFrom(v1, v5); v1 = t;
        t = lo.selectFrom(v2, v6); v6 = hi.selectFrom(v2, v6); v2 = t;
        t = lo.selectFrom(v3, v7); v7 = hi.selectFrom(v3, v7); v3 = t;
        t = lo.selectFrom(v8, v12); v12 = hi.selectFrom(v8, v12); v8 = t;
        t = lo.selectFrom(v9, v13); v13 = hi.selectFrom(v9, v13); v9 = t;
        t = lo.selectFrom(v10, v14); v14 = hi.selectFrom(v10, v14); v10 = t;
        t = lo.selectFrom(v11, v15); v15 = hi.selectFrom(v11, v15); v11 = t;
        lo = LOW2;
        hi = HIGH2;
        t = lo.selectFrom(v0, v2); v2 = hi.selectFrom(v0, v2); v0 = t;
        t = lo.selectFrom(v1, v3); v3 = hi.selectFrom(v1, v3); v1 = t;
        t = lo.selectFrom(v4, v6); v6 = hi.selectFrom(v4, v6); v4 = t;
        t = lo.selectFrom(v5, v7); v7 = hi.selectFrom(v5, v7); v5 = t;
        t = lo.selectFrom(v8, v10); v10 = hi.selectFrom(v8, v10); v8 = t;
        t = lo.selectFrom(v9, v11); v11 = hi.selectFrom(v9, v11); v9 = t;
        t = lo.selectFrom(v12, v14); v14 = hi.selectFrom(v12, v14); v12 = t;
        t = lo.selectFrom(v13, v15); v15 = hi.selectFrom(v13, v15); v13 = t;
        lo = LOW3;
        hi = HIGH3;
        t = lo.selectFrom(v0, v1); v1 = hi.selectFrom(v0, v1); v0 = t;
        t = lo.selectFrom(v2, v3); v3 = hi.selectFrom(v2, v3); v2 = t;
        t = lo.selectFrom(v4, v5); v5 = hi.selectFrom(v4, v5); v4 = t;
        t = lo.selectFrom(v6, v7); v7 = hi.selectFrom(v6, v7); v6 = t;
        t = lo.selectFrom(v8, v9); v9 = hi.selectFrom(v8, v9); v8 = t;
        t = lo.selectFrom(v10, v11); v11 = hi.selectFrom(v10, v11); v10 = t;
        t = lo.selectFrom(v12, v13); v13 = hi.selectFrom(v12, v13); v12 = t;
        t = lo.selectFrom(v14, v15); v15 = hi.selectFrom(v14, v15); v14 = t;
        v0.intoArray(out, o);
        v1.intoArray(out, o + ldo);
        v2.intoArray(out, o + 2 * ldo);
        v3.intoArray(out, o + 3 * ldo);
        v4.intoArray(out, o + 4 * ldo);
        v5.intoArray(out, o + 5 * ldo);
        v6.intoArray(out, o + 6 * ldo);
        v7.intoArray(out, o + 7 * ldo);
        v8.intoArray(out, o + 8 * ldo);
        v9.intoArray(out, o + 9 * ldo);
        v10.intoArray(out, o + 10 * ldo);
        v11.intoArray(out, o + 11 * ldo);
        v12.intoArray(out, o + 12 * ldo);
        v13.intoArray(out, o + 13 * ldo);
        v14.intoArray(out, o + 14 * ldo);
        v15.intoArray(out, o + 15 * ldo);
    }

    private static void block8(float[] out, int o, int ldo, float[] in, int a, int lda) {
        FloatVector v0 = FloatVector.fromArray(S, in, a);
        FloatVector v1 = FloatVector.fromArray(S, in, a + lda);
        FloatVector v2 = FloatVector.fromArray(S, in, a + 2 * lda);
        FloatVector v3 = FloatVector.fromArray(S, in, a + 3 * lda);
        FloatVector v4 = FloatVector.fromArray(S, in, a + 4 * lda);
        FloatVector v5 = FloatVector.fromArray(S, in, a + 5 * lda);
        FloatVector v6 = FloatVector.fromArray(S, in, a + 6 * lda);
        FloatVector v7 = FloatVector.fromArray(S, in, a + 7 * lda);
        FloatVector lo = LOW0, hi = HIGH0, t;
        t = lo.selectFrom(v0, v4); v4 = hi.selectFrom(v0, v4); v0 = t;
        t = lo.selectFrom(v1, v5); v5 = hi.selectFrom(v1, v5); v1 = t;
        t = lo.selectFrom(v2, v6); v6 = hi.selectFrom(v2, v6); v2 = t;
        t = lo.selectFrom(v3, v7); v7 = hi.selectFrom(v3, v7); v3 = t;
        lo = LOW1;
        hi = HIGH1;
        t = lo.selectFrom(v0, v2); v2 = hi.selectFrom(v0, v2); v0 = t;
        t = lo.selectFrom(v1, v3); v3 = hi.selectFrom(v1, v3); v1 = t;
        t = lo.selectFrom(v4, v6); v6 = hi.selectFrom(v4, v6); v4 = t;
        t = lo.selectFrom(v5, v7); v7 = hi.selectFrom(v5, v7); v5 = t;
        lo = LOW2;
        hi = HIGH2;
        t = lo.selectFrom(v0, v1); v1 = hi.selectFrom(v0, v1); v0 = t;
        t = lo.selectFrom(v2, v3); v3 = hi.selectFrom(v2, v3); v2 = t;
        t = lo.selectFrom(v4, v5); v5 = hi.selectFrom(v4, v5); v4 = t;
        t = lo.selectFrom(v6, v7); v7 = hi.selectFrom(v6, v7); v6 = t;
        v0.intoArray(out, o);
        v1.intoArray(out, o + ldo);
        v2.intoArray(out, o + 2 * ldo);
        v3.intoArray(out, o + 3 * ldo);
        v4.intoArray(out, o + 4 * ldo);
        v5.intoArray(out, o + 5 * ldo);
        v6.intoArray(out, o + 6 * ldo);
        v7.intoArray(out, o + 7 * ldo);
    }
}
