package org.ultramem.model;

/**
 * How the optimizer should treat one memory value table (a parameter of group VALUES), as its
 * layer's config asks:
 * <ul>
 *   <li>UltraMem ({@code peakLr} NaN): learning rate {@code mult(t) · lr(t)} with the base schedule
 *       lr(t) and {@code mult(t) = 1 + (lrMult − 1)·max(0, 1 − t/(maxSteps·lrDecayFrac))}
 *       (spec §D.3; {@code value_lr_mult}, {@code value_lr_decay_frac});</li>
 *   <li>PKM ({@code peakLr} > 0, {@code pkm_value_lr}): its own peak learning rate with the base
 *       schedule's shape, {@code peakLr · lr(t) / lr} (same warmup and cosine; lrMult ignored).</li>
 * </ul>
 * {@code lazy} asks for lazy row-wise AdamW (only touched rows each step) instead of dense.
 * {@code weightDecay} false exempts the table from weight decay (UltraMem
 * {@code value_weight_decay}; true keeps the optimizer's own rule); {@code gradClip} &gt; 0 clips
 * the table's gradient to that L2 norm on its own, outside the global clip (UltraMem
 * {@code value_grad_clip}; 0 = under the global clip).
 */
public record ValueTableRule(double lrMult, double lrDecayFrac, double peakLr, boolean lazy,
                             boolean weightDecay, double gradClip) {

    public ValueTableRule {
        if (!(lrMult > 0) || !(lrDecayFrac > 0)) {
            throw new IllegalArgumentException("value-table lr multiplier (" + lrMult
                    + ") and decay fraction (" + lrDecayFrac + ") must be > 0");
        }
        if (!Double.isNaN(peakLr) && !(peakLr > 0)) {
            throw new IllegalArgumentException("value-table peak lr (" + peakLr
                    + ") must be > 0, or NaN to follow the base schedule");
        }
        if (!(gradClip >= 0) || Double.isInfinite(gradClip)) {
            throw new IllegalArgumentException("value-table gradient clip (" + gradClip
                    + ") must be finite and >= 0 (0 = under the global clip)");
        }
    }

    /** A rule with the optimizer's own weight decay and no separate clipping. */
    public ValueTableRule(double lrMult, double lrDecayFrac, double peakLr, boolean lazy) {
        this(lrMult, lrDecayFrac, peakLr, lazy, true, 0);
    }

    /** This rule with weight decay on (the optimizer's rule) or off, and its own clip norm. */
    public ValueTableRule with(boolean decay, double clip) {
        return new ValueTableRule(lrMult, lrDecayFrac, peakLr, lazy, decay, clip);
    }

    /** UltraMem's rule: base schedule times a decaying multiplier. */
    public static ValueTableRule multiplier(double lrMult, double lrDecayFrac, boolean lazy) {
        return new ValueTableRule(lrMult, lrDecayFrac, Double.NaN, lazy);
    }

    /** PKM's rule: its own peak lr, shaped like the base schedule. */
    public static ValueTableRule ownPeak(double peakLr, boolean lazy) {
        return new ValueTableRule(1, 1, peakLr, lazy);
    }

    public boolean hasOwnPeak() {
        return !Double.isNaN(peakLr);
    }
}
