package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.testing.GradCheck;

class RmsNormTest {

    private static final int ROWS = 4;
    private static final int DIM = 6;
    private static final float EPS = 1e-5f;

    @Test
    void forwardMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(1);
        RmsNorm norm = new RmsNorm("g", DIM, EPS, ROWS);
        for (int i = 0; i < DIM; i++) {
            assertEquals(1f, norm.weight.data[i], "gains start at 1");
        }
        LayerFixtures.randomize(norm.weight, rnd, 2);
        float[] x = LayerFixtures.random(rnd, ROWS * DIM, 3);
        float[] out = new float[ROWS * DIM];
        norm.forward(out, x, ROWS);
        for (int r = 0; r < ROWS; r++) {
            double ms = 0;
            for (int c = 0; c < DIM; c++) {
                ms += (double) x[r * DIM + c] * x[r * DIM + c];
            }
            double rstd = 1 / Math.sqrt(ms / DIM + EPS);
            for (int c = 0; c < DIM; c++) {
                assertEquals(x[r * DIM + c] * rstd * norm.weight.data[c], out[r * DIM + c], 1e-5);
            }
        }
        assertEquals(Parameter.Group.NO_DECAY, norm.weight.group);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(2);
        RmsNorm norm = new RmsNorm("g", DIM, EPS, ROWS);
        LayerFixtures.randomize(norm.weight, rnd, 2);
        float[] x = LayerFixtures.random(rnd, ROWS * DIM, 2);
        float[] probe = LayerFixtures.random(rnd, ROWS * DIM, 1);
        float[] out = new float[ROWS * DIM];
        float[] dX = new float[ROWS * DIM];
        norm.forward(out, x, ROWS);
        norm.backward(dX, probe, x, ROWS);
        java.util.function.DoubleSupplier loss = () -> {
            norm.apply(out, x, ROWS, new float[ROWS]);
            return LayerFixtures.probe(out, probe, out.length);
        };
        GradCheck.check("gain", norm.weight.data, norm.weight.grad, loss);
        GradCheck.check("x", x, dX, loss);
    }
}
