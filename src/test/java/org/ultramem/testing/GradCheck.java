package org.ultramem.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * Finite-difference gradient oracle. Perturbs entries of a float buffer in place, re-evaluates a
 * scalar loss with central differences and compares with the analytic gradient.
 *
 * <p>Float forwards make finite differences noisy, so the comparison uses
 * |analytic − numeric| ≤ tol · max(|analytic|, |numeric|, floor); {@code floor} keeps near-zero
 * gradients from failing on rounding alone. Entries whose perturbation flips a discrete choice
 * (top-k boundaries) should be excluded by the caller via {@link #check(String, float[], float[],
 * DoubleSupplier, Options)} with a small enough {@code eps}.
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
}
