package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.ultramem.testing.GradCheck;

class AttentionTest {

    private static final int BATCH = 2;
    private static final int SEQ = 5;
    private static final int D = 8;
    private static final int HEADS = 2;
    private static final float THETA = 10000f;

    private static Attention layer(SplittableRandom rnd, int maxBatch, int maxSeq) {
        Attention a = new Attention("l.", D, HEADS, THETA, maxBatch, maxSeq,
                Attention.Grads.allocate(maxBatch * maxSeq, D));
        for (Linear lin : new Linear[] {a.qProj, a.kProj, a.vProj, a.oProj}) {
            LayerFixtures.randomize(lin.weight, rnd, 0.6);
        }
        return a;
    }

    @Test
    void forwardMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(1);
        Attention a = layer(rnd, BATCH, SEQ + 2);
        float[] x = LayerFixtures.random(rnd, BATCH * SEQ * D, 1);
        float[] out = new float[BATCH * SEQ * D];
        a.forward(out, x, BATCH, SEQ);
        double[] ref = reference(a, x, BATCH, SEQ);
        for (int i = 0; i < ref.length; i++) {
            assertEquals(ref[i], out[i], 1e-5, "out[" + i + "]");
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(2);
        Attention a = layer(rnd, BATCH, SEQ);
        float[] x = LayerFixtures.random(rnd, BATCH * SEQ * D, 1);
        float[] probe = LayerFixtures.random(rnd, BATCH * SEQ * D, 1);
        float[] out = new float[BATCH * SEQ * D];
        float[] dX = new float[BATCH * SEQ * D];
        a.forward(out, x, BATCH, SEQ);
        a.backward(dX, probe, x, BATCH, SEQ);
        DoubleSupplier loss = () -> {
            a.forward(out, x, BATCH, SEQ);
            return LayerFixtures.probe(out, probe, out.length);
        };
        // q/k gradients are small (softmax of small logits); a larger step keeps float rounding
        // of the loss well below the difference being measured.
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-2);
        GradCheck.check("x", x, dX, loss, o);
        for (Linear lin : new Linear[] {a.qProj, a.kProj, a.vProj, a.oProj}) {
            GradCheck.check(lin.weight.name, lin.weight.data, lin.weight.grad, loss, o);
        }
    }

    /** Plain double-precision attention with NeoX half-split RoPE, from the layer's weights. */
    static double[] reference(Attention a, float[] x, int batch, int seq) {
        int rows = batch * seq;
        int hd = D / HEADS;
        double[] q = project(x, a.qProj.weight.data, rows);
        double[] k = project(x, a.kProj.weight.data, rows);
        double[] v = project(x, a.vProj.weight.data, rows);
        for (int r = 0; r < rows; r++) {
            int pos = r % seq;
            for (int h = 0; h < HEADS; h++) {
                for (int i = 0; i < hd / 2; i++) {
                    double angle = pos * Math.pow(THETA, -2.0 * i / hd);
                    rotate(q, r * D + h * hd + i, hd / 2, angle);
                    rotate(k, r * D + h * hd + i, hd / 2, angle);
                }
            }
        }
        double[] ctx = new double[rows * D];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < HEADS; h++) {
                for (int t = 0; t < seq; t++) {
                    double[] w = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int s = 0; s <= t; s++) {
                        double dot = 0;
                        int qi = (b * seq + t) * D + h * hd;
                        int ki = (b * seq + s) * D + h * hd;
                        for (int c = 0; c < hd; c++) {
                            dot += q[qi + c] * k[ki + c];
                        }
                        w[s] = dot / Math.sqrt(hd);
                        max = Math.max(max, w[s]);
                    }
                    double sum = 0;
                    for (int s = 0; s <= t; s++) {
                        w[s] = Math.exp(w[s] - max);
                        sum += w[s];
                    }
                    int ci = (b * seq + t) * D + h * hd;
                    for (int s = 0; s <= t; s++) {
                        int vi = (b * seq + s) * D + h * hd;
                        for (int c = 0; c < hd; c++) {
                            ctx[ci + c] += w[s] / sum * v[vi + c];
                        }
                    }
                }
            }
        }
        double[] out = new double[rows * D];
        float[] wo = a.oProj.weight.data;
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < D; o++) {
                double s = 0;
                for (int i = 0; i < D; i++) {
                    s += ctx[r * D + i] * wo[o * D + i];
                }
                out[r * D + o] = s;
            }
        }
        return out;
    }

    private static double[] project(float[] x, float[] w, int rows) {
        double[] y = new double[rows * D];
        for (int r = 0; r < rows; r++) {
            for (int o = 0; o < D; o++) {
                double s = 0;
                for (int i = 0; i < D; i++) {
                    s += (double) x[r * D + i] * w[o * D + i];
                }
                y[r * D + o] = s;
            }
        }
        return y;
    }

    private static void rotate(double[] a, int i, int half, double angle) {
        double x1 = a[i];
        double x2 = a[i + half];
        a[i] = x1 * Math.cos(angle) - x2 * Math.sin(angle);
        a[i + half] = x1 * Math.sin(angle) + x2 * Math.cos(angle);
    }
}
