package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.ultramem.testing.GradCheck;

class SwiGluTest {

    private static final int ROWS = 6;
    private static final int D = 5;
    private static final int I = 7;

    private static SwiGlu layer(SplittableRandom rnd) {
        SwiGlu f = new SwiGlu("mlp.", D, I, ROWS, SwiGlu.Grads.allocate(ROWS, I));
        for (Linear lin : new Linear[] {f.gateProj, f.upProj, f.downProj}) {
            LayerFixtures.randomize(lin.weight, rnd, 0.8);
        }
        return f;
    }

    @Test
    void forwardMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(1);
        SwiGlu f = layer(rnd);
        float[] x = LayerFixtures.random(rnd, ROWS * D, 1);
        float[] out = new float[ROWS * D];
        f.forward(out, x, ROWS);
        for (int r = 0; r < ROWS; r++) {
            double[] act = new double[I];
            for (int j = 0; j < I; j++) {
                double g = 0;
                double u = 0;
                for (int c = 0; c < D; c++) {
                    g += (double) x[r * D + c] * f.gateProj.weight.data[j * D + c];
                    u += (double) x[r * D + c] * f.upProj.weight.data[j * D + c];
                }
                act[j] = g / (1 + Math.exp(-g)) * u;
            }
            for (int o = 0; o < D; o++) {
                double s = 0;
                for (int j = 0; j < I; j++) {
                    s += act[j] * f.downProj.weight.data[o * I + j];
                }
                assertEquals(s, out[r * D + o], 1e-5, "out[" + r + "," + o + "]");
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(2);
        SwiGlu f = layer(rnd);
        float[] x = LayerFixtures.random(rnd, ROWS * D, 1);
        float[] probe = LayerFixtures.random(rnd, ROWS * D, 1);
        float[] out = new float[ROWS * D];
        float[] dX = new float[ROWS * D];
        f.forward(out, x, ROWS);
        f.backward(dX, probe, x, ROWS);
        DoubleSupplier loss = () -> {
            f.forward(out, x, ROWS);
            return LayerFixtures.probe(out, probe, out.length);
        };
        // A float forward: per-entry checks at a fixed tolerance sat at 0.8-0.94 of it, varying
        // with the vector width, so the tolerance comes from the measured loss noise instead.
        GradCheck.NoiseOptions o = GradCheck.NoiseOptions.defaults();
        GradCheck.checkNoiseAware("x", x, dX, loss, o);
        for (Linear lin : new Linear[] {f.gateProj, f.upProj, f.downProj}) {
            GradCheck.checkNoiseAware(lin.weight.name, lin.weight.data, lin.weight.grad, loss, o);
        }
    }
}
