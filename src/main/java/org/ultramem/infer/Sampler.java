package org.ultramem.infer;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.ultramem.tensor.kernel.SoftmaxWeights;

/**
 * Picks the next token from one row of logits: greedy (arg-max, lowest id on ties) or random
 * from the softmax at a temperature, optionally restricted to the top-k tokens and then to the
 * smallest set whose probability reaches top-p (nucleus). Seeded: the same seed and logits give the
 * same tokens.
 *
 * <p>Filtering order: temperature, top-k, top-p, renormalize. Ties in ranking go to the lower
 * token id, so filtering is deterministic. Non-finite logits: NaN is rejected with an error (the
 * model diverged); +∞ logits share all the mass, −∞ logits get probability 0.
 */
public final class Sampler {

    /**
     * Sampling settings. {@code topK <= 0} disables top-k; {@code topP >= 1} disables top-p;
     * {@code greedy} (or temperature 0) takes the arg-max.
     */
    public record Settings(double temperature, int topK, double topP, boolean greedy) {
        public Settings {
            if (!(temperature >= 0) || !Double.isFinite(temperature)) {
                throw new IllegalArgumentException("temperature (" + temperature + ") must be finite and >= 0");
            }
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("top-p (" + topP + ") must be in (0, 1]; use 1 to disable it");
            }
            if (topK < 0) {
                throw new IllegalArgumentException("top-k (" + topK + ") must be >= 0; use 0 to disable it");
            }
        }

        public static Settings greedyDecoding() {
            return new Settings(0, 0, 1, true);
        }

        boolean isGreedy() {
            return greedy || temperature == 0;
        }
    }

    private final Settings settings;
    private final SplittableRandom random;
    /** Softmax weights of the last row sampled (reused: a sampler serves one request). */
    private double[] weights;

    public Sampler(Settings settings, long seed) {
        this.settings = settings;
        this.random = new SplittableRandom(seed);
    }

    public Settings settings() {
        return settings;
    }

    /** Samples a token id from {@code logits[off .. off+vocab)}. */
    public int sample(float[] logits, int off, int vocab) {
        if (settings.isGreedy()) {
            return argMax(logits, off, vocab);
        }
        if (settings.topK() > 0 && settings.topK() < vocab || settings.topP() < 1) {
            return draw(probabilities(logits, off, vocab, settings), 1, vocab);
        }
        // Plain softmax: the weights go in a buffer the sampler keeps, and each is normalized
        // only as the draw reaches it: the same doubles as probabilities(), so the same tokens,
        // without a V-double array per token (the server samples a batch of rows per step).
        if (weights == null || weights.length < vocab) {
            weights = new double[vocab];
        }
        double sum = softmaxWeights(logits, off, vocab, settings, weights);
        return draw(weights, sum, vocab);
    }

    /**
     * Inverse-CDF draw from {@code w[0 .. vocab)} / {@code sum}: the first token whose cumulative
     * probability exceeds a uniform u (tokens of probability 0 are never drawn).
     */
    private int draw(double[] w, double sum, int vocab) {
        double u = random.nextDouble();
        double cum = 0;
        int last = -1;
        for (int i = 0; i < vocab; i++) {
            double p = w[i] / sum;
            if (p == 0) {
                continue;
            }
            last = i;
            cum += p;
            if (u < cum) {
                return i;
            }
        }
        return last; // rounding left u ≥ Σp: take the last kept token
    }

    /** Samples from a whole logits row. */
    public int sample(float[] logits) {
        return sample(logits, 0, logits.length);
    }

    /** Arg-max of {@code logits[off .. off+vocab)}; the lowest id wins ties. */
    public static int argMax(float[] logits, int off, int vocab) {
        int best = 0;
        for (int i = 0; i < vocab; i++) {
            float x = logits[off + i];
            if (Float.isNaN(x)) {
                throw nanError(i);
            }
            if (x > logits[off + best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * The filtered, renormalized distribution the sampler draws from (greedy ignored), in double:
     * softmax(logits / T), then top-k, then top-p.
     */
    public static double[] probabilities(float[] logits, int off, int vocab, Settings s) {
        double[] p = new double[vocab];
        double sum = softmaxWeights(logits, off, vocab, s, p);
        for (int i = 0; i < vocab; i++) {
            p[i] /= sum;
        }
        boolean topK = s.topK() > 0 && s.topK() < vocab;
        boolean topP = s.topP() < 1;
        if (!topK && !topP) {
            return p;
        }
        // Rank order is descending p, ties by ascending token id. Only the values are sorted
        // (a primitive sort: sorting boxed ids with a comparator took longer per token at V 8192
        // than the decode step, 2026-11, not kept); the kept set is then every token above the
        // cut value plus the lowest-id ties at it, the same set and the same sums as sorting the
        // ids would give.
        double[] sorted = p.clone();
        Arrays.sort(sorted);
        int keep = topK ? s.topK() : vocab;
        if (topP) {
            double mass = 0;
            for (int r = 0; r < keep; r++) {
                mass += sorted[vocab - 1 - r];
            }
            double cum = 0;
            for (int r = 0; r < keep; r++) {
                cum += sorted[vocab - 1 - r] / mass;
                if (cum >= s.topP()) {
                    keep = r + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int r = 0; r < keep; r++) {
            kept += sorted[vocab - 1 - r];
        }
        double cut = sorted[vocab - keep];
        int above = 0;
        for (int i = 0; i < vocab; i++) {
            if (p[i] > cut) {
                above++;
            }
        }
        int ties = keep - above;
        double[] out = new double[vocab];
        for (int i = 0; i < vocab; i++) {
            if (p[i] > cut || (p[i] == cut && ties-- > 0)) {
                out[i] = p[i] / kept;
            }
        }
        return out;
    }

    /**
     * p[i] = exp(logits[off + i] / T − max) for i &lt; vocab (+∞ logits share the mass, −∞ get
     * 0); returns Σ p. NaN is rejected. The exps and the sum are {@link SoftmaxWeights}' (vector
     * lanes, the same bits at every vector width), except for a row whose max is infinite.
     */
    private static double softmaxWeights(float[] logits, int off, int vocab, Settings s,
                                         double[] p) {
        double t = s.temperature() == 0 ? 1 : s.temperature();
        double max = SoftmaxWeights.maxScaled(logits, off, vocab, t);
        if (Double.isNaN(max)) {
            throw nanError(SoftmaxWeights.firstNaN(logits, off, vocab));
        }
        if (Double.isFinite(max)) {
            return SoftmaxWeights.weights(logits, off, vocab, t, max, p);
        }
        double sum = 0;
        for (int i = 0; i < vocab; i++) {
            double z = logits[off + i] / t;
            p[i] = max == Double.POSITIVE_INFINITY ? (z == max ? 1 : 0) : Math.exp(z - max);
            sum += p[i];
        }
        return sum;
    }

    /**
     * NaN logits are a user error: every loader validates that weights are finite, so NaN here
     * means finite weights so large that the forward pass overflows (the checkpoint is unusable).
     */
    private static IllegalArgumentException nanError(int token) {
        return new IllegalArgumentException("logit of token " + token + " is NaN: the model's"
                + " finite weights overflow in the forward pass; the checkpoint is unusable: use an"
                + " earlier one (check it with `ultramem eval`) or retrain with a lower lr");
    }
}
