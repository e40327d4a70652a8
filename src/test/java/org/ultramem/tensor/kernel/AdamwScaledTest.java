package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.ultramem.tensor.kernel.KernelAsserts.assertClose;
import static org.ultramem.tensor.kernel.KernelAsserts.random;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Kernels#adamwScaled}, the one-pass row update of the lazy optimizer, must leave the bits
 * of the five passes it replaces (scale param, m, v and grad, then adamw) in each twin, at sizes
 * around the vector width and with scales of 1 (no catch-up, no clip) as a no-op; grad is left
 * unscaled.
 */
class AdamwScaledTest {

    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();
    private static final int[] SIZES = {1, 7, 15, 16, 17, 31, 32, 33, 64, 127, 128, 129, 257};

    /** The vector twin against the scalar one (they agree to rounding, as adamw's twins do). */
    @Test
    void vectorMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int n : SIZES) {
            float[] p = random(rnd, n + 3);
            float[] g = random(rnd, n + 3);
            float[] m = random(rnd, n + 3);
            float[] v = KernelAsserts.abs(random(rnd, n + 3));
            float[][] s = {p.clone(), m.clone(), v.clone()};
            float[][] x = {p.clone(), m.clone(), v.clone()};
            SCALAR.adamwScaled(s[0], g, s[1], s[2], 3, n, 0.4f, 0.99f, 0.8f, 0.9f, 1e-2f, 0.9f,
                    0.95f, 1e-8f, 0.1f, 0.19f, 0.0975f);
            VECTOR.adamwScaled(x[0], g, x[1], x[2], 3, n, 0.4f, 0.99f, 0.8f, 0.9f, 1e-2f, 0.9f,
                    0.95f, 1e-8f, 0.1f, 0.19f, 0.0975f);
            float[] tol = new float[n + 3];
            java.util.Arrays.fill(tol, 1e-2f);
            assertClose("adamwScaled param n=" + n, s[0], x[0], tol, 1e-5);
            assertClose("adamwScaled m n=" + n, s[1], x[1], null, 1e-6);
            assertClose("adamwScaled v n=" + n, s[2], x[2], null, 1e-6);
        }
    }

    @Test
    void equalsScalingFirstThenAdamwBitForBit() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (Kernels k : List.of(SCALAR, VECTOR)) {
            for (int n : SIZES) {
                for (float[] s : new float[][] {{0.37f, 0.98f, 0.81f, 0.9f}, {1f, 1f, 1f, 1f}}) {
                    float[] p = random(rnd, n + 3);
                    float[] g = random(rnd, n + 3);
                    float[] m = random(rnd, n + 3);
                    float[] v = KernelAsserts.abs(random(rnd, n + 3));
                    float[] gRef = g.clone();
                    float[][] ref = {p.clone(), m.clone(), v.clone()};
                    k.scale(gRef, 3, s[0], n);
                    k.scale(ref[0], 3, s[1], n);
                    k.scale(ref[1], 3, s[2], n);
                    k.scale(ref[2], 3, s[3], n);
                    k.adamw(ref[0], gRef, ref[1], ref[2], 3, n, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f,
                            0.19f, 0.0975f);
                    float[] gIn = g.clone();
                    k.adamwScaled(p, gIn, m, v, 3, n, s[0], s[1], s[2], s[3], 1e-2f, 0.9f,
                            0.95f, 1e-8f, 0.1f, 0.19f, 0.0975f);
                    String what = k + " n=" + n + " scales " + s[0];
                    assertArrayEquals(ref[0], p, what + ": param");
                    assertArrayEquals(ref[1], m, what + ": m");
                    assertArrayEquals(ref[2], v, what + ": v");
                    assertArrayEquals(g, gIn, what + ": grad must stay unscaled");
                }
            }
        }
    }
}
