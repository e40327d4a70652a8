package org.ultramem.model;

import java.util.List;
import java.util.Map;
import org.ultramem.nn.Parameter;

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

    /** Named scalar diagnostics gathered since the last call (memory usage, expert load). */
    default Map<String, Double> drainDiagnostics() {
        return Map.of();
    }

    /** Summed loss of one forward: {@code nll} over {@code tokens} scored tokens, plus aux terms. */
    record StepLoss(double nll, long tokens, Map<String, Double> aux) {
        public double meanNll() {
            return tokens == 0 ? Double.NaN : nll / tokens;
        }
    }
}
