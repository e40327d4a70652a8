package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GeluTest {

    /** erf against CPython's {@code math.erf} (correctly rounded to within an ulp or two). */
    @Test
    void erfMatchesTabulatedValues() {
        double[][] table = {
            {0.0, 0.0}, {1e-3, 0.0011283787909692365}, {0.5, 0.5204998778130465},
            {1.0, 0.8427007929497149}, {2.0, 0.9953222650189527}, {3.0, 0.9999779095030014},
            {4.5, 0.9999999998033839}, {-1.5, -0.9661051464753108},
        };
        for (double[] row : table) {
            assertEquals(row[1], Gelu.erf(row[0]), 4e-16 * Math.max(1, Math.abs(row[1]) * 4),
                    "erf(" + row[0] + ")");
        }
        assertEquals(1.0, Gelu.erf(7.0));
        assertEquals(-1.0, Gelu.erf(Double.NEGATIVE_INFINITY));
        assertTrue(Double.isNaN(Gelu.erf(Double.NaN)));
    }

    @Test
    void geluIsTheExactErfForm() {
        assertEquals(0.0, Gelu.forward(0.0));
        assertEquals(0.8413447460685429, Gelu.forward(1.0), 1e-15);
        assertEquals(-0.15865525393145707, Gelu.forward(-1.0), 1e-15);
        // The tanh approximation gives 1.9545976940... at 2; the exact form 1.9544997361...
        assertEquals(1.9544997361036416, Gelu.forward(2.0), 1e-14);
        assertEquals(-1.4332578593401202e-06, Gelu.forward(-5.0), 1e-15);
    }

    @Test
    void derivativeMatchesCentralDifferences() {
        for (double x = -6; x <= 6; x += 0.37) {
            double h = 1e-5;
            double numeric = (Gelu.forward(x + h) - Gelu.forward(x - h)) / (2 * h);
            assertEquals(numeric, Gelu.derivative(x), 1e-9, "GELU'(" + x + ")");
        }
        assertEquals(0.5, Gelu.derivative(0.0), 1e-16);
    }

    /**
     * The batched erf of the V2 gate (four series side by side) and the from-erf GELU and GELU'
     * must give the bits of one {@link Gelu#forward} / {@link Gelu#derivative} per value,
     * including the early exits (NaN, saturation), zero (the series runs to its cap) and a tail
     * that is no multiple of four.
     */
    @Test
    void batchedErfAndFromErfFormsKeepTheBits() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(2);
        float[] x = new float[103];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * (i % 3 == 0 ? 4 : 0.7));
        }
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            9f, -8.5f, 1e-30f, 8.48f, -8.49f};
        System.arraycopy(special, 0, x, 5, special.length);
        double[] e = new double[x.length + 2];
        Gelu.erfOfScaled(x, 1, x.length - 1, e, 2);
        for (int i = 1; i < x.length; i++) {
            double xi = x[i];
            String what = "x = " + xi;
            assertEquals(Double.doubleToRawLongBits(Gelu.erf(xi * (1 / Math.sqrt(2)))),
                    Double.doubleToRawLongBits(e[i + 1]), what + ": erf");
            assertEquals(Double.doubleToRawLongBits(Gelu.forward(xi)),
                    Double.doubleToRawLongBits(Gelu.forwardFromErf(xi, e[i + 1])), what);
            assertEquals(Double.doubleToRawLongBits(Gelu.derivative(xi)),
                    Double.doubleToRawLongBits(Gelu.derivativeFromErf(xi, e[i + 1])), what);
        }
    }
}
