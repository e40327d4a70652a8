package org.ultramem.nn.moe;

import java.util.Arrays;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Top-k softmax router of an MoE block, with the router z-loss. Shapes (B tokens, D hidden,
 * N experts, k chosen):
 * <pre>
 *   logits [B, N] = x [B, D] · Wᵀ      (router.weight W [N, D], no bias)
 *   p = softmax(logits), lse = logsumexp(logits) [B]
 *   experts [B, k] = top-k of p (higher first, ties to the lower expert id)
 *   combine [B, k] = p[experts]              (normalizeTopK: divided by their sum)
 *   z-loss = mean_t lse_t²
 * </pre>
 * Softmax and logsumexp are computed in double from the max-shifted logits; a NaN logit makes
 * that token's probabilities NaN (its expert choice is then arbitrary but deterministic).
 */
final class TopKRouter {

    private final int dModel;
    private final int numExperts;
    private final int topK;
    private final boolean normalize;
    private final Kernels kern;
    /** router.weight: [N, D]. */
    private final Parameter weight;
    /** Scratch for backward: d(objective)/d(probs) then d/d(logits): [B, N]. */
    private final float[] dProbs;

    /** One routing decision for up to {@code capacity} tokens: what forward writes, backward reads. */
    static final class Routing {
        final float[] logits;
        final float[] probs;
        final double[] lse;
        final int[] experts;
        final float[] combine;
        double zLoss;

        Routing(int capacity, int numExperts, int topK) {
            logits = new float[capacity * numExperts];
            probs = new float[capacity * numExperts];
            lse = new double[capacity];
            experts = new int[capacity * topK];
            combine = new float[capacity * topK];
        }
    }

    TopKRouter(Parameter weight, int numExperts, int topK, boolean normalize, int maxTokens, Kernels kern) {
        this.weight = weight;
        this.dModel = weight.shape[1];
        this.numExperts = numExperts;
        this.topK = topK;
        this.normalize = normalize;
        this.kern = kern;
        this.dProbs = new float[maxTokens * numExperts];
    }

    /** New routing buffers for up to {@code capacity} tokens. */
    Routing newRouting(int capacity) {
        return new Routing(capacity, numExperts, topK);
    }

    /** Routes {@code tokens} rows of x [tokens, D] into {@code r}; writes no field of this router. */
    void forward(Routing r, float[] x, int tokens) {
        float[] logits = r.logits;
        float[] probs = r.probs;
        double[] lse = r.lse;
        kern.matmul(false, true, tokens, numExperts, dModel, x, 0, dModel, weight.data, 0, dModel,
                logits, 0, numExperts, false);
        double zSum = 0;
        for (int t = 0; t < tokens; t++) {
            lse[t] = TopKSoftmax.route(kern, logits, probs, t, numExperts, topK, normalize,
                    r.experts, r.combine);
            zSum += lse[t] * lse[t];
        }
        r.zLoss = zSum / tokens;
    }

    /**
     * Backward. dx: [tokens, D] (+=); dCombine: [tokens, k] = d(objective)/d(combine weights).
     * Adds {@code balanceScale·∇L_lb + zScale·∇z} (balance through {@code balance}'s last forward);
     * {@code r} is the routing that forward produced.
     * Chain: combine → p (raw: dp[e_j] = dc_j; normalized: dp[e_j] = (dc_j − Σ_i dc_i·c_i)/S with
     * S the selected sum) → softmax: dlogit = p⊙(dp − Σ p⊙dp) → z-loss: dlogit += zScale·2·lse·p/B →
     * dW += dlogitᵀ·x, dx += dlogit·W.
     */
    void backward(float[] dx, float[] dCombine, float[] x, int tokens, Routing r, LoadBalanceLoss balance,
                  double balanceScale, double zScale) {
        float[] probs = r.probs;
        float[] combine = r.combine;
        int[] experts = r.experts;
        Arrays.fill(dProbs, 0, tokens * numExperts, 0f);
        for (int t = 0; t < tokens; t++) {
            int o = t * topK;
            double sel = 0;
            double dot = 0;
            for (int j = 0; j < topK; j++) {
                sel += probs[t * numExperts + experts[o + j]];
                dot += (double) dCombine[o + j] * combine[o + j];
            }
            for (int j = 0; j < topK; j++) {
                double d = normalize ? (dCombine[o + j] - dot) / sel : dCombine[o + j];
                dProbs[t * numExperts + experts[o + j]] += (float) d;
            }
        }
        balance.backward(dProbs, tokens, balanceScale);
        for (int t = 0; t < tokens; t++) {
            int o = t * numExperts;
            double dot = 0;
            for (int e = 0; e < numExperts; e++) {
                dot += (double) probs[o + e] * dProbs[o + e];
            }
            double zCoef = zScale * 2 * r.lse[t] / tokens;
            for (int e = 0; e < numExperts; e++) {
                dProbs[o + e] = (float) (probs[o + e] * (dProbs[o + e] - dot + zCoef));
            }
        }
        kern.matmul(true, false, numExperts, dModel, tokens, dProbs, 0, numExperts, x, 0, dModel,
                weight.grad, 0, dModel, true);
        kern.matmul(false, false, tokens, dModel, numExperts, dProbs, 0, numExperts, weight.data, 0, dModel,
                dx, 0, dModel, true);
    }
}
