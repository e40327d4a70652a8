package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

/** Test helpers for kernel comparisons: seeded random buffers and magnitude-scaled closeness. */
final class KernelAsserts {

    /**
     * Sizes that straddle vector widths (4, 8, 16 lanes), the scalar cut-off and unrolled bodies
     * of 512-bit species (32 and 64 floats), and the GEMM tile sizes.
     */
    static final int[] AWKWARD = {1, 15, 16, 17, 31, 33, 63, 65, 255, 256, 257};

    private KernelAsserts() {
    }

    static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        return x;
    }

    static float[] abs(float[] x) {
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.abs(x[i]);
        }
        return y;
    }

    /**
     * Asserts |expected − actual| ≤ tol · (|expected| + scale[i]) for every element, where
     * {@code scale} carries the magnitude of the terms summed into element i (null: no extra term),
     * so cancellation in a long sum does not turn rounding into a failure.
     */
    static void assertClose(String what, float[] expected, float[] actual, float[] scale,
            double tol) {
        if (expected.length != actual.length) {
            fail(what + ": lengths differ " + expected.length + " vs " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i];
            double a = actual[i];
            double bound = tol * (Math.abs(e) + (scale == null ? 1e-6 : scale[i]));
            if (!(Math.abs(e - a) <= bound) && !(Double.isNaN(e) && Double.isNaN(a)) && e != a) {
                fail(String.format("%s[%d]: expected %.8g, got %.8g (|diff| %.3g > %.3g)",
                        what, i, e, a, Math.abs(e - a), bound));
            }
        }
    }

    static void assertClose(String what, double expected, double actual, double tol) {
        if (!(Math.abs(expected - actual) <= tol * Math.max(1e-6, Math.abs(expected)))) {
            fail(String.format("%s: expected %.10g, got %.10g", what, expected, actual));
        }
    }
}
