package org.ultramem.nn;

/**
 * The exact (erf) GELU, {@code GELU(x) = x·Φ(x) = ½·x·(1 + erf(x/√2))}, and its derivative
 * {@code GELU'(x) = Φ(x) + x·φ(x)} with φ the standard normal density: PyTorch's
 * {@code F.gelu} default, not the tanh approximation. Scalar functions in double (they gate one
 * score per memory slot, not whole activations).
 *
 * <p>{@link #erf} sums the series
 * {@code erf(x) = 2/√π · e^(−x²) · Σ_n 2ⁿ·x^(2n+1) / (1·3·…·(2n+1))}, whose terms are all positive, so nothing cancels: relative error a few ulps for |x| ≤ 6; beyond
 * that erf is ±1 to double precision (1 − erf(6) = 2e−17). Non-finite values: erf(±∞) = ±1,
 * erf(NaN) = NaN; GELU(NaN) = NaN, GELU(+∞) = +∞, GELU(−∞) = NaN (as 0·∞ says).
 */
public final class Gelu {

    private static final double TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
    private static final double INV_SQRT_2 = 1 / Math.sqrt(2);
    private static final double INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
    /** Past this |x|, erf(x) rounds to ±1 in double. */
    private static final double ERF_SATURATES = 6;
    /** Most series terms needed below {@link #ERF_SATURATES} (97 just below |x| = 6). */
    private static final int MAX_TERMS = 160;
    /**
     * 2/(2n+3): the series ratio without a division in the loop (faster in a scratch timing on
     * the shared machine, 2026-11; the dividing loop is not kept).
     */
    private static final double[] RATIO = new double[MAX_TERMS];

    static {
        for (int n = 0; n < MAX_TERMS; n++) {
            RATIO[n] = 2.0 / (2 * n + 3);
        }
    }

    private Gelu() {
    }

    /** The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt. */
    public static double erf(double x) {
        if (Double.isNaN(x)) {
            return x;
        }
        double a = Math.abs(x);
        if (a >= ERF_SATURATES) {
            return Math.copySign(1.0, x);
        }
        double x2 = a * a;
        double term = a;
        double sum = a;
        // Term n+1 = term n · 2x² / (2n+3).
        for (int n = 0; n < MAX_TERMS; n++) {
            term *= x2 * RATIO[n];
            sum += term;
            if (term < sum * 1e-17) {
                break;
            }
        }
        return Math.copySign(TWO_OVER_SQRT_PI * Math.exp(-x2) * sum, x);
    }

    /**
     * erf(x/√2) of x = x[off + i], i &lt; n, into {@code out[outOff + i]}, each the bits of
     * {@code erf(x·(1/√2))}: the {@link #forwardFromErf} and {@link #derivativeFromErf}
     * argument. Four series run side by side, so their dependent multiply-add chains overlap
     * (one series is a chain of ~20 multiply-adds); each keeps its own terms and stopping point.
     */
    public static void erfOfScaled(float[] x, int off, int n, double[] out, int outOff) {
        int i = 0;
        for (; i + 4 <= n; i += 4) {
            int o = off + i;
            erf4(x[o] * INV_SQRT_2, x[o + 1] * INV_SQRT_2, x[o + 2] * INV_SQRT_2,
                    x[o + 3] * INV_SQRT_2, out, outOff + i);
        }
        for (; i < n; i++) {
            out[outOff + i] = erf(x[off + i] * INV_SQRT_2);
        }
    }

    /** erf of four values into out[at .. at+4), each with {@link #erf}'s operations. */
    private static void erf4(double x0, double x1, double x2, double x3, double[] out, int at) {
        double a0 = Math.abs(x0);
        double a1 = Math.abs(x1);
        double a2 = Math.abs(x2);
        double a3 = Math.abs(x3);
        // A lane that needs no series (NaN, saturated) counts as done from the start.
        boolean d0 = !(a0 < ERF_SATURATES);
        boolean d1 = !(a1 < ERF_SATURATES);
        boolean d2 = !(a2 < ERF_SATURATES);
        boolean d3 = !(a3 < ERF_SATURATES);
        double q0 = a0 * a0;
        double q1 = a1 * a1;
        double q2 = a2 * a2;
        double q3 = a3 * a3;
        double t0 = a0;
        double t1 = a1;
        double t2 = a2;
        double t3 = a3;
        double s0 = a0;
        double s1 = a1;
        double s2 = a2;
        double s3 = a3;
        for (int n = 0; n < MAX_TERMS && !(d0 && d1 && d2 && d3); n++) {
            double r = RATIO[n];
            if (!d0) {
                t0 *= q0 * r;
                s0 += t0;
                d0 = t0 < s0 * 1e-17;
            }
            if (!d1) {
                t1 *= q1 * r;
                s1 += t1;
                d1 = t1 < s1 * 1e-17;
            }
            if (!d2) {
                t2 *= q2 * r;
                s2 += t2;
                d2 = t2 < s2 * 1e-17;
            }
            if (!d3) {
                t3 *= q3 * r;
                s3 += t3;
                d3 = t3 < s3 * 1e-17;
            }
        }
        out[at] = finish(x0, a0, q0, s0);
        out[at + 1] = finish(x1, a1, q1, s1);
        out[at + 2] = finish(x2, a2, q2, s2);
        out[at + 3] = finish(x3, a3, q3, s3);
    }

    /** {@link #erf}'s result from its series sum s over |x| = a, x² = q (or its early exits). */
    private static double finish(double x, double a, double q, double s) {
        if (Double.isNaN(x)) {
            return x;
        }
        if (a >= ERF_SATURATES) {
            return Math.copySign(1.0, x);
        }
        return Math.copySign(TWO_OVER_SQRT_PI * Math.exp(-q) * s, x);
    }

    /** GELU(x) = ½·x·(1 + erf(x/√2)). */
    public static double forward(double x) {
        return forwardFromErf(x, erf(x * INV_SQRT_2));
    }

    /** GELU(x) from e = erf(x/√2) ({@link #erfOfScaled}): the bits of {@link #forward}. */
    public static double forwardFromErf(double x, double e) {
        return 0.5 * x * (1 + e);
    }

    /** GELU'(x) = ½·(1 + erf(x/√2)) + x·e^(−x²/2)/√(2π). */
    public static double derivative(double x) {
        return derivativeFromErf(x, erf(x * INV_SQRT_2));
    }

    /** GELU'(x) from e = erf(x/√2): the bits of {@link #derivative}, one series fewer. */
    public static double derivativeFromErf(double x, double e) {
        return 0.5 * (1 + e) + x * INV_SQRT_2PI * Math.exp(-0.5 * x * x);
    }
}
