package org.ultramem.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.ParameterReset;

/**
 * What the trainer, the evaluator and the sampler need from a model. The dense transformer and
 * every sparse variant (MoE blocks, PKM and UltraMem memory layers) are one {@link Transformer}
 * configured by {@link ModelConfig}; this interface keeps the training loop independent of it.
 *
 * <p>Token batches are flattened: {@code tokens[b·seq + t]}. Targets use −1 for "no target".
 */
public interface LanguageModel {

    ModelConfig config();

    /** Every trainable parameter, in a fixed order (checkpoint order). */
    List<Parameter> parameters();

    /**
     * Every parameter by its checkpoint name, in {@link #parameters()} order. Layers name their
     * own parameters locally ({@code values}); the model prefixes them
     * ({@code model.memory_layers.0.values}), so use these names, not {@code Parameter.name}, for
     * checkpoints and optimizer state.
     */
    default Map<String, Parameter> parametersByName() {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (Parameter p : parameters()) {
            m.put(p.name, p);
        }
        return m;
    }

    /**
     * Checkpointed state that is not trained (UltraMem u/v and the value shuffle π, PKM BatchNorm
     * running statistics), by checkpoint name. The arrays are live: read them to save.
     */
    default Map<String, Buffer> buffers() {
        return Map.of();
    }

    /**
     * Restores buffers saved from {@link #buffers()}; every name of {@link #buffers()} must be
     * present with the same shape (checked, with the name in the message).
     */
    default void loadBuffers(Map<String, Buffer> saved) {
        Map<String, Buffer> mine = buffers();
        for (Map.Entry<String, Buffer> e : mine.entrySet()) {
            Buffer src = saved.get(e.getKey());
            e.getValue().copyFrom(e.getKey(), src);
        }
    }

    /**
     * Optimizer settings that memory layers ask for their value tables (group VALUES), by
     * checkpoint name. Tables not listed use the training config's value-table settings.
     */
    default Map<String, ValueTableRule> valueTableRules() {
        return Map.of();
    }

    /**
     * Learning rates that memory layers ask for their retrieval parameters (UltraMem
     * {@code retrieval_lr_mult}, {@code retrieval_warmup_steps}), by checkpoint name. Parameters
     * not listed follow the base schedule.
     */
    default Map<String, RetrievalRule> retrievalRules() {
        return Map.of();
    }

    /**
     * Forward and backward on one micro-batch. Gradients are added (+=) into each parameter's
     * {@code grad}, scaled so that the gradient is that of {@code lossScale × mean token loss};
     * the caller zeroes gradients once per optimizer step.
     *
     * @return summed token negative log-likelihood (nats) and the number of scored tokens, plus
     *     auxiliary losses (MoE balance, z-loss) already included in the gradient
     */
    StepLoss forwardBackward(int[] tokens, int[] targets, int batch, int seq, float lossScale);

    /** Forward only: summed NLL over scored tokens. */
    StepLoss forwardLoss(int[] tokens, int[] targets, int batch, int seq);

    /** Work done once per optimizer step before the first forward (UltraMem u/v refresh). */
    default void beforeStep() {
    }

    /**
     * Work after optimizer step {@code stepsDone} (a count) that changes parameters outside the
     * optimizer: UltraMem's dead sub-key restart re-initialises keys and drops their optimizer
     * state through {@code reset}. {@code seed} is the training seed (restarts are seeded by it
     * and the step, so a resumed run repeats them).
     */
    default void afterStep(long stepsDone, long seed, ParameterReset reset) {
    }

    /** Named scalar diagnostics gathered since the last call (memory usage, expert load). */
    default Map<String, Double> drainDiagnostics() {
        return Map.of();
    }

    /**
     * A non-trained tensor: {@code f32} or {@code i32} (exactly one non-null) with its shape.
     * Checkpoints store F32 or I32 tensors under the buffer's name.
     */
    record Buffer(int[] shape, float[] f32, int[] i32) {

        public static Buffer ofF32(float[] data, int... shape) {
            return new Buffer(shape, data, null);
        }

        public static Buffer ofI32(int[] data, int... shape) {
            return new Buffer(shape, null, data);
        }

        /** Copies {@code src} into this buffer's arrays after checking kind and shape. */
        public void copyFrom(String name, Buffer src) {
            if (src == null) {
                throw new IllegalArgumentException("buffer `" + name + "` is missing from the"
                        + " checkpoint; it was written by another model or an older build");
            }
            if (!Arrays.equals(shape, src.shape) || (f32 == null) != (src.f32 == null)) {
                throw new IllegalArgumentException("buffer `" + name + "` has shape "
                        + Arrays.toString(src.shape) + (src.f32 != null ? " F32" : " I32")
                        + " in the checkpoint but the model needs " + Arrays.toString(shape)
                        + (f32 != null ? " F32" : " I32") + "; check that config.json matches");
            }
            if (f32 != null) {
                System.arraycopy(src.f32, 0, f32, 0, f32.length);
            } else {
                System.arraycopy(src.i32, 0, i32, 0, i32.length);
            }
        }
    }

    /** Summed loss of one forward: {@code nll} over {@code tokens} scored tokens, plus aux terms. */
    record StepLoss(double nll, long tokens, Map<String, Double> aux) {
        public double meanNll() {
            return tokens == 0 ? Double.NaN : nll / tokens;
        }
    }
}
