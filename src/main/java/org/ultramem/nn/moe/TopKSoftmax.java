package org.ultramem.nn.moe;

import org.ultramem.tensor.kernel.Kernels;

/**
 * The routing step shared by training ({@code TopKRouter}) and decoding ({@code infer.MoeDecoder}):
 * one token's softmax over N router logits and its top-k experts. Softmax and logsumexp are
 * computed in double from the max-shifted logits; the top-k ({@link Kernels#topK}) keeps higher
 * probabilities first and breaks ties towards the lower expert id. A NaN logit makes the token's
 * probabilities NaN (its expert choice is then arbitrary but deterministic).
 */
public final class TopKSoftmax {

    private TopKSoftmax() {
    }

    /**
     * Routes token {@code t}: reads logits [t, N], writes probs [t, N] = softmax, experts [t, k]
     * and combine [t, k] = the top-k probabilities (divided by their sum when {@code normalize}).
     * All arrays are row-major with rows of N (logits, probs) or k (experts, combine).
     *
     * @return logsumexp of the token's logits
     */
    public static double route(Kernels kern, float[] logits, float[] probs, int t,
                               int numExperts, int topK, boolean normalize, int[] experts,
                               float[] combine) {
        int p = t * numExperts;
        float max = Float.NEGATIVE_INFINITY;
        for (int e = 0; e < numExperts; e++) {
            max = Math.max(max, logits[p + e]);
        }
        double sum = 0;
        for (int e = 0; e < numExperts; e++) {
            sum += Math.exp(logits[p + e] - (double) max);
        }
        double lse = max + Math.log(sum);
        for (int e = 0; e < numExperts; e++) {
            probs[p + e] = (float) Math.exp(logits[p + e] - lse);
        }
        int o = t * topK;
        kern.topK(probs, p, numExperts, topK, experts, o, combine, o);
        if (normalize) {
            double s = 0;
            for (int j = 0; j < topK; j++) {
                s += combine[o + j];
            }
            for (int j = 0; j < topK; j++) {
                combine[o + j] = (float) (combine[o + j] / s);
            }
        }
        return lse;
    }
}
