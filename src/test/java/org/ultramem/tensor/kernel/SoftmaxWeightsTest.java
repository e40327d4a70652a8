package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import org.junit.jupiter.api.Test;

class SoftmaxWeightsTest {

    @Test
    void expIsWithinTwoUlpOfMathExpAndZeroBelowTheNormals() {
        SplittableRandom rnd = new SplittableRandom(3);
        double worst = 0;
        for (int i = 0; i < 200_000; i++) {
            double d = i < 100_000 ? -rnd.nextDouble() * 708 : -rnd.nextDouble() * 2;
            double ref = Math.exp(d);
            worst = Math.max(worst, Math.abs(SoftmaxWeights.exp(d) - ref) / Math.ulp(ref));
        }
        assertTrue(worst <= 2, "worst error " + worst + " ulp");
        assertEquals(1.0, SoftmaxWeights.exp(0));
        assertEquals(1.0, SoftmaxWeights.exp(-0.0));
        assertEquals(0.0, SoftmaxWeights.exp(-708.5));
        assertEquals(0.0, SoftmaxWeights.exp(Double.NEGATIVE_INFINITY));
    }

    /** Every lane is the scalar reference bit for bit (so the vector width changes nothing). */
    @Test
    void vectorLanesEqualTheScalarExp() {
        SplittableRandom rnd = new SplittableRandom(4);
        int lanes = DoubleVector.SPECIES_PREFERRED.length();
        float[] x = new float[lanes * 2000];
        for (int i = 0; i < x.length; i++) {
            x[i] = i % 97 == 0 ? Float.NEGATIVE_INFINITY : (float) (-rnd.nextDouble() * 720);
        }
        x[1] = 0;
        double[] out = new double[x.length];
        SoftmaxWeights.weights(x, 0, x.length, 1, 0, out); // w = exp(x − 0), lanes all but a tail
        for (int i = 0; i < x.length; i++) {
            assertEquals(Double.doubleToRawLongBits(SoftmaxWeights.exp(x[i])),
                    Double.doubleToRawLongBits(out[i]), "exp(" + x[i] + ")");
        }
    }

    /**
     * Weights, sum, max (NaN with a NaN in the row) and the NaN search equal their plain-loop
     * definitions bit for bit over awkward lengths and offsets (vector body, scalar tail, rows
     * shorter than a vector).
     */
    @Test
    void rowsEqualThePlainLoopDefinition() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int n = 1; n < 70; n++) {
            for (int off : new int[] {0, 3}) {
                float[] x = new float[off + n];
                for (int i = 0; i < x.length; i++) {
                    x[i] = i % 11 == 5 ? Float.NEGATIVE_INFINITY : (float) rnd.nextGaussian() * 4;
                }
                double t = 0.3 + rnd.nextDouble();
                double max = Double.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, x[off + i] / t);
                }
                assertEquals(max, SoftmaxWeights.maxScaled(x, off, n, t), "n " + n);
                if (!Double.isFinite(max)) {
                    continue;
                }
                double[] want = new double[n];
                double[] part = new double[4];
                double tail = 0;
                for (int i = 0; i < n; i++) {
                    want[i] = SoftmaxWeights.exp(x[off + i] / t - max);
                    if (i < n / 4 * 4) {
                        part[i % 4] += want[i];
                    } else {
                        tail += want[i];
                    }
                }
                double[] w = new double[n];
                double sum = SoftmaxWeights.weights(x, off, n, t, max, w);
                for (int i = 0; i < n; i++) {
                    assertEquals(Double.doubleToRawLongBits(want[i]),
                            Double.doubleToRawLongBits(w[i]), "n " + n + " i " + i);
                }
                assertEquals((part[0] + part[1]) + (part[2] + part[3]) + tail, sum, 0.0);
                assertEquals(-1, SoftmaxWeights.firstNaN(x, off, n));
                int at = rnd.nextInt(n);
                x[off + at] = Float.NaN;
                assertEquals(at, SoftmaxWeights.firstNaN(x, off, n));
                assertTrue(Double.isNaN(SoftmaxWeights.maxScaled(x, off, n, t)), "NaN max");
            }
        }
    }
}
