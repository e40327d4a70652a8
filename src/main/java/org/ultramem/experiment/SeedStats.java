package org.ultramem.experiment;

/**
 * Mean and spread of one figure over a run's seeds. The spread is the sample standard deviation
 * (n − 1 in the denominator); with one seed it is NaN ("unknown"), never 0. NaN inputs (diverged
 * runs) are left out and counted in {@code dropped}.
 */
public record SeedStats(int n, double mean, double sd, int dropped) {

    /** The statistics of {@code xs}, ignoring NaN entries. */
    public static SeedStats of(double... xs) {
        int n = 0;
        double sum = 0;
        for (double x : xs) {
            if (!Double.isNaN(x)) {
                n++;
                sum += x;
            }
        }
        double mean = n == 0 ? Double.NaN : sum / n;
        double ss = 0;
        for (double x : xs) {
            if (!Double.isNaN(x)) {
                ss += (x - mean) * (x - mean);
            }
        }
        return new SeedStats(n, mean, n < 2 ? Double.NaN : Math.sqrt(ss / (n - 1)), xs.length - n);
    }

    /** "mean ± sd" with {@code digits} decimals; just the mean with one seed; "n/a" with none. */
    public String format(int digits) {
        if (n == 0) {
            return "n/a";
        }
        String f = "%." + digits + "f";
        String m = String.format(java.util.Locale.ROOT, f, mean);
        return Double.isNaN(sd) ? m : m + " ± " + String.format(java.util.Locale.ROOT, f, sd);
    }
}
