package org.ultramem.nn.moe;

import java.util.Arrays;

/**
 * The Switch/OLMoE load-balancing loss {@code L_lb = N · Σ_e f_e · P_e} (spec §F.4), where
 * {@code f_e} is the fraction of the B·k token-slots routed to expert e (Σ_e f_e = 1) and
 * {@code P_e = mean_t p[t,e]} the mean router probability of e. With uniform router probabilities
 * {@code L_lb = Σ_e f_e = 1} exactly, whatever the routing; perfectly balanced routing also gives 1,
 * and all slots on experts with above-average probability give more. (HF's OLMoE code counts
 * f_e per token rather than per slot, Σ f = k, so its value is k times this one.)
 *
 * <p>Gradient: f_e comes from the discrete top-k and is held constant, so
 * {@code ∂L_lb/∂p[t,e] = N · f_e / B}. Sums in double; NaN probabilities give a NaN loss.
 */
public final class LoadBalanceLoss {

    private final int numExperts;
    /** f_e of the last forward: [N]. */
    private final double[] slotFraction;
    /** P_e of the last forward: [N]. */
    private final double[] meanProb;
    private double value;

    public LoadBalanceLoss(int numExperts) {
        this.numExperts = numExperts;
        this.slotFraction = new double[numExperts];
        this.meanProb = new double[numExperts];
    }

    /**
     * Computes and returns L_lb. probs: [tokens, N] router probabilities; experts: [tokens, k]
     * chosen expert ids.
     */
    public double forward(float[] probs, int[] experts, int tokens, int topK) {
        Arrays.fill(slotFraction, 0);
        Arrays.fill(meanProb, 0);
        for (int s = 0; s < tokens * topK; s++) {
            slotFraction[experts[s]] += 1;
        }
        for (int t = 0; t < tokens; t++) {
            for (int e = 0; e < numExperts; e++) {
                meanProb[e] += probs[t * numExperts + e];
            }
        }
        double sum = 0;
        for (int e = 0; e < numExperts; e++) {
            slotFraction[e] /= (double) tokens * topK;
            meanProb[e] /= tokens;
            sum += slotFraction[e] * meanProb[e];
        }
        value = numExperts * sum;
        return value;
    }

    /** dProbs[t,e] += scale · N · f_e / B for the last forward. dProbs: [tokens, N]. */
    public void backward(float[] dProbs, int tokens, double scale) {
        for (int e = 0; e < numExperts; e++) {
            float g = (float) (scale * numExperts * slotFraction[e] / tokens);
            for (int t = 0; t < tokens; t++) {
                dProbs[t * numExperts + e] += g;
            }
        }
    }

    /** L_lb of the last forward. */
    public double value() {
        return value;
    }

    /** f_e of the last forward (fraction of token-slots per expert, sums to 1). A copy. */
    public double[] slotFractions() {
        return slotFraction.clone();
    }
}
