package org.ultramem.model;

/**
 * The learning rate a memory layer asks for its retrieval parameters (UltraMem
 * {@code retrieval_lr_mult}, {@code retrieval_warmup_steps}): with the base schedule lr(t) and
 * peak rate lr,
 * <pre>
 *   lr_retrieval(t) = lrMult · min(lr(t), lr · (t + 1) / warmupSteps)
 *   lr_retrieval(t) = lrMult · lr(t)                                     (warmupSteps = 0)
 * </pre>
 * i.e. the base schedule, scaled, and never above its own linear ramp; a ramp no longer than the
 * base warmup changes nothing. Steps are 0-based optimizer steps.
 */
public record RetrievalRule(double lrMult, int warmupSteps) {

    public RetrievalRule {
        if (!(lrMult > 0) || Double.isInfinite(lrMult) || warmupSteps < 0) {
            throw new IllegalArgumentException("retrieval lr multiplier (" + lrMult
                    + ") must be finite and > 0 and its warmup (" + warmupSteps + ") >= 0");
        }
    }
}
