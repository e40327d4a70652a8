package org.ultramem.nn.memory;

import java.util.Arrays;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The UltraMemV2 row/column key-balance loss of one UltraMem layer ({@code key_balance_coef} β;
 * ultramem-v2-spec §4, official {@code ultramem_layer_v2.py} L380-396, paper §3.6 Eq. 18-20), on
 * the coarse scores c [B, H, n] of each side (side 0 rows with u, side 1 columns with v) and the
 * top-m candidate sets I [B, H, m]:
 * <pre>
 *   p̃[b,h,:] = softmax_i c[b,h,:]              p_i = (1/(B·H)) Σ_{b,h} p̃[b,h,i]
 *   f_i = #{(b,h,α): I[b,h,α] = i} / (B·H·m)     L_side = n · Σ_i p_i f_i    (f: no gradient)
 *   L = L_row + L_col                            (2 when every key is used equally)
 *   ∂L_side/∂c[b,h,i] = n/(B·H) · p̃[b,h,i] · (f_i − Σ_j p̃[b,h,j] f_j)
 * </pre>
 * Key i of every head is pooled into one p_i and f_i, as the released code does. The loss is
 * computed on training forwards only, and its gradient is scaled like the LM loss of the
 * micro-batch (1/grad_accum), so β weighs the mean over micro-batches; the released code injects
 * β once per forward call, i.e. β·grad_accum relative to the batch-mean LM loss (v2 spec
 * §4). The coarse
 * scores live in the layer's chunked buffer ({@link #rowOffset}); {@link #forward} replaces each
 * row by p̃ in place (the layer reads the scores no more after its forward) and
 * {@link #backward} then replaces p̃ by ∂(scale·L)/∂c and carries it into the queries and the
 * folded keys. Sums over tokens run per fixed block of
 * tokens and then over blocks in order, so results do not depend on the thread count.
 */
final class KeyBalanceLoss {

    private final int n;
    private final int heads;
    private final int m;
    private final int chunk;
    /** f per side [2][n] of the last forward. */
    private final double[] freq;
    /** Per-block sums of p̃ [blocks][2][n]. */
    private final double[] blockSums;

    /** chunk: tokens per block of the layer's coarse buffer. */
    KeyBalanceLoss(UltraMemConfig cfg, int maxTokens, int chunk) {
        this.n = cfg.keysPerSide();
        this.heads = cfg.heads();
        this.m = cfg.candidates();
        this.chunk = chunk;
        this.freq = new double[2 * n];
        this.blockSums = new double[((maxTokens + chunk - 1) / chunk) * 2 * n];
    }

    /**
     * Offset of the coarse row (b, side, head h) in the layer's buffer: blocks of {@code chunk}
     * tokens, each [side][rows][H·n].
     */
    static int rowOffset(int b, int side, int h, int tokens, int heads, int n, int chunk) {
        int b0 = b / chunk * chunk;
        int rows = Math.min(tokens, b0 + chunk) - b0;
        return 2 * b0 * heads * n + (side * rows + b - b0) * heads * n + h * n;
    }

    private int row(int b, int side, int h, int tokens) {
        return rowOffset(b, side, h, tokens, heads, n, chunk);
    }

    /**
     * L = L_row + L_col of one forward. coarse: the layer's chunked coarse scores (replaced by
     * p̃); cand [B][H][2][m]. A NaN score makes its row's p̃ and the loss NaN.
     */
    double forward(Kernels kern, float[] coarse, int[] cand, int tokens) {
        Arrays.fill(freq, 0);
        int entries = tokens * heads * 2 * m;
        for (int e = 0; e < entries; e++) {
            int side = e / m % 2;
            freq[side * n + cand[e]]++;
        }
        double perSide = (double) tokens * heads * m;
        for (int i = 0; i < freq.length; i++) {
            freq[i] /= perSide;
        }
        int blocks = (tokens + chunk - 1) / chunk;
        Parallel.forRange(blocks, 1, (c0, c1) -> {
            for (int c = c0; c < c1; c++) {
                double[] sums = new double[2 * n];
                for (int b = c * chunk; b < Math.min(tokens, (c + 1) * chunk); b++) {
                    for (int side = 0; side < 2; side++) {
                        // The H rows of (b, side) are adjacent: one call, vector exp.
                        int off = row(b, side, 0, tokens);
                        kern.softmaxRows(coarse, off, heads, n);
                        for (int h = 0; h < heads; h++) {
                            for (int i = 0; i < n; i++) {
                                sums[side * n + i] += coarse[off + h * n + i];
                            }
                        }
                    }
                }
                System.arraycopy(sums, 0, blockSums, c * 2 * n, 2 * n);
            }
        });
        double loss = 0;
        for (int side = 0; side < 2; side++) {
            for (int i = 0; i < n; i++) {
                double p = 0;
                for (int c = 0; c < blocks; c++) {
                    p += blockSums[c * 2 * n + side * n + i];
                }
                loss += p / ((double) tokens * heads) * freq[side * n + i];
            }
        }
        return n * loss;
    }

    /**
     * Backward of scale·L through c = q̂·K_foldᵀ. dqHat [B, Q·2·D_k] and dFold [2][H][n][D_k]
     * (+=); coarse: the p̃ rows {@link #forward} left (overwritten with dc); kFold [2][H][n][D_k]
     * and qHat [B, Q·2·D_k] of that forward. Per block of tokens and side: dq̂ += dc·K_fold,
     * dK_fold += dcᵀ·q̂ (one GEMM over all H·n keys when the heads share the query); blocks in
     * token order within a side.
     */
    void backward(Kernels kern, float[] dqHat, float[] dFold, float[] coarse, float[] kFold,
                  float[] qHat, int querySlots, int dk, int tokens, double scale) {
        gradient(coarse, tokens, scale);
        int qWidth = querySlots * 2 * dk;
        int ldc = heads * n;
        // The two sides write disjoint columns of dq̂ and disjoint halves of dK_fold: one thread
        // per side, each walking its blocks in token order (the GEMMs of a 64-token block are
        // too small to split well).
        Parallel.forRange(2, 1, (s0, s1) -> {
            for (int side = s0; side < s1; side++) {
                for (int b0 = 0; b0 < tokens; b0 += chunk) {
                    int rows = Math.min(tokens, b0 + chunk) - b0;
                    for (int h = 0; h < heads; h += (querySlots == 1 ? heads : 1)) {
                        int cols = querySlots == 1 ? heads * n : n;
                        int cOff = rowOffset(b0, side, h, tokens, heads, n, chunk);
                        int qOff = b0 * qWidth + (h % querySlots * 2 + side) * dk;
                        int fOff = (side * heads + h) * n * dk;
                        kern.matmul(false, false, rows, dk, cols, coarse, cOff, ldc, kFold, fOff,
                                dk, dqHat, qOff, qWidth, true);
                        kern.matmul(true, false, cols, dk, rows, coarse, cOff, ldc, qHat, qOff,
                                qWidth, dFold, fOff, dk, true);
                    }
                }
            }
        });
    }

    /** In place over the rows {@link #forward} left: p̃ ← dc = ∂(scale·L)/∂c (class doc). */
    private void gradient(float[] coarse, int tokens, double scale) {
        double k = scale * n / ((double) tokens * heads);
        Parallel.forRange(tokens, 8, (start, end) -> {
            for (int b = start; b < end; b++) {
                for (int side = 0; side < 2; side++) {
                    for (int h = 0; h < heads; h++) {
                        int off = row(b, side, h, tokens);
                        double pf = 0;
                        for (int i = 0; i < n; i++) {
                            pf += coarse[off + i] * freq[side * n + i];
                        }
                        for (int i = 0; i < n; i++) {
                            coarse[off + i] = (float) (k * coarse[off + i]
                                    * (freq[side * n + i] - pf));
                        }
                    }
                }
            }
        });
    }
}
