package org.ultramem.nn;

import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Tied output head with fused softmax cross-entropy. Shapes: hidden [rows, D], the embedding
 * table E [vocab, D] (shared with the input {@link Embedding}), logits [rows, vocab],
 * targets [rows] (−1 = not scored): {@code logits = hidden · Eᵀ},
 * {@code loss = Σ_r −log softmax(logits[r])[targets[r]]} over scored rows.
 *
 * <p>The logits buffer is overwritten in place by its gradient, so one [maxRows, vocab] buffer
 * serves forward and backward.
 */
public final class CrossEntropy {

    public final Parameter embedding;
    public final int vocab;
    public final int dim;
    private final float[] logits;
    private final Kernels kernels = KernelProvider.get();

    /** A head over the tied {@code embedding} [vocab, D], for up to {@code maxRows} rows. */
    public CrossEntropy(Parameter embedding, int maxRows) {
        if (embedding.shape.length != 2) {
            throw new IllegalArgumentException("tied output embedding " + embedding
                    + " must be a [vocab, dim] matrix");
        }
        this.embedding = embedding;
        this.vocab = embedding.shape[0];
        this.dim = embedding.shape[1];
        this.logits = new float[Math.multiplyExact(maxRows, vocab)];
    }

    /** out [rows, vocab] = hidden [rows, D] · Eᵀ, into a caller-owned buffer (inference). */
    public void logits(float[] out, float[] hidden, int rows) {
        kernels.matmul(false, true, rows, vocab, dim, hidden, 0, dim, embedding.data, 0, dim,
                out, 0, vocab, false);
    }

    /**
     * Forward and backward at once. Returns Σ NLL (nats) over rows with targets ≥ 0; adds
     * gradScale·∂(Σ NLL)/∂· into dHidden [rows, D] and into the embedding's gradient:
     * dLogits = gradScale·(softmax − onehot); dHidden += dLogits·E; dE += dLogitsᵀ·hidden.
     */
    public double forwardBackward(float[] dHidden, float[] hidden, int[] targets, int rows,
            float gradScale) {
        logits(logits, hidden, rows);
        double nll = kernels.crossEntropyForwardBackward(logits, targets, rows, vocab, gradScale);
        kernels.matmul(false, false, rows, dim, vocab, logits, 0, vocab, embedding.data, 0, dim,
                dHidden, 0, dim, true);
        kernels.matmul(true, false, vocab, dim, rows, logits, 0, vocab, hidden, 0, dim,
                embedding.grad, 0, dim, true);
        return nll;
    }

    /** Σ NLL (nats) over rows with targets ≥ 0, without gradients. hidden [rows, D]. */
    public double loss(float[] hidden, int[] targets, int rows) {
        logits(logits, hidden, rows);
        return kernels.crossEntropyLoss(logits, targets, rows, vocab);
    }
}
