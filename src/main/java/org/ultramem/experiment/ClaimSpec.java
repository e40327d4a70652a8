package org.ultramem.experiment;

import java.util.List;

/**
 * One of the paper's claims as a suite declares it; {@link ClaimCheck} decides it from the
 * finished runs. Kinds:
 * <ul>
 *   <li>{@code below}: {@code subject}'s mean validation loss is below each baseline's by more than
 *       the seed spread (one verdict per baseline);</li>
 *   <li>{@code within_or_below}: {@code subject} is within the seed spread of each baseline, or below;</li>
 *   <li>{@code ladder}: each step of {@code runs} (in order) that the paper found helpful (its
 *       {@code paper_delta} &lt; 0) does not raise validation loss beyond the noise (one verdict per step);</li>
 *   <li>{@code log_slots}: validation loss falls linearly in log(memory slots) over {@code runs}
 *       (slope and R² of a least-squares line);</li>
 *   <li>{@code bits_above}: {@code subject} stores more than {@code factor} × each baseline's bits of
 *       knowledge (the headline of {@code eval --facts}, suites with {@code facts_eval}) by more than
 *       the seed spread (one verdict per baseline).</li>
 * </ul>
 *
 * @param kind one of {@link #KINDS}
 * @param subject the run the claim is about ({@code below}, {@code within_or_below})
 * @param runs the baselines ({@code below}, {@code within_or_below}) or the ordered runs
 *     ({@code ladder}, {@code log_slots})
 * @param text the claim in words, for the report
 * @param factor {@code bits_above}: how many times each baseline's bits the subject must store (1 elsewhere)
 */
public record ClaimSpec(String kind, String subject, List<String> runs, String text, double factor) {

    /** Every claim kind a suite may declare. */
    public static final List<String> KINDS = List.of("below", "within_or_below", "ladder", "log_slots", "bits_above");

    /** A claim with factor 1. */
    public ClaimSpec(String kind, String subject, List<String> runs, String text) {
        this(kind, subject, runs, text, 1.0);
    }

    public ClaimSpec {
        if (!KINDS.contains(kind)) {
            throw new IllegalArgumentException("claim kind `" + kind + "` is unknown; use one of " + KINDS);
        }
        boolean needsSubject = kind.equals("below") || kind.equals("within_or_below") || kind.equals("bits_above");
        if (!(factor > 0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("claim `" + kind + "` key `factor` (" + factor + ") must be a finite"
                    + " number > 0, e.g. 3 for \"stores 3x the bits\"");
        }
        if (needsSubject && (subject == null || subject.isEmpty())) {
            throw new IllegalArgumentException("claim `" + kind + "` needs \"subject\": the run it is about");
        }
        int minRuns = kind.equals("ladder") || kind.equals("log_slots") ? 2 : 1;
        if (runs.size() < minRuns) {
            throw new IllegalArgumentException("claim `" + kind + "` lists " + runs.size() + " runs in \"runs\";"
                    + " it needs at least " + minRuns);
        }
        runs = List.copyOf(runs);
    }
}
