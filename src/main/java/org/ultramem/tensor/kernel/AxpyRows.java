package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A chain of axpys into one row: y[d] += alpha[i]·x[xOffs[i] + d] for i &lt; count in list order
 * (entries with alpha 0 skipped when asked), d &lt; n. The backward passes of the memory layers
 * gather many rows into one gradient row this way (the pre-value input, a query from its
 * candidate keys, a key from the queries that chose it); one call per chain instead of one axpy
 * per row keeps y in registers across the chain and drops the per-row call.
 *
 * <p>Every element sees exactly the operations {@code count} calls of {@link Kernels#axpy} of
 * the same twin would do, in the same order: the vector twin equals repeated
 * {@link VectorKernels#axpy} bit for bit (fused multiply-add on the whole vectors when n ≥ 2
 * lanes, y + alpha·x on the tail) and the scalar twin equals repeated {@link ScalarKernels#axpy}.
 */
final class AxpyRows {

    private AxpyRows() {
    }

    /** The plain-loop twin: repeated {@link ScalarKernels#axpy}. */
    static void scalar(float[] y, int yOff, float[] alpha, int alphaOff, float[] x, int[] xOffs,
                       int count, int n, boolean skipZero) {
        check(y, yOff, alpha, alphaOff, x, xOffs, count, n);
        for (int i = 0; i < count; i++) {
            float a = alpha[alphaOff + i];
            if (skipZero && a == 0) {
                continue;
            }
            int xo = xOffs[i];
            for (int d = 0; d < n; d++) {
                y[yOff + d] += a * x[xo + d];
            }
        }
    }

    /** The Vector API twin: repeated {@link VectorKernels#axpy}, y held in registers. */
    static void vector(float[] y, int yOff, float[] alpha, int alphaOff, float[] x, int[] xOffs,
                       int count, int n, boolean skipZero) {
        check(y, yOff, alpha, alphaOff, x, xOffs, count, n);
        int lanes = VectorBody.L;
        int d = 0;
        if (n >= 2 * lanes) {
            for (; d <= n - 4 * lanes; d += 4 * lanes) {
                VectorBody.block4(y, yOff + d, alpha, alphaOff, x, xOffs, d, count, skipZero);
            }
            // Two vectors per pass over the rows: one pass instead of two for a 32-float row at
            // 16 lanes (V2 pre-values and key rows), with two independent fma chains.
            for (; d <= n - 2 * lanes; d += 2 * lanes) {
                VectorBody.block2(y, yOff + d, alpha, alphaOff, x, xOffs, d, count, skipZero);
            }
            for (; d <= n - lanes; d += lanes) {
                VectorBody.block1(y, yOff + d, alpha, alphaOff, x, xOffs, d, count, skipZero);
            }
        }
        for (; d < n; d++) {
            float acc = y[yOff + d];
            for (int i = 0; i < count; i++) {
                float a = alpha[alphaOff + i];
                if (skipZero && a == 0) {
                    continue;
                }
                acc += a * x[xOffs[i] + d];
            }
            y[yOff + d] = acc;
        }
    }

    private static void check(float[] y, int yOff, float[] alpha, int alphaOff, float[] x,
                              int[] xOffs, int count, int n) {
        if (count < 0 || n < 0 || count > xOffs.length) {
            throw new IllegalArgumentException("axpy rows: count " + count + ", n " + n
                    + ", offsets " + xOffs.length + ": need 0 <= count <= offsets and n >= 0");
        }
        if (count == 0 || n == 0) {
            return;
        }
        KernelChecks.range("axpy rows y", y, yOff, n);
        KernelChecks.range("axpy rows alpha", alpha, alphaOff, count);
        for (int i = 0; i < count; i++) {
            KernelChecks.range("axpy rows x", x, xOffs[i], n);
        }
    }

    /** Vector loops, in a nested class so the Vector API loads only when it is used. */
    private static final class VectorBody {
        static final VectorSpecies<Float> S = VectorKernels.SPECIES;
        static final int L = S.length();

        static void block4(float[] y, int yo, float[] alpha, int alphaOff, float[] x,
                           int[] xOffs, int d, int count, boolean skipZero) {
            FloatVector y0 = FloatVector.fromArray(S, y, yo);
            FloatVector y1 = FloatVector.fromArray(S, y, yo + L);
            FloatVector y2 = FloatVector.fromArray(S, y, yo + 2 * L);
            FloatVector y3 = FloatVector.fromArray(S, y, yo + 3 * L);
            for (int i = 0; i < count; i++) {
                float a = alpha[alphaOff + i];
                if (skipZero && a == 0) {
                    continue;
                }
                FloatVector va = FloatVector.broadcast(S, a);
                int xo = xOffs[i] + d;
                y0 = FloatVector.fromArray(S, x, xo).fma(va, y0);
                y1 = FloatVector.fromArray(S, x, xo + L).fma(va, y1);
                y2 = FloatVector.fromArray(S, x, xo + 2 * L).fma(va, y2);
                y3 = FloatVector.fromArray(S, x, xo + 3 * L).fma(va, y3);
            }
            y0.intoArray(y, yo);
            y1.intoArray(y, yo + L);
            y2.intoArray(y, yo + 2 * L);
            y3.intoArray(y, yo + 3 * L);
        }

        static void block2(float[] y, int yo, float[] alpha, int alphaOff, float[] x,
                           int[] xOffs, int d, int count, boolean skipZero) {
            FloatVector y0 = FloatVector.fromArray(S, y, yo);
            FloatVector y1 = FloatVector.fromArray(S, y, yo + L);
            for (int i = 0; i < count; i++) {
                float a = alpha[alphaOff + i];
                if (skipZero && a == 0) {
                    continue;
                }
                FloatVector va = FloatVector.broadcast(S, a);
                int xo = xOffs[i] + d;
                y0 = FloatVector.fromArray(S, x, xo).fma(va, y0);
                y1 = FloatVector.fromArray(S, x, xo + L).fma(va, y1);
            }
            y0.intoArray(y, yo);
            y1.intoArray(y, yo + L);
        }

        static void block1(float[] y, int yo, float[] alpha, int alphaOff, float[] x,
                           int[] xOffs, int d, int count, boolean skipZero) {
            FloatVector y0 = FloatVector.fromArray(S, y, yo);
            for (int i = 0; i < count; i++) {
                float a = alpha[alphaOff + i];
                if (skipZero && a == 0) {
                    continue;
                }
                y0 = FloatVector.fromArray(S, x, xOffs[i] + d).fma(FloatVector.broadcast(S, a), y0);
            }
            y0.intoArray(y, yo);
        }
    }
}
