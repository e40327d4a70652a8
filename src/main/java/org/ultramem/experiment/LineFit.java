package org.ultramem.experiment;

/**
 * Ordinary least-squares line y = intercept + slope·x with its coefficient of determination
 * R² = 1 − SS_res / SS_tot (1 when every y is equal and the fit is exact).
 */
public record LineFit(double slope, double intercept, double r2, int points) {

    /** Fits {@code y} against {@code x}; needs ≥ 2 points and two distinct x values. */
    public static LineFit fit(double[] x, double[] y) {
        if (x.length != y.length || x.length < 2) {
            throw new IllegalArgumentException("a line fit needs >= 2 points with equal x and y counts, got "
                    + x.length + " x and " + y.length + " y values");
        }
        int n = x.length;
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            mx += x[i] / n;
            my += y[i] / n;
        }
        double sxx = 0;
        double sxy = 0;
        double syy = 0;
        for (int i = 0; i < n; i++) {
            sxx += (x[i] - mx) * (x[i] - mx);
            sxy += (x[i] - mx) * (y[i] - my);
            syy += (y[i] - my) * (y[i] - my);
        }
        if (!(sxx > 0)) {
            throw new IllegalArgumentException("a line fit needs two distinct x values; all are " + mx);
        }
        double slope = sxy / sxx;
        double intercept = my - slope * mx;
        double ssRes = 0;
        for (int i = 0; i < n; i++) {
            double r = y[i] - (intercept + slope * x[i]);
            ssRes += r * r;
        }
        double r2 = syy > 0 ? 1 - ssRes / syy : 1;
        return new LineFit(slope, intercept, r2, n);
    }
}
