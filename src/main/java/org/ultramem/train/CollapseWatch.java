package org.ultramem.train;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches the rows in use of every memory layer ({@code mem{ℓ}.slot_frac}: the fraction of
 * value rows selected at least once by the training steps since the previous evaluation) and
 * words one warning line per collapse event, issue 12's symptom:
 * <ul>
 *   <li>the fraction is below {@code collapse_warn_slot_frac} and was not at the previous
 *       evaluation (or this is the first one), or</li>
 *   <li>it is at most half of what it was at the previous evaluation.</li>
 * </ul>
 * A layer that stays low is reported once, and again only if it halves again. The previous
 * values live in memory only: after {@code --resume} the first evaluation counts as the first.
 */
final class CollapseWatch {

    private static final Pattern SLOT_FRAC = Pattern.compile("mem(\\d+)\\.slot_frac");

    private final double threshold;
    private final Map<String, Double> previous = new HashMap<>();
    private final Map<String, Long> previousStep = new HashMap<>();

    /** threshold: {@code collapse_warn_slot_frac} (0 reports halvings only). */
    CollapseWatch(double threshold) {
        this.threshold = threshold;
    }

    /** The warning lines for one evaluation's diagnostics at optimizer step {@code step}. */
    List<String> check(long step, Map<String, Double> diagnostics) {
        List<String> lines = new ArrayList<>();
        for (Map.Entry<String, Double> e : diagnostics.entrySet()) {
            Matcher mm = SLOT_FRAC.matcher(e.getKey());
            if (!mm.matches() || e.getValue() == null || e.getValue().isNaN()) {
                continue;
            }
            String layer = "mem" + mm.group(1);
            double now = e.getValue();
            Double before = previous.get(layer);
            boolean below = now < threshold && (before == null || before >= threshold);
            boolean halved = before != null && before > 0 && now <= before / 2;
            if (below || halved) {
                String was = before == null ? "first evaluation"
                        : String.format(Locale.ROOT, "%.1f%% at step %d", 100 * before,
                        previousStep.get(layer));
                lines.add(String.format(Locale.ROOT, "warning: memory layer %s is collapsing at "
                        + "step %d: %.1f%% of its value rows in use since the last evaluation "
                        + "(%s; %s). Remedies: the retrieval keys in docs/metrics.md",
                        layer, step, 100 * now, halved ? "halved" : String.format(Locale.ROOT,
                        "below training.collapse_warn_slot_frac %.2f", threshold), was));
            }
            previous.put(layer, now);
            previousStep.put(layer, step);
        }
        return lines;
    }
}
