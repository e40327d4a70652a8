package org.ultramem.nn.memory;

import org.ultramem.nn.Gelu;

/**
 * A direct double-precision transcription of {@code ultramem-v2-spec.md} §3-§4 for one V2 layer
 * with a frozen selection: the grid cells z and the candidate counts f of a float forward are
 * replayed, everything else (queries, norms, rank scores, per-core weights, shuffle, rows, the
 * pre-value gate with GELU, pooling, projection and the balance loss's softmax) is recomputed in
 * double from the layer's and the holder's current float parameters. With the selection fixed the
 * function is smooth, so central differences on it are an accurate oracle for the float backward.
 */
final class UltraMemV2Reference {

    /** y [B, D] and the balance loss L_bal (NaN without frozen counts). */
    record Result(double[] y, double balanceLoss) {
    }

    private UltraMemV2Reference() {
    }

    /**
     * The layer's function at its current parameters for input x [B, D], grid cells z [B][H·k]
     * and, when {@code freq} [2][n] is not null, the balance loss with those frozen frequencies.
     */
    static Result forward(UltraMemV2Layer l, float[] x, int tokens, int[] z, double[] freq) {
        UltraMemV2Config c = l.config();
        UltraMemV2Geometry geo = l.geometry();
        int dModel = l.hiddenSize();
        int dk = c.keyDim();
        int dv = c.valueDim();
        int dp = c.preValueDim();
        int n = geo.keysPerSide();
        int heads = c.heads();
        int cores = c.tuckerCores();
        int k = c.knn();
        int chunk = dv / cores;
        int bigN = geo.valueNum();
        int all = geo.allValueNum();
        int off = geo.offset(l.layerId());
        float[] values = l.values().values().data;
        double[][][][][] kHat = normalizedKeys(l, heads, n, dk);
        double[] y = new double[tokens * dModel];
        double[] pSum = new double[2 * n];
        for (int b = 0; b < tokens; b++) {
            double[][] qHat = queries(l, x, b, dModel, dk);
            double[] pre = dp > 0 ? project(l.parameter("pre_values_proj.weight").data, x, b,
                    dp, dModel) : null;
            double[] pooled = new double[c.poolWidth()];
            for (int h = 0; h < heads; h++) {
                double[][][] s = new double[2][n][2];
                for (int side = 0; side < 2; side++) {
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < 2; j++) {
                            s[side][i][j] = dot(qHat[h / 2 * 2 + side], kHat[h][side][i][j]);
                        }
                    }
                }
                if (freq != null) {
                    addSoftmax(pSum, s, l.tuckerU(), l.tuckerV(), h, n);
                }
                for (int j = 0; j < k; j++) {
                    int slot = b * heads * k + h * k + j;
                    int cell = z[slot];
                    int v = l.shuffleIndex()[cell];
                    int block = c.valueExpand() == 1 ? 0 : v / bigN;
                    int row = (v % bigN + off) % all;
                    double gate = 1;
                    if (pre != null) {
                        double score = 0;
                        float[] table = l.values().preValues().data;
                        for (int d = 0; d < dp; d++) {
                            score += pre[d] * table[row * dp + d];
                        }
                        gate = c.gluAct() ? Gelu.forward(score) : score;
                    }
                    for (int t = 0; t < cores; t++) {
                        double w = gate * bilinear(s[0][cell / n], l.parameter("tucker_core." + t)
                                .data, h, s[1][cell % n]);
                        int src = row * dv + t * chunk;
                        for (int d = 0; d < chunk; d++) {
                            pooled[block * dv + t * chunk + d] += w * values[src + d];
                        }
                    }
                }
            }
            float[] wo = l.parameter("values_proj.weight").data;
            for (int o = 0; o < dModel; o++) {
                double acc = 0;
                for (int e = 0; e < pooled.length; e++) {
                    acc += wo[o * pooled.length + e] * pooled[e];
                }
                y[b * dModel + o] = acc;
            }
        }
        double loss = Double.NaN;
        if (freq != null) {
            loss = 0;
            for (int i = 0; i < 2 * n; i++) {
                loss += n * pSum[i] / ((double) tokens * heads) * freq[i];
            }
        }
        return new Result(y, loss);
    }

    /** f [2][n]: the candidate frequencies of the layer's last forward (spec §4). */
    static double[] frequencies(UltraMemV2Layer l, int tokens) {
        int n = l.geometry().keysPerSide();
        int heads = l.config().heads();
        int m = l.config().knn();
        double[] f = new double[2 * n];
        double share = 1.0 / ((double) tokens * heads * m);
        for (int b = 0; b < tokens; b++) {
            for (int h = 0; h < heads; h++) {
                for (int side = 0; side < 2; side++) {
                    for (int a = 0; a < m; a++) {
                        f[side * n + l.candidate(b, h, side, a)] += share;
                    }
                }
            }
        }
        return f;
    }

    /** K̂[h][side][i][j][d] = RMS over d of keys[h, side, i, :, j] ⊙ g_k. */
    private static double[][][][][] normalizedKeys(UltraMemV2Layer l, int heads, int n, int dk) {
        float[] keys = l.parameter("keys").data;
        float[] g = l.parameter("keys_norm.weight").data;
        double[][][][][] out = new double[heads][2][n][2][dk];
        for (int h = 0; h < heads; h++) {
            for (int side = 0; side < 2; side++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < 2; j++) {
                        double[] kv = out[h][side][i][j];
                        for (int d = 0; d < dk; d++) {
                            kv[d] = keys[((((h * 2 + side) * n + i) * dk) + d) * 2 + j];
                        }
                        rms(kv, g, l.config().rmsEps());
                    }
                }
            }
        }
        return out;
    }

    /** q̂ [4][D_k] of token b: W_q·x, RMS-normalised per D_k row. */
    private static double[][] queries(UltraMemV2Layer l, float[] x, int b, int dModel, int dk) {
        double[] flat = project(l.parameter("query_proj.weight").data, x, b, 4 * dk, dModel);
        double[][] q = new double[4][dk];
        for (int row = 0; row < 4; row++) {
            System.arraycopy(flat, row * dk, q[row], 0, dk);
            rms(q[row], l.parameter("query_norm.weight").data, l.config().rmsEps());
        }
        return q;
    }

    /** W [outDim, D] times x[b]. */
    private static double[] project(float[] w, float[] x, int b, int outDim, int dModel) {
        double[] out = new double[outDim];
        for (int o = 0; o < outDim; o++) {
            double acc = 0;
            for (int e = 0; e < dModel; e++) {
                acc += (double) w[o * dModel + e] * x[b * dModel + e];
            }
            out[o] = acc;
        }
        return out;
    }

    /** pSum[side·n + i] += softmax_i(Σ_j S[side][i][j]·w_j) for head h. */
    private static void addSoftmax(double[] pSum, double[][][] s, float[] u, float[] v, int h,
                                   int n) {
        for (int side = 0; side < 2; side++) {
            float[] w = side == 0 ? u : v;
            double[] c = new double[n];
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < n; i++) {
                c[i] = s[side][i][0] * w[h * 2] + s[side][i][1] * w[h * 2 + 1];
                max = Math.max(max, c[i]);
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                c[i] = Math.exp(c[i] - max);
                sum += c[i];
            }
            for (int i = 0; i < n; i++) {
                pSum[side * n + i] += c[i] / sum;
            }
        }
    }

    private static double bilinear(double[] a, float[] core, int h, double[] bc) {
        double w = 0;
        for (int p = 0; p < 2; p++) {
            for (int q = 0; q < 2; q++) {
                w += a[p] * core[(h * 2 + p) * 2 + q] * bc[q];
            }
        }
        return w;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static void rms(double[] v, float[] g, float eps) {
        double ss = 0;
        for (double e : v) {
            ss += e * e;
        }
        double r = 1 / Math.sqrt(ss / v.length + eps);
        for (int i = 0; i < v.length; i++) {
            v[i] = v[i] * r * g[i];
        }
    }
}
