package org.ultramem.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient oracle. Perturbs entries of a float buffer in place, re-evaluates a
 * scalar loss with central differences and compares with the analytic gradient.
 *
 * <p>Two kinds of check:
 * <ul>
 *   <li>{@link #check}: per entry, |analytic − numeric| ≤ tol · max(|analytic|, |numeric|, floor).
 *       For losses whose rounding noise is far below the gradients checked: the per-layer double
 *       references and small layers.
 *   <li>{@link #checkNoiseAware}: for losses computed by float forwards (whole models), whose
 *       rounding noise depends on the vector width and swamps the finite difference of small
 *       gradients. It measures the loss's noise σ (see {@link #lossNoise}), compares every
 *       sampled entry with a tolerance derived from it, and checks directional derivatives over
 *       the whole tensor (unit directions half along the analytic gradient, half random) with a
 *       step chosen so that the change of the loss stands far above σ. Both use Richardson
 *       extrapolation over steps h and h/2 so the O(h²) truncation error cancels. Per-entry
 *       comparisons catch a wrong entry that is larger than the noise; the directional ones catch
 *       systematic errors (a gradient scaled by 1.05) even when every single entry is
 *       noise-dominated ({@code GradCheckTest} shows both).
 * </ul>
 * Entries whose perturbation flips a discrete choice (top-k boundaries) should be excluded by the
 * caller with a small enough {@code eps}.
 */
public final class GradCheck {

    private GradCheck() {
    }

    /** Tolerances and sampling for one check. */
    public record Options(double eps, double tol, double floor, int maxEntries, long seed) {
        public static Options defaults() {
            return new Options(1e-3, 2e-2, 1e-3, 40, 42);
        }

        public Options withEps(double e) {
            return new Options(e, tol, floor, maxEntries, seed);
        }

        public Options withTol(double t) {
            return new Options(eps, t, floor, maxEntries, seed);
        }

        public Options withFloor(double f) {
            return new Options(eps, tol, f, maxEntries, seed);
        }

        public Options withMaxEntries(int n) {
            return new Options(eps, tol, floor, n, seed);
        }
    }

    /** Checks with default options; returns the worst relative error seen. */
    public static double check(String name, float[] x, float[] analytic, DoubleSupplier loss) {
        return check(name, x, analytic, loss, Options.defaults());
    }

    /**
     * Compares {@code analytic[i]} with (loss(x+eps·e_i) − loss(x−eps·e_i)) / 2eps on up to
     * {@code maxEntries} random entries (all entries when the buffer is smaller). Fails with the
     * tensor name, the index and both values on the first mismatch.
     */
    public static double check(String name, float[] x, float[] analytic, DoubleSupplier loss, Options o) {
        SplittableRandom rnd = new SplittableRandom(o.seed());
        int n = x.length;
        int count = Math.min(n, o.maxEntries());
        double worst = 0;
        for (int c = 0; c < count; c++) {
            int i = n <= o.maxEntries() ? c : rnd.nextInt(n);
            float saved = x[i];
            x[i] = (float) (saved + o.eps());
            double plus = loss.getAsDouble();
            x[i] = (float) (saved - o.eps());
            double minus = loss.getAsDouble();
            x[i] = saved;
            double numeric = (plus - minus) / (2 * o.eps());
            double a = analytic[i];
            double scale = Math.max(Math.max(Math.abs(a), Math.abs(numeric)), o.floor());
            double rel = Math.abs(a - numeric) / scale;
            worst = Math.max(worst, rel);
            if (!(rel <= o.tol())) {
                fail(String.format("gradient of %s[%d]: analytic %.6g vs numeric %.6g (rel %.3g > %.3g)",
                        name, i, a, numeric, rel, o.tol()));
            }
        }
        return worst;
    }

    /** Noise samples: probes of the loss at tiny symmetric perturbations of the whole tensor. */
    private static final int NOISE_PROBES = 8;
    /** Standard deviation of a Richardson estimate (4·D(h/2) − D(h))/3 per unit σ/h. */
    private static final double RICHARDSON_NOISE = Math.sqrt(32.5) / 3;

    /**
     * Options of {@link #checkNoiseAware}: per-entry step {@code eps}, relative tolerance
     * {@code rel} (of max(|analytic|, |numeric|)), noise allowance in standard deviations
     * {@code sigmas}, entries sampled, random directions, the largest directional step as a
     * fraction of the tensor's norm ({@code maxStep}), and the seed.
     */
    public record NoiseOptions(double eps, double rel, double sigmas, int maxEntries,
            int directions, double maxStep, long seed) {
        public static NoiseOptions defaults() {
            return new NoiseOptions(1e-2, 1e-2, 6, 30, 4, 0.05, 42);
        }

        public NoiseOptions withEps(double e) {
            return new NoiseOptions(e, rel, sigmas, maxEntries, directions, maxStep, seed);
        }

        public NoiseOptions withMaxEntries(int n) {
            return new NoiseOptions(eps, rel, sigmas, n, directions, maxStep, seed);
        }

        public NoiseOptions withDirections(int n) {
            return new NoiseOptions(eps, rel, sigmas, maxEntries, n, maxStep, seed);
        }

        public NoiseOptions withSeed(long s) {
            return new NoiseOptions(eps, rel, sigmas, maxEntries, directions, maxStep, s);
        }
    }

    /**
     * The rounding noise σ of {@code loss} near x: the standard deviation of loss minus its smooth
     * part. Along a Gaussian direction r, at a tiny s (1e-5 of the tensor's rms per unit of r, many
     * ulps of every entry), the second differences S(t) = L(x+t·r) − 2L(x) + L(x−t·r) at t = s and
     * 2s hold the same curvature times 1 and 4, so S(s) − S(2s)/4 is noise alone, with standard
     * deviation σ·√4.375. A loss that comes out of a float is quantized to its ulp, which tiny
     * probes cannot see, so σ is at least half that ulp (and a few double ulps for a loss computed
     * in double). x is restored.
     */
    public static double lossNoise(float[] x, DoubleSupplier loss, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed ^ 0x5DEECE66DL);
        float[] saved = x.clone();
        double center = loss.getAsDouble();
        double s = 1e-5 * Math.max(rms(x), 1e-3);
        double sumSq = 0;
        boolean floatValued = (float) center == center;
        for (int j = 0; j < NOISE_PROBES; j++) {
            double[] r = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                r[i] = rnd.nextGaussian();
            }
            double[] at = new double[4];
            double[] steps = {s, -s, 2 * s, -2 * s};
            for (int k = 0; k < 4; k++) {
                at[k] = evaluateAt(x, saved, r, steps[k], loss);
                floatValued &= (float) at[k] == at[k];
            }
            double noise = (at[0] + at[1] - 2 * center) - (at[2] + at[3] - 2 * center) / 4;
            sumSq += noise * noise;
        }
        System.arraycopy(saved, 0, x, 0, x.length);
        double floor = floatValued ? Math.ulp((float) center) / 2 : 4 * Math.ulp(center);
        return Math.max(Math.sqrt(sumSq / (4.375 * NOISE_PROBES)), floor);
    }

    /**
     * Noise-aware check of a float loss (see the class doc). The noise σ is the larger of
     * {@link #lossNoise} and the rms over the sampled entries of the fourth difference
     * L(x−eps) − 4·L(x−eps/2) + 6·L(x) − 4·L(x+eps/2) + L(x+eps), divided by √70: the noise at
     * the step's own scale, where a float loss can be rougher than white noise (the smooth part,
     * (eps/2)⁴ times the fourth derivative, is negligible). Then up to {@code maxEntries} entries
     * must satisfy |analytic − numeric| ≤ sigmas·1.9·σ/eps + rel·max(|a|, |n|), and
     * {@code directions} directional derivatives ⟨analytic, d⟩ likewise, with their own step and a
     * truncation allowance. Fails naming the tensor, the entry or direction, both values and the
     * tolerance's parts; returns the worst ratio of error to tolerance (≤ 1 when passing).
     */
    public static double checkNoiseAware(String name, float[] x, float[] analytic,
            DoubleSupplier loss, NoiseOptions o) {
        SplittableRandom rnd = new SplittableRandom(o.seed());
        int n = x.length;
        int count = Math.min(n, o.maxEntries());
        int[] entries = new int[count];
        Pair[] full = new Pair[count];
        Pair[] half = new Pair[count];
        double center = loss.getAsDouble();
        double fourthSq = 0;
        for (int c = 0; c < count; c++) {
            entries[c] = n <= o.maxEntries() ? c : rnd.nextInt(n);
            double[] dir = new double[n];
            dir[entries[c]] = 1;
            full[c] = pair(x, analytic, dir, o.eps(), loss);
            half[c] = pair(x, analytic, dir, o.eps() / 2, loss);
            double fourth = full[c].plus() - 4 * half[c].plus() + 6 * center
                    - 4 * half[c].minus() + full[c].minus();
            fourthSq += fourth * fourth;
        }
        double sigma = lossNoise(x, loss, o.seed());
        if (count > 0) {
            sigma = Math.max(sigma, Math.sqrt(fourthSq / (70.0 * count)));
        }
        double worst = 0;
        for (int c = 0; c < count; c++) {
            Estimate e = richardson(full[c], half[c]);
            worst = Math.max(worst, compare(name + "[" + entries[c] + "]", e, 0, sigma, o));
        }
        double scale = Math.sqrt(n) * Math.max(rms(x), 1e-2);
        double gNorm = Math.sqrt(dot(analytic, analytic));
        for (int k = 0; k < o.directions(); k++) {
            double[] dir = direction(analytic, gNorm, rnd);
            double a = Math.abs(dot(analytic, dir));
            // Smallest step whose noise term (that of R(h/2, h/4)) is a quarter of rel·|a|.
            double hNoise = 8 * o.sigmas() * RICHARDSON_NOISE * sigma / (o.rel() * a);
            double h = Math.min(o.maxStep() * scale, hNoise);
            Pair p1 = pair(x, analytic, dir, h, loss);
            Pair p2 = pair(x, analytic, dir, h / 2, loss);
            Pair p4 = pair(x, analytic, dir, h / 4, loss);
            Estimate fine = richardson(p2, p4);
            // |R(h, h/2) − R(h/2, h/4)| bounds the truncation error left in the finer estimate.
            double truncation = Math.abs(richardson(p1, p2).numeric() - fine.numeric());
            worst = Math.max(worst, compare(name + " direction " + k, fine, truncation, sigma, o));
        }
        return worst;
    }

    /**
     * A unit direction half along the analytic gradient and half random: ⟨g, d⟩ ≈ ‖g‖/√2 for every
     * sample, so a small step moves the loss far above its noise (a purely random direction gives
     * ‖g‖/√n, and sometimes nearly 0). The identity ⟨g, d⟩ = dL/dd holds for any fixed d, so a
     * wrong gradient still disagrees. Purely random when g is 0.
     */
    private static double[] direction(float[] g, double gNorm, SplittableRandom rnd) {
        double[] d = unitGaussian(g.length, rnd);
        if (gNorm > 0) {
            for (int i = 0; i < g.length; i++) {
                d[i] += g[i] / gNorm;
            }
            double norm = Math.sqrt(dot(d, d));
            for (int i = 0; i < g.length; i++) {
                d[i] /= norm;
            }
        }
        return d;
    }

    /**
     * The loss at x± = float(x ± h·dir) and the analytic gradient projected on x⁺ − x⁻, the
     * perturbation actually applied after rounding to float (so representation error does not
     * count as gradient error).
     */
    private record Pair(double plus, double minus, double projected, double h) {
        double numeric() {
            return (plus - minus) / (2 * h);
        }

        double analytic() {
            return projected / (2 * h);
        }
    }

    /** Evaluates a {@link Pair}; x is restored. */
    private static Pair pair(float[] x, float[] analytic, double[] dir, double h,
            DoubleSupplier loss) {
        float[] saved = x.clone();
        double plus = evaluateAt(x, saved, dir, h, loss);
        float[] xPlus = x.clone();
        double minus = evaluateAt(x, saved, dir, -h, loss);
        double projected = 0;
        for (int i = 0; i < x.length; i++) {
            if (dir[i] != 0) {
                projected += analytic[i] * ((double) xPlus[i] - x[i]);
            }
        }
        System.arraycopy(saved, 0, x, 0, x.length);
        return new Pair(plus, minus, projected, h);
    }

    /** Analytic and numeric derivative along one direction, extrapolated; h is the coarse step. */
    private record Estimate(double analytic, double numeric, double h) {
    }

    /** Richardson extrapolation (4·D(h/2) − D(h))/3: the O(h²) truncation error cancels. */
    private static Estimate richardson(Pair full, Pair half) {
        return new Estimate((4 * half.analytic() - full.analytic()) / 3,
                (4 * half.numeric() - full.numeric()) / 3, full.h());
    }

    /**
     * Fails unless |analytic − numeric| ≤ sigmas·1.9·σ/h + truncation + rel·max(|a|, |n|);
     * returns the ratio of the error to that tolerance.
     */
    private static double compare(String what, Estimate e, double truncation, double sigma,
            NoiseOptions o) {
        double noise = o.sigmas() * RICHARDSON_NOISE * sigma / e.h();
        double relative = o.rel() * Math.max(Math.abs(e.analytic()), Math.abs(e.numeric()));
        double tolerance = noise + truncation + relative;
        double err = Math.abs(e.analytic() - e.numeric());
        if (!(err <= tolerance)) {
            fail(String.format("gradient of %s: analytic %.6g vs numeric %.6g (|diff| %.3g > "
                    + "tolerance %.3g = noise %.3g [%.0f·1.9·σ/h, loss noise σ = %.3g, h = %.3g]"
                    + " + truncation %.3g + %.3g·max)", what, e.analytic(), e.numeric(), err,
                    tolerance, noise, o.sigmas(), sigma, e.h(), truncation, o.rel()));
        }
        return err / tolerance;
    }

    /** Sets x = float(saved + t·dir) and evaluates the loss (x is left perturbed). */
    private static double evaluateAt(float[] x, float[] saved, double[] dir, double t,
            DoubleSupplier loss) {
        for (int i = 0; i < x.length; i++) {
            x[i] = dir[i] == 0 ? saved[i] : (float) (saved[i] + t * dir[i]);
        }
        return loss.getAsDouble();
    }

    private static double[] unitGaussian(int n, SplittableRandom rnd) {
        double[] d = new double[n];
        double norm = 0;
        for (int i = 0; i < n; i++) {
            d[i] = rnd.nextGaussian();
            norm += d[i] * d[i];
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < n; i++) {
            d[i] /= norm;
        }
        return d;
    }

    private static double dot(float[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    private static double rms(float[] x) {
        double s = 0;
        for (float v : x) {
            s += (double) v * v;
        }
        return x.length == 0 ? 0 : Math.sqrt(s / x.length);
    }
}
