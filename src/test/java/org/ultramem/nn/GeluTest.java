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
}
