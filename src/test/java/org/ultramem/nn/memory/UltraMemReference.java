package org.ultramem.nn.memory;

/**
 * A direct double-precision transcription of spec §A.3 for one layer with a frozen selection:
 * the grid cells z chosen by a float forward are replayed, everything else (queries, norms, exact
 * rank scores, core weights, softmax, IVE pooling, projection) is recomputed in double from the
 * layer's current float parameters. With the selection fixed the function is smooth, so central
 * differences on it are an accurate oracle for the float backward. The remedies that change the
 * forward are transcribed too: query BatchNorm (batch statistics when the layer is in training
 * mode, running ones otherwise) and the output gate; {@link #balanceLoss} is the key-balance loss
 * with the selection frequencies frozen.
 */
final class UltraMemReference {

    private UltraMemReference() {
    }

    /** y [B, D] in double for the layer's parameters, input x and selection z [B][H·k]. */
    static double[] forward(UltraMemLayer l, float[] x, int tokens, int[] z) {
        UltraMemConfig c = l.config();
        int dModel = l.hiddenSize();
        int dk = c.keyDim();
        int dv = c.valueDim();
        int n = c.keysPerSide();
        int heads = c.heads();
        int r = c.tuckerRank();
        int cores = c.tuckerCores();
        int k = c.topK();
        int qs = c.querySlots();
        int chunk = dv / cores;
        int bigN = c.valueNum();
        int pw = c.valueExpand() * dv;
        float[] keys = l.parameter("keys").data;
        float[] values = l.parameter("values").data;
        double[] y = new double[tokens * dModel];
        double[][][] qAll = queries(l, x, tokens);
        for (int b = 0; b < tokens; b++) {
            double[][] qhat = qAll[b];
            double[] pooled = new double[pw];
            for (int h = 0; h < heads; h++) {
                int slot = h % qs;
                double[] g = new double[k];
                double[][] wt = new double[k][cores];
                for (int j = 0; j < k; j++) {
                    int cell = z[b * heads * k + h * k + j];
                    double[][] s = new double[2][r];
                    for (int side = 0; side < 2; side++) {
                        int i = side == 0 ? cell / n : cell % n;
                        for (int p = 0; p < r; p++) {
                            double[] kv = new double[dk];
                            for (int d = 0; d < dk; d++) {
                                kv[d] = keys[((((h * 2 + side) * n + i) * dk) + d) * r + p];
                            }
                            if (c.qkNorm()) {
                                rms(kv, l.parameter("keys_norm.weight").data, c.rmsEps());
                            }
                            for (int d = 0; d < dk; d++) {
                                s[side][p] += qhat[slot * 2 + side][d] * kv[d];
                            }
                        }
                    }
                    for (int t = 0; t < cores; t++) {
                        double w;
                        if (c.tdqkr()) {
                            float[] core = l.parameter("tucker_core." + t).data;
                            w = 0;
                            for (int p = 0; p < r; p++) {
                                for (int q = 0; q < r; q++) {
                                    w += s[0][p] * core[(h * r + p) * r + q] * s[1][q];
                                }
                            }
                        } else {
                            w = s[0][0] + s[1][0];
                        }
                        wt[j][t] = w;
                        g[j] += w;
                    }
                }
                if (c.softmaxWeights()) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (double v : g) {
                        max = Math.max(max, v);
                    }
                    double sum = 0;
                    for (double v : g) {
                        sum += Math.exp(v - max);
                    }
                    for (int j = 0; j < k; j++) {
                        wt[j][0] = Math.exp(g[j] - max) / sum;
                    }
                }
                for (int j = 0; j < k; j++) {
                    int vi = l.shuffleIndex()[z[b * heads * k + h * k + j]];
                    int p = vi / bigN;
                    int row = vi % bigN;
                    for (int t = 0; t < cores; t++) {
                        for (int d = t * chunk; d < (t + 1) * chunk; d++) {
                            pooled[p * dv + d] += wt[j][t] * values[row * dv + d];
                        }
                    }
                }
            }
            if (c.outputProjection()) {
                float[] wo = l.parameter("values_proj.weight").data;
                for (int o = 0; o < dModel; o++) {
                    double acc = 0;
                    for (int e = 0; e < pw; e++) {
                        acc += wo[o * pw + e] * pooled[e];
                    }
                    y[b * dModel + o] = acc;
                }
            } else {
                System.arraycopy(pooled, 0, y, b * dModel, dModel);
            }
            gate(l, x, b, y);
        }
        return y;
    }

    /** q̂ [B][Q·2][D_k]: projection, query BatchNorm (if on), per-half RMSNorm (if qk_norm). */
    static double[][][] queries(UltraMemLayer l, float[] x, int tokens) {
        UltraMemConfig c = l.config();
        int dModel = l.hiddenSize();
        int dk = c.keyDim();
        int rows = c.querySlots() * 2;
        float[] wq = l.parameter("query_proj.weight").data;
        double[][][] q = new double[tokens][rows][dk];
        for (int b = 0; b < tokens; b++) {
            for (int row = 0; row < rows; row++) {
                for (int d = 0; d < dk; d++) {
                    double acc = 0;
                    for (int e = 0; e < dModel; e++) {
                        acc += (double) wq[(row * dk + d) * dModel + e] * x[b * dModel + e];
                    }
                    q[b][row][d] = acc;
                }
            }
        }
        if (c.remedies().queryBatchNorm()) {
            batchNorm(l, q, tokens, rows, dk);
        }
        for (int b = 0; b < tokens && c.qkNorm(); b++) {
            for (int row = 0; row < rows; row++) {
                rms(q[b][row], l.parameter("query_norm.weight").data, c.rmsEps());
            }
        }
        return q;
    }

    /** BatchNorm per channel (row·D_k + d) over the tokens: batch or running statistics. */
    private static void batchNorm(UltraMemLayer l, double[][][] q, int tokens, int rows, int dk) {
        float[] gamma = l.parameter("query_bn.weight").data;
        float[] beta = l.parameter("query_bn.bias").data;
        for (int row = 0; row < rows; row++) {
            for (int d = 0; d < dk; d++) {
                int j = row * dk + d;
                double mean = l.queryBatchNormRunningMean()[j];
                double var = l.queryBatchNormRunningVar()[j];
                if (l.isTraining()) {
                    mean = 0;
                    for (int b = 0; b < tokens; b++) {
                        mean += q[b][row][d] / tokens;
                    }
                    var = 0;
                    for (int b = 0; b < tokens; b++) {
                        var += (q[b][row][d] - mean) * (q[b][row][d] - mean) / tokens;
                    }
                }
                double rstd = 1 / Math.sqrt(var + QueryBatchNorm.EPS);
                for (int b = 0; b < tokens; b++) {
                    q[b][row][d] = gamma[j] * (q[b][row][d] - mean) * rstd + beta[j];
                }
            }
        }
    }

    /** The output gate on y[b] (no-op without one). */
    private static void gate(UltraMemLayer l, float[] x, int b, double[] y) {
        String kind = l.config().remedies().outputGate();
        int dModel = l.hiddenSize();
        if (kind.equals(RetrievalRemedies.GATE_SCALE)) {
            float[] g = l.parameter("output_scale").data;
            for (int d = 0; d < dModel; d++) {
                y[b * dModel + d] *= g[d];
            }
        } else if (kind.equals(RetrievalRemedies.GATE_SILU)) {
            float[] w = l.parameter("output_gate.weight").data;
            for (int o = 0; o < dModel; o++) {
                double a = 0;
                for (int e = 0; e < dModel; e++) {
                    a += (double) w[o * dModel + e] * x[b * dModel + e];
                }
                y[b * dModel + o] *= a / (1 + Math.exp(-a));
            }
        }
    }

    /**
     * Key-balance loss L_row + L_col (v2 spec §4) in double, with the selection frequencies
     * frozen: freq [2][n] (side-major), as the layer's candidate sets give them.
     */
    static double balanceLoss(UltraMemLayer l, float[] x, int tokens, double[] freq) {
        UltraMemConfig c = l.config();
        int dk = c.keyDim();
        int n = c.keysPerSide();
        int heads = c.heads();
        int r = c.tuckerRank();
        int qs = c.querySlots();
        float[] keys = l.parameter("keys").data;
        double[][][] q = queries(l, x, tokens);
        double loss = 0;
        for (int side = 0; side < 2; side++) {
            double[] p = new double[n];
            for (int h = 0; h < heads; h++) {
                float[] w = side == 0 ? l.tuckerU() : l.tuckerV();
                double[][] fold = new double[n][dk];
                for (int i = 0; i < n; i++) {
                    for (int rho = 0; rho < r; rho++) {
                        double[] kv = new double[dk];
                        for (int d = 0; d < dk; d++) {
                            kv[d] = keys[((((h * 2 + side) * n + i) * dk) + d) * r + rho];
                        }
                        if (c.qkNorm()) {
                            rms(kv, l.parameter("keys_norm.weight").data, c.rmsEps());
                        }
                        double wr = c.tdqkr() ? w[h * r + rho] : 1;
                        for (int d = 0; d < dk; d++) {
                            fold[i][d] += wr * kv[d];
                        }
                    }
                }
                for (int b = 0; b < tokens; b++) {
                    double[] s = new double[n];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int i = 0; i < n; i++) {
                        for (int d = 0; d < dk; d++) {
                            s[i] += q[b][h % qs * 2 + side][d] * fold[i][d];
                        }
                        max = Math.max(max, s[i]);
                    }
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        s[i] = Math.exp(s[i] - max);
                        sum += s[i];
                    }
                    for (int i = 0; i < n; i++) {
                        p[i] += s[i] / sum / ((double) tokens * heads);
                    }
                }
            }
            for (int i = 0; i < n; i++) {
                loss += n * p[i] * freq[side * n + i];
            }
        }
        return loss;
    }

    /** Selection frequencies f [2][n] of the layer's last forward (its candidate sets). */
    static double[] frequencies(UltraMemLayer l, int tokens) {
        UltraMemConfig c = l.config();
        int n = c.keysPerSide();
        int m = c.candidates();
        int[] cand = l.candidates();
        double[] f = new double[2 * n];
        int entries = tokens * c.heads() * 2 * m;
        for (int e = 0; e < entries; e++) {
            f[(e / m % 2) * n + cand[e]] += 1.0 / ((double) tokens * c.heads() * m);
        }
        return f;
    }

    private static void rms(double[] v, float[] weight, float eps) {
        double ss = 0;
        for (double a : v) {
            ss += a * a;
        }
        double rstd = 1 / Math.sqrt(ss / v.length + eps);
        for (int d = 0; d < v.length; d++) {
            v[d] = v[d] * rstd * weight[d];
        }
    }
}
