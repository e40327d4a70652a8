package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.ultramem.tensor.kernel.KernelAsserts.random;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The scalar reference against formulas evaluated independently in double precision. */
class ScalarKernelsTest {

    private static final Kernels K = KernelProvider.scalar();

    @Test
    void dotAndSumOfSquaresMatchDouble() {
        SplittableRandom rnd = new SplittableRandom(1);
        float[] a = random(rnd, 300);
        float[] b = random(rnd, 300);
        double dot = 0;
        double ss = 0;
        for (int i = 5; i < 290; i++) {
            dot += (double) a[i] * b[i - 3];
            ss += (double) a[i] * a[i];
        }
        assertEquals(dot, K.dot(a, 5, b, 2, 285), 1e-5);
        assertEquals(ss, K.sumOfSquares(a, 5, 285), 1e-9);
    }

    @Test
    void rmsNormMatchesDoubleFormula() {
        SplittableRandom rnd = new SplittableRandom(2);
        int rows = 3;
        int dim = 37;
        float[] x = random(rnd, rows * dim);
        float[] w = random(rnd, dim);
        float[] out = new float[rows * dim];
        float[] rstd = new float[rows];
        K.rmsNormForward(out, rstd, x, w, rows, dim, 1e-5f);
        for (int r = 0; r < rows; r++) {
            double ms = 0;
            for (int i = 0; i < dim; i++) {
                ms += (double) x[r * dim + i] * x[r * dim + i];
            }
            double rs = 1 / Math.sqrt(ms / dim + 1e-5);
            assertEquals(rs, rstd[r], 1e-6 * rs);
            for (int i = 0; i < dim; i++) {
                assertEquals(x[r * dim + i] * rs * w[i], out[r * dim + i], 1e-6);
            }
        }
    }

    @Test
    void softmaxRowsSumToOneAndMatchDouble() {
        float[] x = {1f, 2f, 3f, 1000f, 1000f, -1000f};
        K.softmaxRows(x, 0, 2, 3);
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(1) / z, x[0], 1e-7);
        assertEquals(Math.exp(3) / z, x[2], 1e-7);
        // Large logits do not overflow: the row max is subtracted first.
        assertArrayEquals(new float[] {0.5f, 0.5f, 0f}, new float[] {x[3], x[4], x[5]});
        assertEquals(1.0, x[0] + x[1] + x[2], 1e-6);
    }

    @Test
    void crossEntropyMatchesLogSumExpInDouble() {
        SplittableRandom rnd = new SplittableRandom(3);
        int rows = 3;
        int vocab = 11;
        float[] logits = random(rnd, rows * vocab);
        int[] targets = {4, -1, 10};
        double expected = 0;
        float[] grad = logits.clone();
        double loss = K.crossEntropyForwardBackward(grad, targets, rows, vocab, 0.5f);
        for (int r = 0; r < rows; r++) {
            if (targets[r] < 0) {
                for (int c = 0; c < vocab; c++) {
                    assertEquals(0f, grad[r * vocab + c], "ignored row gradient");
                }
                continue;
            }
            double z = 0;
            for (int c = 0; c < vocab; c++) {
                z += Math.exp(logits[r * vocab + c]);
            }
            expected += Math.log(z) - logits[r * vocab + targets[r]];
            for (int c = 0; c < vocab; c++) {
                double p = Math.exp(logits[r * vocab + c]) / z;
                double g = 0.5 * (p - (c == targets[r] ? 1 : 0));
                assertEquals(g, grad[r * vocab + c], 1e-6, "grad row " + r + " col " + c);
            }
        }
        assertEquals(expected, loss, 1e-5);
        assertEquals(expected, K.crossEntropyLoss(logits, targets, rows, vocab), 1e-5);
    }

    @Test
    void attentionMatchesNaiveDoubleComputation() {
        SplittableRandom rnd = new SplittableRandom(4);
        int batch = 2;
        int seq = 5;
        int heads = 2;
        int hd = 3;
        int stride = heads * hd;
        int act = batch * seq * stride;
        float[] q = random(rnd, act);
        float[] k = random(rnd, act);
        float[] v = random(rnd, act);
        float[] out = new float[act];
        float[] probs = random(rnd, batch * heads * seq * seq);
        K.causalAttentionForward(out, probs, q, k, v, batch, seq, heads, hd);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < seq; i++) {
                    double[] s = new double[i + 1];
                    double z = 0;
                    for (int j = 0; j <= i; j++) {
                        for (int d = 0; d < hd; d++) {
                            s[j] += (double) q[(b * seq + i) * stride + h * hd + d] * k[(b * seq
                                    + j) * stride + h * hd + d];
                        }
                        s[j] = Math.exp(s[j] / Math.sqrt(hd));
                        z += s[j];
                    }
                    int pRow = ((b * heads + h) * seq + i) * seq;
                    for (int j = 0; j < seq; j++) {
                        assertEquals(j <= i ? s[j] / z : 0, probs[pRow + j], 1e-6, "probs");
                    }
                    for (int d = 0; d < hd; d++) {
                        double o = 0;
                        for (int j = 0; j <= i; j++) {
                            o += s[j] / z * v[(b * seq + j) * stride + h * hd + d];
                        }
                        assertEquals(o, out[(b * seq + i) * stride + h * hd + d], 1e-6, "out");
                    }
                }
            }
        }
    }

    @Test
    void ropeMatchesFormulaAndInverseUndoesIt() {
        SplittableRandom rnd = new SplittableRandom(5);
        int tokens = 4;
        int heads = 2;
        int hd = 8;
        float[] x = random(rnd, tokens * heads * hd);
        int[] pos = {0, 1, 5, 300};
        float[] y = x.clone();
        K.rope(y, tokens, heads, hd, pos, 10000f, false);
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int base = (t * heads + h) * hd;
                for (int i = 0; i < hd / 2; i++) {
                    double angle = pos[t] * Math.pow(10000, -2.0 * i / hd);
                    double x1 = x[base + i];
                    double x2 = x[base + i + hd / 2];
                    assertEquals(x1 * Math.cos(angle) - x2 * Math.sin(angle), y[base + i], 1e-6);
                    assertEquals(x1 * Math.sin(angle) + x2 * Math.cos(angle), y[base + i + hd / 2],
                            1e-6);
                }
            }
        }
        K.rope(y, tokens, heads, hd, pos, 10000f, true);
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 1e-6, "inverse rope at " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> K.rope(new float[3], 1, 1, 3,
                new int[] {0}, 1e4f, false));
    }

    @Test
    void swigluMatchesDoubleFormula() {
        float[] gate = {-20f, -1f, 0f, 0.5f, 3f, 20f};
        float[] up = {1f, 2f, -1f, 4f, 0.5f, 1f};
        float[] out = new float[6];
        K.swigluForward(out, gate, up, 6);
        for (int i = 0; i < 6; i++) {
            double g = gate[i];
            assertEquals(g / (1 + Math.exp(-g)) * up[i], out[i], 1e-6);
        }
    }

    @Test
    void scatterAddAddsDuplicatesAndGatherCopies() {
        float[] table = {1, 2, 3, 4, 5, 6};
        float[] out = new float[6];
        K.gatherRows(out, table, new int[] {2, 0, 2}, 3, 2);
        assertArrayEquals(new float[] {5, 6, 1, 2, 5, 6}, out);
        float[] dTable = new float[6];
        K.scatterAddRows(dTable, new float[] {1, 1, 2, 2, 3, 3}, new int[] {1, 1, 0}, 3, 2);
        assertArrayEquals(new float[] {3, 3, 3, 3, 0, 0}, dTable);
    }

    @Test
    void adamwMatchesFormula() {
        float[] p = {0.5f, -1f, 2f};
        float[] g = {0.1f, -0.2f, 0f};
        float[] m = {0.01f, 0f, 0.3f};
        float[] v = {0.001f, 0.02f, 0.05f};
        float lr = 0.01f;
        float b1 = 0.9f;
        float b2 = 0.99f;
        float eps = 1e-8f;
        float wd = 0.1f;
        int t = 3;
        float bc1 = (float) (1 - Math.pow(b1, t));
        float bc2 = (float) (1 - Math.pow(b2, t));
        float[] p0 = p.clone();
        float[] m0 = m.clone();
        float[] v0 = v.clone();
        K.adamw(p, g, m, v, 1, 2, lr, b1, b2, eps, wd, bc1, bc2);
        assertEquals(p0[0], p[0], "entry before the offset untouched");
        for (int i = 1; i < 3; i++) {
            double mi = b1 * m0[i] + (1 - b1) * g[i];
            double vi = b2 * v0[i] + (1 - b2) * (double) g[i] * g[i];
            double pi = p0[i] - lr * (mi / bc1 / (Math.sqrt(vi / bc2) + eps) + wd * p0[i]);
            assertEquals(mi, m[i], 1e-7);
            assertEquals(vi, v[i], 1e-7);
            assertEquals(pi, p[i], 1e-6);
        }
    }
}
