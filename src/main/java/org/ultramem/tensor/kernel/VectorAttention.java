package org.ultramem.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Causal self-attention for {@link VectorKernels}, written as per-(batch, head) packed GEMMs:
 * scores = Q·Kᵀ, out = P·V, and in backward dP = dO·Vᵀ, dV += Pᵀ·dO, dQ += dS·K, dK += dSᵀ·Q.
 * Rows are taken in blocks of {@link #BLOCK} queries, and each block multiplies only the keys at or
 * before its last query, so the masked upper triangle costs ~BLOCK/seq extra instead of 2x
 * (seq 256, BLOCK 48: 59% of the full-square work).
 *
 * <p>Threads split over (batch, head) pairs, each owning its columns of the outputs; the GEMMs
 * inside run single-threaded (nested {@link Parallel} calls run inline), or multi-threaded when
 * there is only one pair.
 */
final class VectorAttention {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();
    /** Query rows per causal block (a multiple of both micro-tile heights, 4 and 6). */
    static final int BLOCK = 48;

    private VectorAttention() {
    }

    /** Shapes as {@link Kernels#causalAttentionForward}; arguments already checked. */
    static void forward(float[] out, float[] probs, float[] q, float[] k, float[] v,
                        int batch, int seq, int heads, int headDim) {
        int stride = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forRange(batch * heads, 1, (bh0, bh1) -> {
            float[] kT = new float[headDim * seq];
            for (int bh = bh0; bh < bh1; bh++) {
                int off = (bh / heads) * seq * stride + (bh % heads) * headDim;
                int pOff = bh * seq * seq;
                transpose(kT, k, off, stride, seq, headDim);
                for (int i0 = 0; i0 < seq; i0 += BLOCK) {
                    int i1 = Math.min(seq, i0 + BLOCK);
                    // Rows [i0, i1) see keys [0, i1); the rest of each row is zero-filled below.
                    Gemm.matmul(false, false, i1 - i0, i1, headDim, q, off + i0 * stride, stride,
                            kT, 0, seq, probs, pOff + i0 * seq, seq, false);
                    for (int i = i0; i < i1; i++) {
                        int row = pOff + i * seq;
                        VectorRows.scale(probs, row, i + 1, scale);
                        VectorRows.softmax(probs, row, i + 1);
                        Arrays.fill(probs, row + i + 1, row + seq, 0f);
                    }
                    Gemm.matmul(false, false, i1 - i0, headDim, i1, probs, pOff + i0 * seq, seq,
                            v, off, stride, out, off + i0 * stride, stride, false);
                }
            }
        });
    }

    /**
     * Per-thread scratch of the backward (dS [seq, seq] and Vᵀ [hd, seq]), grown on demand and
     * reused: allocated per task they were ~5 MB of garbage per dense-256x6 training step. Every
     * element the backward reads it has first written, so stale contents do not matter.
     */
    private static final ThreadLocal<float[][]> SCRATCH =
            ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    private static float[] scratch(int which, int size) {
        float[][] buffers = SCRATCH.get();
        if (buffers[which].length < size) {
            buffers[which] = new float[size];
        }
        return buffers[which];
    }

    /** Shapes as {@link Kernels#causalAttentionBackward}; arguments already checked. */
    static void backward(float[] dq, float[] dk, float[] dv, float[] dOut, float[] probs,
                         float[] q, float[] k, float[] v,
                         int batch, int seq, int heads, int headDim) {
        int stride = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forRange(batch * heads, 1, (bh0, bh1) -> {
            float[] dS = scratch(0, seq * seq);
            float[] vT = scratch(1, headDim * seq);
            for (int bh = bh0; bh < bh1; bh++) {
                int off = (bh / heads) * seq * stride + (bh % heads) * headDim;
                int pOff = bh * seq * seq;
                transpose(vT, v, off, stride, seq, headDim);
                // Query blocks: dP = dO·Vᵀ, in place dS = P ⊙ (dP − rowsum(P ⊙ dP)) · scale, and
                // dQ += dS·K, each over the keys [0, i1) the block can see.
                for (int i0 = 0; i0 < seq; i0 += BLOCK) {
                    int i1 = Math.min(seq, i0 + BLOCK);
                    Gemm.matmul(false, false, i1 - i0, i1, headDim, dOut, off + i0 * stride,
                            stride, vT, 0, seq, dS, i0 * seq, seq, false);
                    for (int i = i0; i < i1; i++) {
                        softmaxBackwardRow(dS, i * seq, probs, pOff + i * seq, i + 1, scale);
                        Arrays.fill(dS, i * seq + i + 1, (i + 1) * seq, 0f);
                    }
                    Gemm.matmul(false, false, i1 - i0, headDim, i1, dS, i0 * seq, seq, k, off,
                            stride, dq, off + i0 * stride, stride, true);
                }
                // Key blocks: dV += Pᵀ·dO and dK += dSᵀ·Q over the queries [j0, seq) that see them.
                for (int j0 = 0; j0 < seq; j0 += BLOCK) {
                    int j1 = Math.min(seq, j0 + BLOCK);
                    Gemm.matmul(true, false, j1 - j0, headDim, seq - j0, probs,
                            pOff + j0 * seq + j0, seq, dOut, off + j0 * stride, stride,
                            dv, off + j0 * stride, stride, true);
                    Gemm.matmul(true, false, j1 - j0, headDim, seq - j0, dS, j0 * seq + j0, seq,
                            q, off + j0 * stride, stride, dk, off + j0 * stride, stride, true);
                }
            }
        });
    }

    /**
     * dst[d][t] = src[off + t·stride + d] for t < seq, d < headDim: one head's keys (or values) as
     * [headDim][seq], transposed once per (batch, head) so each causal block's GEMM packs B by
     * vector copies instead of re-transposing it (that re-packing cost about as much as the
     * block's multiply at headDim 64, seq 256).
     */
    private static void transpose(float[] dst, float[] src, int off, int stride, int seq,
                                  int headDim) {
        for (int t = 0; t < seq; t++) {
            int s = off + t * stride;
            for (int d = 0; d < headDim; d++) {
                dst[d * seq + t] = src[s + d];
            }
        }
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
