package org.ultramem.bench;

import org.ultramem.infer.Sampler;

/**
 * A cluster engine's logits against the local engine's, over many steps: whether every logit is
 * bit-identical, whether every row's greedy token is the same, the largest absolute difference
 * and the largest relative one, |Δ| over the largest |logit| of that local row (a per-element
 * ratio would blow up at logits near zero).
 */
final class LogitDiff {

    private boolean identical = true;
    private boolean tokensEqual = true;
    private double maxAbs;
    private double maxRel;

    /** Compares {@code rows} rows of {@code vocab} logits. */
    void compare(float[] local, float[] other, int rows, int vocab) {
        for (int r = 0; r < rows; r++) {
            int off = r * vocab;
            double scale = 0;
            double worst = 0;
            for (int i = off; i < off + vocab; i++) {
                if (Float.floatToRawIntBits(local[i]) != Float.floatToRawIntBits(other[i])) {
                    identical = false;
                }
                scale = Math.max(scale, Math.abs(local[i]));
                worst = Math.max(worst, Math.abs((double) local[i] - other[i]));
            }
            maxAbs = Math.max(maxAbs, worst);
            if (worst > 0) {
                maxRel = Math.max(maxRel, scale > 0 ? worst / scale : Double.POSITIVE_INFINITY);
            }
            if (Sampler.argMax(local, off, vocab) != Sampler.argMax(other, off, vocab)) {
                tokensEqual = false;
            }
        }
    }

    boolean identical() {
        return identical;
    }

    boolean tokensEqual() {
        return tokensEqual;
    }

    double maxAbs() {
        return maxAbs;
    }

    double maxRel() {
        return maxRel;
    }
}
