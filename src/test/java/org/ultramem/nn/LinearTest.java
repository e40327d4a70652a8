package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.testing.GradCheck;

class LinearTest {

    private static final int ROWS = 5;
    private static final int IN = 7;
    private static final int OUT = 3;

    @Test
    void forwardMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(1);
        Linear lin = new Linear("w", IN, OUT);
        LayerFixtures.randomize(lin.weight, rnd, 1);
        float[] x = LayerFixtures.random(rnd, ROWS * IN, 1);
        float[] out = new float[ROWS * OUT];
        lin.forward(out, x, ROWS);
        for (int r = 0; r < ROWS; r++) {
            for (int o = 0; o < OUT; o++) {
                double s = 0;
                for (int i = 0; i < IN; i++) {
                    s += (double) x[r * IN + i] * lin.weight.data[o * IN + i];
                }
                assertEquals(s, out[r * OUT + o], 1e-5, "out[" + r + "," + o + "]");
            }
        }
        assertArrayEquals(new int[] {OUT, IN}, lin.weight.shape, "weights are stored [out, in]");
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(2);
        Linear lin = new Linear("w", IN, OUT);
        LayerFixtures.randomize(lin.weight, rnd, 1);
        float[] x = LayerFixtures.random(rnd, ROWS * IN, 1);
        float[] probe = LayerFixtures.random(rnd, ROWS * OUT, 1);
        float[] out = new float[ROWS * OUT];
        float[] dX = new float[ROWS * IN];
        lin.backward(dX, probe, x, ROWS);
        java.util.function.DoubleSupplier loss = () -> {
            lin.forward(out, x, ROWS);
            return LayerFixtures.probe(out, probe, ROWS * OUT);
        };
        GradCheck.check("weight", lin.weight.data, lin.weight.grad, loss);
        GradCheck.check("x", x, dX, loss);
    }

    @Test
    void backwardAddsIntoExistingGradients() {
        SplittableRandom rnd = new SplittableRandom(3);
        Linear lin = new Linear("w", IN, OUT);
        LayerFixtures.randomize(lin.weight, rnd, 1);
        float[] x = LayerFixtures.random(rnd, ROWS * IN, 1);
        float[] dOut = LayerFixtures.random(rnd, ROWS * OUT, 1);
        float[] dX = new float[ROWS * IN];
        lin.backward(dX, dOut, x, ROWS);
        float[] once = lin.weight.grad.clone();
        float[] dXOnce = dX.clone();
        lin.backward(dX, dOut, x, ROWS);
        for (int i = 0; i < once.length; i++) {
            assertEquals(2 * once[i], lin.weight.grad[i], 1e-5);
        }
        for (int i = 0; i < dX.length; i++) {
            assertEquals(2 * dXOnce[i], dX[i], 1e-5);
        }
    }
}
