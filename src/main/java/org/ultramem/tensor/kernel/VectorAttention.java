package org.ultramem.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal self-attention for {@link VectorKernels}, written as per-(batch, head) packed GEMMs:
 * scores = Q·Kᵀ, out = P·V, and in backward dP = dO·Vᵀ, dV += Pᵀ·dO, dQ += dS·K, dK += dSᵀ·Q.
 * The GEMMs also compute the masked upper triangle (2x the useful work), which still beats
 * dot-product loops by far since the packed kernel runs ~4x faster than a dot loop.
 *
 * <p>Threads split over (batch, head) pairs, each owning its columns of the outputs; the GEMMs
 * inside run single-threaded (nested {@link Parallel} calls run inline), or multi-threaded when
 * there is only one pair.
 */
final class VectorAttention {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();

    private VectorAttention() {
    }

    /** Shapes as {@link Kernels#causalAttentionForward}; arguments already checked. */
    static void forward(float[] out, float[] probs, float[] q, float[] k, float[] v,
                        int batch, int seq, int heads, int headDim) {
        int stride = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forRange(batch * heads, 1, (bh0, bh1) -> {
            for (int bh = bh0; bh < bh1; bh++) {
                int off = (bh / heads) * seq * stride + (bh % heads) * headDim;
                int pOff = bh * seq * seq;
                Gemm.matmul(false, true, seq, seq, headDim, q, off, stride, k, off, stride,
                        probs, pOff, seq, false);
                for (int i = 0; i < seq; i++) {
                    int row = pOff + i * seq;
                    VectorRows.scale(probs, row, i + 1, scale);
                    VectorRows.softmax(probs, row, i + 1);
                    Arrays.fill(probs, row + i + 1, row + seq, 0f);
                }
                Gemm.matmul(false, false, seq, headDim, seq, probs, pOff, seq, v, off, stride,
                        out, off, stride, false);
            }
        });
    }

    /** Shapes as {@link Kernels#causalAttentionBackward}; arguments already checked. */
    static void backward(float[] dq, float[] dk, float[] dv, float[] dOut, float[] probs,
                         float[] q, float[] k, float[] v,
                         int batch, int seq, int heads, int headDim) {
        int stride = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forRange(batch * heads, 1, (bh0, bh1) -> {
            float[] dS = new float[seq * seq];
            for (int bh = bh0; bh < bh1; bh++) {
                int off = (bh / heads) * seq * stride + (bh % heads) * headDim;
                int pOff = bh * seq * seq;
                // dP = dO·Vᵀ, then in place dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale.
                Gemm.matmul(false, true, seq, seq, headDim, dOut, off, stride, v, off, stride,
                        dS, 0, seq, false);
                for (int i = 0; i < seq; i++) {
                    softmaxBackwardRow(dS, i * seq, probs, pOff + i * seq, i + 1, scale);
                    Arrays.fill(dS, i * seq + i + 1, (i + 1) * seq, 0f);
                }
                Gemm.matmul(true, false, seq, headDim, seq, probs, pOff, seq, dOut, off, stride,
                        dv, off, stride, true);
                Gemm.matmul(false, false, seq, headDim, seq, dS, 0, seq, k, off, stride,
                        dq, off, stride, true);
                Gemm.matmul(true, false, seq, headDim, seq, dS, 0, seq, q, off, stride,
                        dk, off, stride, true);
            }
        });
    }

    /** d[j] = p[j]·(d[j] − Σ p·d)·scale for j < n, over d[dBase..], p[pBase..]. */
    private static void softmaxBackwardRow(float[] d, int dBase, float[] p, int pBase, int n,
            float scale) {
        float rowDot = VectorKernels.dotBody(p, pBase, d, dBase, n);
        int j = 0;
        if (n >= 2 * L) {
            for (; j <= n - L; j += L) {
                FloatVector.fromArray(S, d, dBase + j).sub(rowDot)
                        .mul(FloatVector.fromArray(S, p, pBase + j)).mul(scale)
                        .intoArray(d, dBase + j);
            }
        }
        for (; j < n; j++) {
            d[dBase + j] = (d[dBase + j] - rowDot) * p[pBase + j] * scale;
        }
    }
}
