package org.ultramem.experiment;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides a suite's claims from per-run validation-loss statistics. The noise of a comparison is
 * the larger seed standard deviation of the two runs compared; when neither has two seeds, the
 * suite's noise (the largest standard deviation of any run with ≥ 2 seeds) stands in; when no run
 * has two seeds the noise is unknown and only direction-only verdicts are given (see each kind).
 */
public final class ClaimCheck {

    /** A claim's verdict. */
    public enum Verdict {
        HOLDS("holds"), DOES_NOT_HOLD("does not hold"), INCONCLUSIVE("inconclusive at this scale");

        public final String label;

        Verdict(String label) {
            this.label = label;
        }
    }

    /** One decided claim: what it says, the verdict, and the numbers that decided it. */
    public record Result(String claim, Verdict verdict, String evidence) {
    }

    private final Map<String, SeedStats> valLoss;
    private final Map<String, Double> paperDelta;
    private final Map<String, Long> slots;
    private final Map<String, SeedStats> bits;
    private final double suiteNoise;
    private final double bitsNoise;

    /**
     * @param valLoss validation loss per run name
     * @param paperDelta the paper's validation-loss delta per run name (NaN or absent: none)
     * @param slots memory slots per run name (for {@code log_slots})
     */
    public ClaimCheck(Map<String, SeedStats> valLoss, Map<String, Double> paperDelta, Map<String, Long> slots) {
        this(valLoss, paperDelta, slots, Map.of());
    }

    /**
     * @param bits bits of knowledge stored per run name (the {@code eval --facts} headline; for
     *     {@code bits_above}), whose noise is figured like the loss's: the larger seed sd, else the
     *     largest sd of any run with two seeds
     */
    public ClaimCheck(Map<String, SeedStats> valLoss, Map<String, Double> paperDelta, Map<String, Long> slots,
                      Map<String, SeedStats> bits) {
        this.valLoss = valLoss;
        this.paperDelta = paperDelta;
        this.slots = slots;
        this.bits = bits;
        this.suiteNoise = largestSd(valLoss);
        this.bitsNoise = largestSd(bits);
    }

    private static double largestSd(Map<String, SeedStats> stats) {
        return stats.values().stream().filter(s -> s.n() >= 2).mapToDouble(SeedStats::sd).max().orElse(Double.NaN);
    }

    /** The suite-wide noise level (NaN when no run has two seeds). */
    public double suiteNoise() {
        return suiteNoise;
    }

    /** Decides {@code spec}; {@code ladder} and the two comparisons give one result per step/baseline. */
    public List<Result> check(ClaimSpec spec) {
        List<Result> out = new ArrayList<>();
        switch (spec.kind()) {
            case "below" -> spec.runs().forEach(b -> out.add(below(spec.subject(), b)));
            case "within_or_below" -> spec.runs().forEach(b -> out.add(withinOrBelow(spec.subject(), b)));
            case "ladder" -> {
                for (int i = 1; i < spec.runs().size(); i++) {
                    String step = spec.runs().get(i);
                    double paper = paperDelta.getOrDefault(step, Double.NaN);
                    if (paper < 0) {
                        out.add(ladderStep(spec.runs().get(i - 1), step, paper));
                    }
                }
            }
            case "log_slots" -> out.add(logSlots(spec.runs()));
            case "bits_above" -> spec.runs().forEach(b -> out.add(bitsAbove(spec.subject(), b, spec.factor())));
            default -> throw new IllegalArgumentException("claim kind `" + spec.kind() + "` is unknown");
        }
        return out;
    }

    /** Subject below baseline by more than the noise. */
    Result below(String subject, String baseline) {
        String claim = subject + " val loss below " + baseline + "'s by more than the seed spread";
        SeedStats s = stats(subject);
        SeedStats b = stats(baseline);
        if (s.n() == 0 || b.n() == 0) {
            return missing(claim, s.n() == 0 ? subject : baseline);
        }
        double diff = b.mean() - s.mean();
        double noise = noise(s, b);
        String ev = fmt("%s %s vs %s %s: %s %s by %.4f; noise %s", subject, s.format(4), baseline,
                b.format(4), subject, diff >= 0 ? "lower" : "higher", Math.abs(diff), noiseText(noise));
        if (Double.isNaN(noise)) {
            return new Result(claim, Verdict.INCONCLUSIVE, ev + " (one seed per run: rerun with --seeds 2)");
        }
        Verdict v = diff > noise ? Verdict.HOLDS : diff < -noise ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Result(claim, v, ev);
    }

    /** Subject within the noise of baseline, or below it. */
    Result withinOrBelow(String subject, String baseline) {
        String claim = subject + " val loss within the seed spread of " + baseline + "'s, or below";
        SeedStats s = stats(subject);
        SeedStats b = stats(baseline);
        if (s.n() == 0 || b.n() == 0) {
            return missing(claim, s.n() == 0 ? subject : baseline);
        }
        double excess = s.mean() - b.mean();
        double noise = noise(s, b);
        String ev = fmt("%s %s vs %s %s: difference %+.4f; noise %s", subject, s.format(4), baseline,
                b.format(4), excess, noiseText(noise));
        if (Double.isNaN(noise)) {
            return new Result(claim, excess <= 0 ? Verdict.HOLDS : Verdict.INCONCLUSIVE, ev);
        }
        return new Result(claim, excess <= noise ? Verdict.HOLDS : Verdict.DOES_NOT_HOLD, ev);
    }

    /** A step the paper found helpful does not raise the loss beyond the noise. */
    Result ladderStep(String previous, String step, double paper) {
        String claim = "`" + step + "` (paper: " + fmt("%+.3f", paper) + ") does not hurt beyond noise";
        SeedStats p = stats(previous);
        SeedStats s = stats(step);
        if (p.n() == 0 || s.n() == 0) {
            return missing(claim, p.n() == 0 ? previous : step);
        }
        double delta = s.mean() - p.mean();
        double noise = noise(p, s);
        String ev = fmt("val %.4f -> %.4f (delta %+.4f, paper %+.3f); noise %s", p.mean(), s.mean(), delta, paper,
                noiseText(noise));
        if (Double.isNaN(noise)) {
            return new Result(claim, delta <= 0 ? Verdict.HOLDS : Verdict.INCONCLUSIVE, ev);
        }
        return new Result(claim, delta <= noise ? Verdict.HOLDS : Verdict.DOES_NOT_HOLD, ev);
    }

    /**
     * Loss falls linearly in log(slots): holds when the fitted slope is negative, R² ≥ 0.5 and the
     * fitted drop over the slot range exceeds the noise (0 when unknown); does not hold when the
     * fitted rise exceeds it; inconclusive otherwise.
     */
    Result logSlots(List<String> runs) {
        String claim = "val loss decreases linearly in log(memory slots)";
        List<double[]> pts = new ArrayList<>();
        for (String r : runs) {
            SeedStats s = stats(r);
            long n = slots.getOrDefault(r, 0L);
            if (s.n() > 0 && n > 0) {
                pts.add(new double[] {Math.log(n), s.mean()});
            }
        }
        double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
        double[] y = pts.stream().mapToDouble(p -> p[1]).toArray();
        if (pts.size() < 2 || java.util.Arrays.stream(x).distinct().count() < 2) {
            return new Result(claim, Verdict.INCONCLUSIVE, pts.size() + " finished runs with distinct slot counts;"
                    + " a fit needs 2");
        }
        LineFit f = LineFit.fit(x, y);
        double range = java.util.Arrays.stream(x).max().orElseThrow() - java.util.Arrays.stream(x).min().orElseThrow();
        double change = f.slope() * range;
        double bar = Double.isNaN(suiteNoise) ? 0 : suiteNoise;
        String ev = fmt("slope %+.4f per ln(slot) (%+.4f per doubling), R² %.3f over %d points, fitted change %+.4f"
                + " over %.1fx slots; noise %s", f.slope(), f.slope() * Math.log(2), f.r2(), f.points(), change,
                Math.exp(range), noiseText(suiteNoise));
        Verdict v = f.slope() < 0 && f.r2() >= 0.5 && -change > bar ? Verdict.HOLDS
                : change > bar ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Result(claim, v, ev);
    }

    /**
     * Subject stores more than {@code factor} × baseline's bits: holds when the margin
     * {@code subject − factor·baseline} exceeds the noise (the larger of the subject's seed sd and
     * factor × the baseline's, else the suite's largest bits sd), does not hold when it is below
     * minus the noise, inconclusive inside it or when the noise is unknown.
     */
    Result bitsAbove(String subject, String baseline, double factor) {
        String times = factor == 1 ? "" : fmt("%sx ", stripZeros(factor));
        String claim = subject + " stores more than " + times + baseline + "'s bits of knowledge";
        SeedStats s = bits.getOrDefault(subject, SeedStats.of());
        SeedStats b = bits.getOrDefault(baseline, SeedStats.of());
        if (s.n() == 0 || b.n() == 0) {
            return new Result(claim, Verdict.INCONCLUSIVE, "run `" + (s.n() == 0 ? subject : baseline)
                    + "` has no facts evaluation yet (facts-eval.json)");
        }
        double margin = s.mean() - factor * b.mean();
        double noise = Math.max(Double.isNaN(s.sd()) ? -1 : s.sd(), Double.isNaN(b.sd()) ? -1 : factor * b.sd());
        noise = noise >= 0 ? noise : bitsNoise;
        String ev = fmt("%s %s bits vs %s %s bits (ratio %.2f); margin over %s%s: %+.1f bits; noise %s", subject,
                s.format(1), baseline, b.format(1), b.mean() > 0 ? s.mean() / b.mean() : Double.NaN, times,
                baseline, margin, Double.isNaN(noise) ? "unknown (one seed)" : fmt("%.1f", noise));
        if (Double.isNaN(noise)) {
            return new Result(claim, Verdict.INCONCLUSIVE, ev + " (one seed per run: rerun with --seeds 2)");
        }
        Verdict v = margin > noise ? Verdict.HOLDS : margin < -noise ? Verdict.DOES_NOT_HOLD : Verdict.INCONCLUSIVE;
        return new Result(claim, v, ev);
    }

    private static String stripZeros(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }

    private SeedStats stats(String run) {
        return valLoss.getOrDefault(run, SeedStats.of());
    }

    private double noise(SeedStats a, SeedStats b) {
        double n = Math.max(Double.isNaN(a.sd()) ? -1 : a.sd(), Double.isNaN(b.sd()) ? -1 : b.sd());
        return n >= 0 ? n : suiteNoise;
    }

    private static Result missing(String claim, String run) {
        return new Result(claim, Verdict.INCONCLUSIVE, "run `" + run + "` has no finished seed yet");
    }

    private static String noiseText(double noise) {
        return Double.isNaN(noise) ? "unknown (one seed)" : fmt("%.4f", noise);
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
