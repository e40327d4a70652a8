package org.ultramem.tensor.kernel;

/**
 * Rotary position embedding (GPT-NeoX half-split pairing), shared by both kernel sets: it costs
 * O(tokens·heads·headDim) against attention's O(seq²), so one exact implementation is enough.
 * Angles are computed in double and rounded once, so forward and inverse are exact mirrors.
 */
final class Rope {

    private Rope() {
    }

    /**
     * Rotates pairs (i, i + headDim/2) of every head of every token by position ·
     * theta^(−2i/headDim) (by the negative angle when {@code inverse}). x: [tokens, heads·headDim],
     * positions: [tokens].
     */
    static void apply(float[] x, int tokens, int heads, int headDim, int[] positions, float theta,
                      boolean inverse) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("rope headDim (" + headDim
                    + ") must be even: pairs are (i, i + headDim/2); choose an even head size");
        }
        KernelChecks.nonNegative("rope tokens", tokens);
        KernelChecks.nonNegative("rope heads", heads);
        KernelChecks.range("rope x [tokens, heads·headDim]", x, 0, (long) tokens * heads * headDim);
        if (positions.length < tokens) {
            throw new IllegalArgumentException("rope positions length (" + positions.length
                    + ") must be >= tokens (" + tokens + ")");
        }
        int half = headDim / 2;
        double[] freq = new double[half];
        for (int i = 0; i < half; i++) {
            freq[i] = Math.pow(theta, -2.0 * i / headDim);
        }
        float[] cos = new float[half];
        float[] sin = new float[half];
        int stride = heads * headDim;
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < half; i++) {
                double angle = positions[t] * freq[i];
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) (inverse ? -Math.sin(angle) : Math.sin(angle));
            }
            for (int h = 0; h < heads; h++) {
                int base = t * stride + h * headDim;
                for (int i = 0; i < half; i++) {
                    float x1 = x[base + i];
                    float x2 = x[base + half + i];
                    x[base + i] = x1 * cos[i] - x2 * sin[i];
                    x[base + half + i] = x1 * sin[i] + x2 * cos[i];
                }
            }
        }
    }
}
