package org.ultramem.nn.memory;

import java.util.Arrays;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The key-balance loss of one UltraMemV2 layer (spec §4, official {@code ultramem_layer_v2.py}
 * L:380-396), on the coarse scores c [side][B][H·n] and the top-m candidates I [B][H][2][m]:
 * <pre>
 *   p̃[b,h,:] = softmax_i c[side][b][h,:]           p_i = (1/(B·H)) Σ_{b,h} p̃[b,h,i]
 *   f_i = #{(b,h,α): I[b,h,side,α] = i} / (B·H·m)    L_side = n · Σ_i p_i f_i   (f: no gradient)
 *   L_bal = L_row + L_col                            (2 when every key is used equally)
 *   ∂(s·L_bal)/∂c[side][b][h,i] = s · n/(B·H) · p̃[b,h,i] · (f_i − Σ_j p̃[b,h,j] f_j)
 * </pre>
 * Key i of every head is pooled into one p_i and f_i, as the reference does. The reference's
 * {@code AuxLossBackwardHook} adds β·∂L_bal once per forward call whatever dy is, so the layer
 * calls {@link #backward} with s = β (spec §4, §11.8).
 *
 * <p>{@link #softmax} turns a chunk of coarse rows into p̃ in place, after the layer's top-m has
 * read them (it runs inside the layer's parallel chunk loop, while the rows are in cache), and
 * sums the chunk in double; {@link #forward} adds the chunk sums in chunk order, so results do
 * not depend on the thread count. Non-finite scores propagate into the loss as NaN.
 */
final class UltraMemV2BalanceLoss {

    private final Kernels kern;
    private final int n;
    private final int heads;
    private final int m;
    /** f per side [2][n] of the last forward. */
    private final double[] freq;
    /** Σ over the tokens and heads of one block of p̃, per block [blocks][2][n]. */
    private final double[] partial;
    private double loss = Double.NaN;

    /** maxBlocks: the most token blocks (layer chunks) one forward has. */
    UltraMemV2BalanceLoss(UltraMemV2Geometry geo, Kernels kern, int maxBlocks) {
        this.kern = kern;
        this.n = geo.keysPerSide();
        this.heads = geo.config().heads();
        this.m = geo.config().knn();
        this.freq = new double[2 * n];
        this.partial = new double[maxBlocks * 2 * n];
    }

    /**
     * Replaces the coarse rows of tokens [b0, b0 + rows) by their softmax p̃, both sides, and
     * stores their sums over tokens and heads as the partial of block {@code block} (the layer's
     * fixed chunk of tokens, so the later reduction over blocks runs in a fixed order).
     */
    void softmax(float[] coarse, int block, int b0, int rows, int tokens) {
        int ld = heads * n;
        Arrays.fill(partial, block * 2 * n, (block + 1) * 2 * n, 0);
        for (int side = 0; side < 2; side++) {
            int off = (side * tokens + b0) * ld;
            kern.softmaxRows(coarse, off, rows * heads, n);
            int dst = (block * 2 + side) * n;
            for (int r = 0; r < rows * heads; r++) {
                for (int i = 0; i < n; i++) {
                    partial[dst + i] += coarse[off + r * n + i];
                }
            }
        }
    }

    /**
     * L_bal from the partial sums of {@code blocks} blocks (after {@link #softmax} on every token)
     * and the candidates; keeps f for {@link #backward}. Returns the loss.
     */
    double forward(int[] cand, int tokens, int blocks) {
        Arrays.fill(freq, 0);
        int entries = tokens * heads * 2 * m;
        for (int e = 0; e < entries; e++) {
            int side = e / m % 2;
            freq[side * n + cand[e]]++;
        }
        double perSide = (double) tokens * heads * m;
        double total = 0;
        for (int i = 0; i < 2 * n; i++) {
            freq[i] /= perSide;
            double p = 0;
            for (int block = 0; block < blocks; block++) {
                p += partial[block * 2 * n + i];
            }
            total += p / ((double) tokens * heads) * freq[i];
        }
        loss = n * total;
        return loss;
    }

    /** L_bal of the last {@link #forward} (NaN before any). */
    double loss() {
        return loss;
    }

    /**
     * dCoarse [side][tokens][H·n] = ∂(scale·L_bal)/∂c from p̃ (overwrites dCoarse; probs is
     * left unchanged).
     */
    void backward(float[] dCoarse, float[] probs, int tokens, double scale) {
        double coef = scale * n / ((double) tokens * heads);
        Parallel.forRange(tokens, 8, (b0, b1) -> {
            for (int side = 0; side < 2; side++) {
                for (int b = b0; b < b1; b++) {
                    for (int h = 0; h < heads; h++) {
                        int row = ((side * tokens + b) * heads + h) * n;
                        double mean = 0;
                        for (int i = 0; i < n; i++) {
                            mean += probs[row + i] * freq[side * n + i];
                        }
                        for (int i = 0; i < n; i++) {
                            dCoarse[row + i] = (float) (coef * probs[row + i]
                                    * (freq[side * n + i] - mean));
                        }
                    }
                }
            }
        });
    }
}
