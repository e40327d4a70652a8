package org.ultramem.nn.memory;

import org.ultramem.tensor.kernel.Kernels;

/**
 * Tucker-decomposed query-key retrieval (TDQKR) with multi-core scoring (MCS) for one token and
 * one head, after the coarse top-m per side (spec §A.3 steps 7-9, §B.2 steps 3-4).
 *
 * <p>Shapes (per token-head): A, Bc [m][r] exact rank-component scores of the row/column
 * candidates; C_t [r][r] the cores of this head; the m×m grid is flattened row-major
 * (f = a·m + c). Forward:
 * <pre>
 *   G[a,c]   = A[a] · C_sum · Bc[c]ᵀ              (ranking only; C_sum = Σ_t C_t)
 *   sel      = argtop_k(G)                          (descending, ties lower f first)
 *   w_t[j]   = A[a_j] · C_t · Bc[c_j]ᵀ              (per-core weights; raw, no normalization)
 * </pre>
 * With {@code tdqkr} off (PKM scoring, r = T = 1): G[a,c] = A[a] + Bc[c] and w = G. With
 * {@code softmaxWeights}: w_j = softmax over the k selected G values (T = 1).
 *
 * <p>Backward, from dw_t: dA[a] += dw_t·C_t·Bc[c]ᵀ, dBc[c] += dw_tᵀ·A[a]·C_t,
 * dC_t += A[a]ᵀ·dw_t·Bc[c] (only the k selected cells carry gradient; the summed grid only ranks).
 * With softmax: dG_j = w_j·(dw_j − Σ_i w_i·dw_i) first. PKM: dA[a] += dG, dBc[c] += dG.
 *
 * <p>Instances are immutable; per-thread scratch comes from {@link #newScratch()}. The decode
 * engine ({@code infer.UltraMemDecoder}) calls the same {@link #forward}, so training and
 * inference select and weight identically.
 */
public final class TuckerRetrieval {

    private final int m;
    private final int k;
    private final int r;
    private final int cores;
    private final boolean tdqkr;
    private final boolean softmax;
    private final Kernels kern;

    /** The grid step of {@code cfg} on {@code kern} (its top-k). */
    public TuckerRetrieval(UltraMemConfig cfg, Kernels kern) {
        this.m = cfg.candidates();
        this.k = cfg.topK();
        this.r = cfg.tuckerRank();
        this.cores = cfg.tuckerCores();
        this.tdqkr = cfg.tdqkr();
        this.softmax = cfg.softmaxWeights();
        this.kern = kern;
    }

    /**
     * Tucker scoring with raw per-core weights (tdqkr on, no softmax) for m candidates per side,
     * k final picks, rank r and T cores: the scoring of {@link UltraMemV2Layer} (v2 spec
     * §3.6-§3.7).
     */
    TuckerRetrieval(int m, int k, int r, int cores, Kernels kern) {
        this.m = m;
        this.k = k;
        this.r = r;
        this.cores = cores;
        this.tdqkr = true;
        this.softmax = false;
        this.kern = kern;
    }

    /** Scratch for one thread: the m×m grid, A·C products, Bc transposed and top-k scores. */
    public float[] newScratch() {
        return new float[m * m + 2 * m * r + k];
    }

    /**
     * Scores the grid and selects the final top-k for one token-head.
     *
     * @param sel      out: selected flat cells f, [k] at selOff
     * @param selScore out: their summed grid scores, [k] at selOff
     * @param w        out: per-core weights, [k][T] at wOff
     * @param exact    A at aOff and Bc at bOff, each [m][r]
     * @param coreSum  C_sum of this head, [r][r] at csOff
     * @param coreData C_t of all heads, [T][H·r·r]; this head's core at ctOff
     */
    public void forward(int[] sel, float[] selScore, int selOff, float[] w, int wOff,
                 float[] exact, int aOff, int bOff, float[] coreSum, int csOff,
                 float[][] coreData, int ctOff, float[] scratch) {
        int gridLen = m * m;
        int acOff = gridLen;
        if (tdqkr) {
            // AC = A·C_sum [m][r], Bc transposed to [r][m]; then each grid row is r axpys over
            // contiguous c (C2 vectorizes them), summed over s in the same order as a dot.
            int btOff = acOff + m * r;
            for (int a = 0; a < m; a++) {
                for (int s = 0; s < r; s++) {
                    float acc = 0;
                    for (int p = 0; p < r; p++) {
                        acc += exact[aOff + a * r + p] * coreSum[csOff + p * r + s];
                    }
                    scratch[acOff + a * r + s] = acc;
                    scratch[btOff + s * m + a] = exact[bOff + a * r + s];
                }
            }
            for (int a = 0; a < m; a++) {
                int row = a * m;
                float x0 = scratch[acOff + a * r];
                for (int c = 0; c < m; c++) {
                    scratch[row + c] = x0 * scratch[btOff + c];
                }
                for (int s = 1; s < r; s++) {
                    float xs = scratch[acOff + a * r + s];
                    int bt = btOff + s * m;
                    for (int c = 0; c < m; c++) {
                        scratch[row + c] += xs * scratch[bt + c];
                    }
                }
            }
        } else {
            for (int a = 0; a < m; a++) {
                float ra = exact[aOff + a];
                for (int c = 0; c < m; c++) {
                    scratch[a * m + c] = ra + exact[bOff + c];
                }
            }
        }
        kern.topK(scratch, 0, gridLen, k, sel, selOff, selScore, selOff);
        if (softmax) {
            float max = selScore[selOff];
            double sum = 0;
            for (int j = 0; j < k; j++) {
                sum += Math.exp(selScore[selOff + j] - max);
            }
            for (int j = 0; j < k; j++) {
                w[wOff + j] = (float) (Math.exp(selScore[selOff + j] - max) / sum);
            }
            return;
        }
        for (int j = 0; j < k; j++) {
            int f = sel[selOff + j];
            int a = f / m;
            int c = f - a * m;
            for (int t = 0; t < cores; t++) {
                w[wOff + j * cores + t] = tdqkr
                        ? bilinear(exact, aOff + a * r, coreData[t], ctOff, exact, bOff + c * r)
                        : scratch[f];
            }
        }
    }

    /** x · C · yᵀ for r-vectors x, y and an r×r matrix C. */
    private float bilinear(float[] x, int xOff, float[] c, int cOff, float[] y, int yOff) {
        float acc = 0;
        for (int p = 0; p < r; p++) {
            float row = 0;
            for (int s = 0; s < r; s++) {
                row += c[cOff + p * r + s] * y[yOff + s];
            }
            acc += x[xOff + p] * row;
        }
        return acc;
    }

    /**
     * Backward for one token-head: adds into dExact (dA at aOff, dBc at bOff, [m][r] each) and
     * dCore ([T][r][r] at dcOff, this token's private slice) from dw ([k][T] at wOff).
     */
    void backward(float[] dExact, float[] dCore, int dcOff, float[] dw, float[] w, int wOff,
                  int[] sel, int selOff, float[] exact, int aOff, int bOff,
                  float[][] coreData, int ctOff) {
        float dot = 0;
        if (softmax) {
            for (int j = 0; j < k; j++) {
                dot += w[wOff + j] * dw[wOff + j];
            }
        }
        for (int j = 0; j < k; j++) {
            int f = sel[selOff + j];
            int a = f / m;
            int c = f - a * m;
            int ai = aOff + a * r;
            int ci = bOff + c * r;
            for (int t = 0; t < cores; t++) {
                float g = dw[wOff + j * cores + t];
                if (softmax) {
                    g = w[wOff + j] * (g - dot);
                }
                if (g == 0) {
                    continue;
                }
                if (!tdqkr) {
                    dExact[ai] += g;
                    dExact[ci] += g;
                    continue;
                }
                float[] ct = coreData[t];
                int dct = dcOff + t * r * r;
                for (int p = 0; p < r; p++) {
                    float cb = 0;
                    float ac = 0;
                    for (int s = 0; s < r; s++) {
                        cb += ct[ctOff + p * r + s] * exact[ci + s];
                        ac += exact[ai + s] * ct[ctOff + s * r + p];
                    }
                    dExact[ai + p] += g * cb;
                    dExact[ci + p] += g * ac;
                    float ga = g * exact[ai + p];
                    for (int s = 0; s < r; s++) {
                        dCore[dct + p * r + s] += ga * exact[ci + s];
                    }
                }
            }
        }
    }
}
