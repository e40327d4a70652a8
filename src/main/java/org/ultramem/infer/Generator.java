package org.ultramem.infer;

import java.util.Arrays;
import java.util.function.IntConsumer;
import org.ultramem.model.KvCache;
import org.ultramem.model.Transformer;

/**
 * Autoregressive generation with the model's KV cache: prefill the prompt, then decode one token
 * at a time, sampling each from the previous step's logits. Generation stops after
 * {@code maxNewTokens}, at the stop token (which is not emitted), or when the context
 * (max_position_embeddings) is full. Timings separate prefill from decode.
 */
public final class Generator {

    /** The generated ids (prompt excluded) and throughput of the two phases. */
    /**
     * The generated ids and the speeds: prefill and decode tokens/s over the whole call (what the
     * user waited, including JIT warm-up of the first steps and sampling), and the median time of
     * one decode step (the steady rate once compiled; NaN when no step ran).
     */
    public record Output(int[] tokens, int promptTokens, double prefillTokensPerS, double decodeTokensPerS,
                         double decodeStepMedianMs) {
    }

    /** Median of the first {@code n} step times in ns, in ms (NaN for none). */
    static double medianMs(long[] stepNanos, int n) {
        if (n == 0) {
            return Double.NaN;
        }
        long[] s = Arrays.copyOf(stepNanos, n);
        Arrays.sort(s);
        return s[n / 2] / 1e6;
    }

    private final Transformer model;

    public Generator(Transformer model) {
        this.model = model;
    }

    /**
     * Generates up to {@code maxNewTokens} ids after {@code prompt}; {@code stopToken} &lt; 0
     * disables stopping; {@code onToken} (may be null) sees each id as it is produced (streaming).
     */
    public Output generate(int[] prompt, int maxNewTokens, Sampler sampler, int stopToken, IntConsumer onToken) {
        int context = model.config().maxPositionEmbeddings();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt encodes to no tokens; pass a non-empty --prompt");
        }
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the model's context "
                    + "(max_position_embeddings) is " + context + "; shorten the prompt");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens (" + maxNewTokens + ") must be >= 0");
        }
        int budget = Math.min(maxNewTokens, context - prompt.length);
        KvCache cache = model.newKvCache(prompt.length + Math.max(budget, 1));
        int vocab = model.config().vocabSize();

        long t0 = System.nanoTime();
        float[] logits = model.prefill(cache, prompt);
        long t1 = System.nanoTime();
        int[] out = new int[budget];
        long[] steps = new long[budget];
        int stepCount = 0;
        int n = 0;
        while (n < budget) {
            int next = sampler.sample(logits, 0, vocab);
            if (next == stopToken) {
                break;
            }
            out[n++] = next;
            if (onToken != null) {
                onToken.accept(next);
            }
            if (n < budget) {
                long s0 = System.nanoTime();
                logits = model.decode(cache, next);
                steps[stepCount++] = System.nanoTime() - s0;
            }
        }
        long t2 = System.nanoTime();
        double prefillRate = prompt.length / Math.max(1e-9, (t1 - t0) / 1e9);
        double decodeRate = n / Math.max(1e-9, (t2 - t1) / 1e9);
        return new Output(Arrays.copyOf(out, n), prompt.length, prefillRate, decodeRate,
                medianMs(steps, stepCount));
    }
}
