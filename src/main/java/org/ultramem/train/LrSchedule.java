package org.ultramem.train;

/**
 * Learning-rate schedule: linear warmup, then cosine decay to a floor, plus the value-table
 * multiplier of spec §D.3. Steps are 0-based optimizer steps; the schedule is a pure function of
 * the step, so a resumed run recomputes it exactly.
 *
 * <pre>
 * lr(t)   = lr · (t + 1) / warmup                                   t &lt; warmup
 *         = minLr + ½ (lr − minLr) (1 + cos(π · p)),  p = (t − warmup) / (maxSteps − warmup) ∈ [0, 1]
 * minLr   = lr · minLrRatio
 * mult(t) = 1 + (M − 1) · max(0, 1 − t / (maxSteps · ρ))            (values only)
 * </pre>
 * Tokens per step are constant, so counting in steps equals the reference's counting in tokens.
 */
public record LrSchedule(double lr, double minLrRatio, int warmupSteps, int maxSteps,
                         double valueLrMult, double valueLrDecayFrac) {

    public LrSchedule {
        if (!(lr >= 0) || !Double.isFinite(lr)) {
            throw new IllegalArgumentException("learning rate (" + lr + ") must be finite and >= 0");
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException("min_lr_ratio (" + minLrRatio + ") must be in [0, 1]");
        }
        if (warmupSteps < 0 || maxSteps <= 0) {
            throw new IllegalArgumentException("warmup_steps (" + warmupSteps + ") must be >= 0 and max_steps ("
                    + maxSteps + ") > 0");
        }
        if (!(valueLrMult > 0) || !(valueLrDecayFrac > 0)) {
            throw new IllegalArgumentException("value_lr_mult (" + valueLrMult + ") must be > 0 and "
                    + "value_lr_decay_frac (" + valueLrDecayFrac + ") > 0");
        }
    }

    /** A schedule without a value multiplier (M = 1). */
    public static LrSchedule of(double lr, double minLrRatio, int warmupSteps, int maxSteps) {
        return new LrSchedule(lr, minLrRatio, warmupSteps, maxSteps, 1.0, 1.0);
    }

    /** Base learning rate at optimizer step {@code step} (0-based). */
    public double at(long step) {
        if (step < warmupSteps) {
            return lr * (step + 1) / warmupSteps;
        }
        double minLr = lr * minLrRatio;
        int decaySteps = maxSteps - warmupSteps;
        if (decaySteps <= 0) {
            return lr;
        }
        double p = Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        return minLr + 0.5 * (lr - minLr) * (1 + Math.cos(Math.PI * p));
    }

    /** Value-table learning-rate multiplier at step {@code step}: decays linearly from M to 1. */
    public double valueMultiplier(long step) {
        return 1 + (valueLrMult - 1) * Math.max(0.0, 1 - step / (maxSteps * valueLrDecayFrac));
    }

    /** Learning rate of the value tables at step {@code step}: {@code mult(t) · lr(t)}. */
    public double valuesAt(long step) {
        return valueMultiplier(step) * at(step);
    }
}
