package org.ultramem.nn.memory;

/**
 * A direct double-precision transcription of spec §A.3 for one layer with a frozen selection:
 * the grid cells z chosen by a float forward are replayed, everything else (queries, norms, exact
 * rank scores, core weights, softmax, IVE pooling, projection) is recomputed in double from the
 * layer's current float parameters. With the selection fixed the function is smooth, so central
 * differences on it are an accurate oracle for the float backward.
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
        float[] wq = l.parameter("query_proj.weight").data;
        float[] keys = l.parameter("keys").data;
        float[] values = l.parameter("values").data;
        double[] y = new double[tokens * dModel];
        for (int b = 0; b < tokens; b++) {
            double[][] qhat = new double[qs * 2][dk];
            for (int row = 0; row < qs * 2; row++) {
                for (int d = 0; d < dk; d++) {
                    double acc = 0;
                    for (int e = 0; e < dModel; e++) {
                        acc += (double) wq[(row * dk + d) * dModel + e] * x[b * dModel + e];
                    }
                    qhat[row][d] = acc;
                }
                if (c.qkNorm()) {
                    rms(qhat[row], l.parameter("query_norm.weight").data, c.rmsEps());
                }
            }
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
        }
        return y;
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
