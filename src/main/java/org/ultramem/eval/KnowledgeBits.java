package org.ultramem.eval;

import java.util.List;
import org.ultramem.data.facts.Attribute;

/**
 * Bits of knowledge from attribute recall. A value drawn uniformly from c choices holds
 * {@code log2(c)} bits, so recalling attribute a of n people with accuracy {@code acc_a} shows
 * <pre>
 *   raw             = Σ_a acc_a · log2(c_a) · n
 *   chance-corrected = Σ_a max(0, acc_a − 1/c_a) / (1 − 1/c_a) · log2(c_a) · n
 * </pre>
 * The chance-corrected figure is the headline: a model that guesses stores nothing, and the
 * correction maps guessing accuracy 1/c to 0 and perfect recall to 1 (at c ≥ 100 the two differ by
 * under 1% of the maximum). An attribute with one choice holds 0 bits either way.
 */
public final class KnowledgeBits {

    private KnowledgeBits() {
    }

    /**
     * Recall of one attribute.
     *
     * @param attribute what was asked
     * @param choices number of values it is drawn from (from the data's meta.json)
     * @param correct exact-match answers
     * @param total questions asked
     */
    public record Score(Attribute attribute, int choices, int correct, int total) {

        public Score {
            if (choices < 1 || correct < 0 || correct > total) {
                throw new IllegalArgumentException(attribute.key + ": choices " + choices
                        + " must be >= 1 and correct " + correct + " in [0, total " + total + "]");
            }
        }

        /** correct / total (0 when nothing was asked). */
        public double accuracy() {
            return total == 0 ? 0 : (double) correct / total;
        }

        /** max(0, accuracy − 1/choices) / (1 − 1/choices); 0 for a single choice. */
        public double chanceCorrected() {
            if (choices == 1) {
                return 0;
            }
            double chance = 1.0 / choices;
            return Math.max(0, accuracy() - chance) / (1 - chance);
        }

        /** log2(choices). */
        public double bitsPerValue() {
            return Math.log(choices) / Math.log(2);
        }
    }

    /** Σ accuracy · log2(choices) · people. */
    public static double raw(List<Score> scores, int people) {
        return scores.stream().mapToDouble(s -> s.accuracy() * s.bitsPerValue()).sum() * people;
    }

    /** Σ chance-corrected accuracy · log2(choices) · people: the headline figure. */
    public static double chanceCorrected(List<Score> scores, int people) {
        return scores.stream().mapToDouble(s -> s.chanceCorrected() * s.bitsPerValue()).sum()
                * people;
    }

    /** What perfect recall would show: Σ log2(choices) · people. */
    public static double max(List<Score> scores, int people) {
        return scores.stream().mapToDouble(Score::bitsPerValue).sum() * people;
    }
}
