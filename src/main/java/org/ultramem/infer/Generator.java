package org.ultramem.infer;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Autoregressive generation of one sequence with the {@link InferenceModel} engine: prefill the
 * prompt, then decode one token per step, sampling from the previous logits. Stops after
 * {@code maxNewTokens}, at the stop token (not emitted) or when the context is full. Prefill and
 * decode are timed separately; the model's traffic meter covers the decode steps only.
 */
public final class Generator {

    /**
     * The generated ids (prompt excluded) and the speeds: prefill and decode tokens/s over the
     * whole call (what the user waited, including JIT warm-up of the first steps and sampling),
     * and the median time of one decode step (the steady rate once compiled; NaN when no step
     * ran).
     */
    public record Output(int[] tokens, int promptTokens, double prefillTokensPerS,
                         double decodeTokensPerS, double decodeStepMedianMs) {
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

    private final InferenceModel model;
    private final Precision kvPrecision;

    /** A generator with an fp32 KV cache. */
    public Generator(InferenceModel model) {
        this(model, Precision.F32);
    }

    /** A generator whose KV cache is stored in {@code kvPrecision} (fp32 or bf16). */
    public Generator(InferenceModel model, Precision kvPrecision) {
        this.model = model;
        this.kvPrecision = kvPrecision;
    }

    /**
     * Runs about {@code steps} untimed decode steps on throwaway sequences (a short prefill, then
     * token 0 to the end of the context) so the JIT compiles both paths before anything is timed:
     * a cold step of the demo model took many times longer than a compiled one
     * (java-engineering.md: first passes run 6-20x slower), and compilation needs a few hundred
     * steps. The prefill matters: a multi-token pass met only afterwards deoptimizes kernels
     * compiled for one row. Each step's logits also go through a throwaway {@code sampler} (its
     * sort runs interpreted at first too). Leaves the traffic meter and the stage clock reset.
     * Returns the decode steps run.
     */
    public int warmUp(int steps, Sampler sampler) {
        if (steps < 0) {
            throw new IllegalArgumentException("warm-up steps (" + steps + ") must be >= 0");
        }
        int context = model.config().maxPositionEmbeddings();
        int prompt = Math.min(8, context - 1);
        int[] token = {0};
        int done = 0;
        while (done < steps) {
            DecodeState state = model.newState(1, context, kvPrecision);
            model.prefill(state, 0, new int[prompt]);
            for (int i = prompt; i < context && done < steps; i++, done++) {
                float[] logits = model.decode(state, token);
                sampler.sample(logits, 0, model.config().vocabSize());
            }
        }
        model.meter().reset();
        model.stages().reset();
        return done;
    }

    /**
     * Generates up to {@code maxNewTokens} ids after {@code prompt}; {@code stopToken} &lt; 0
     * disables stopping; {@code onToken} (may be null) sees each id as it is produced (streaming).
     */
    public Output generate(int[] prompt, int maxNewTokens, Sampler sampler, int stopToken,
                                     IntConsumer onToken) {
        int context = model.config().maxPositionEmbeddings();
        if (prompt.length == 0) {
            throw new IllegalArgumentException("the prompt encodes to no tokens; pass a non-empty"
                    + " --prompt");
        }
        if (prompt.length >= context) {
            throw new IllegalArgumentException("the prompt has " + prompt.length + " tokens but the"
                    + " model's context (max_position_embeddings) is " + context
                    + "; shorten the prompt");
        }
        if (maxNewTokens < 0) {
            throw new IllegalArgumentException("max new tokens (" + maxNewTokens + ") must be >= 0");
        }
        int budget = Math.min(maxNewTokens, context - prompt.length);
        DecodeState state = model.newState(1, prompt.length + Math.max(budget, 1), kvPrecision);
        int vocab = model.config().vocabSize();
        long t0 = System.nanoTime();
        float[] logits = model.prefill(state, 0, prompt);
        long t1 = System.nanoTime();
        model.meter().reset();
        model.stages().reset();
        int[] out = new int[budget];
        long[] steps = new long[budget];
        int stepCount = 0;
        int[] next = new int[1];
        int n = 0;
        while (n < budget) {
            int id = sampler.sample(logits, 0, vocab);
            if (id == stopToken) {
                break;
            }
            out[n++] = id;
            if (onToken != null) {
                onToken.accept(id);
            }
            if (n < budget) {
                next[0] = id;
                long s0 = System.nanoTime();
                logits = model.decode(state, next);
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
