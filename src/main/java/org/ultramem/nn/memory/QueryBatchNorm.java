package org.ultramem.nn.memory;

import java.util.Arrays;
import org.ultramem.nn.Parameter;

/**
 * BatchNorm1d over a memory layer's query projection output (PKM's {@code pkm_query_batchnorm},
 * UltraMem's {@code query_batchnorm}), as PyTorch computes it (eps 1e-5, momentum
 * 0.1, affine). Every token of the batch is one sample; each of the {@code dim} query channels is
 * normalized on its own.
 * <ul>
 *   <li>Training: batch mean and biased variance normalize; the running statistics move by
 *       {@code running = 0.9·running + 0.1·batch}, with the unbiased variance, as in PyTorch.</li>
 *   <li>Evaluation: the running statistics normalize; nothing is updated.</li>
 * </ul>
 * Reductions accumulate in double; NaN in any row makes that channel's statistics NaN.
 */
final class QueryBatchNorm {

    static final float EPS = 1e-5f;
    static final float MOMENTUM = 0.1f;

    final int dim;
    /** The config key that turns this BatchNorm on (named in errors). */
    private final String configKey;
    /** γ: [dim], init 1. */
    final Parameter weight;
    /** β: [dim], init 0. */
    final Parameter bias;
    /** Running mean: [dim], init 0 (a buffer: checkpointed, not trained). */
    final float[] runningMean;
    /** Running (unbiased) variance: [dim], init 1. */
    final float[] runningVar;
    /** 1/sqrt(var + eps) used by the last forward (batch or running variance): [dim]. */
    private final float[] rstd;
    /** Batch mean of the last training forward: [dim]. */
    private final float[] batchMean;
    private final double[] sum;
    private final double[] sum2;

    QueryBatchNorm(String prefix, int dim) {
        this(prefix, dim, PkmConfig.QUERY_BATCHNORM);
    }

    QueryBatchNorm(String prefix, int dim, String configKey) {
        this.dim = dim;
        this.configKey = configKey;
        this.weight = new Parameter(prefix + ".weight", new int[] {dim}, Parameter.Group.NO_DECAY);
        this.bias = new Parameter(prefix + ".bias", new int[] {dim}, Parameter.Group.NO_DECAY);
        Arrays.fill(weight.data, 1f);
        this.runningMean = new float[dim];
        this.runningVar = new float[dim];
        Arrays.fill(runningVar, 1f);
        this.rstd = new float[dim];
        this.batchMean = new float[dim];
        this.sum = new double[dim];
        this.sum2 = new double[dim];
    }

    /**
     * Forward. x: [rows, dim] in, overwritten with x̂ (saved for backward); out: [rows, dim] =
     * γ⊙x̂ + β. Training needs rows ≥ 2 (a single sample has no variance).
     */
    void forward(float[] out, float[] x, int rows, boolean training) {
        float[] mean = runningMean;
        if (training) {
            if (rows < 2) {
                throw new IllegalArgumentException("query BatchNorm (config key `"
                        + configKey + "`) needs at least 2 tokens per training forward, got "
                        + rows + "; use larger batches, evaluation mode, or set it to false");
            }
            Arrays.fill(sum, 0);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < dim; j++) {
                    sum[j] += x[r * dim + j];
                }
            }
            mean = batchMean;
            Arrays.fill(sum2, 0);
            for (int j = 0; j < dim; j++) {
                mean[j] = (float) (sum[j] / rows);
            }
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < dim; j++) {
                    double d = x[r * dim + j] - (double) mean[j];
                    sum2[j] += d * d;
                }
            }
            for (int j = 0; j < dim; j++) {
                double var = sum2[j] / rows;
                rstd[j] = (float) (1.0 / Math.sqrt(var + EPS));
                runningMean[j] = (1 - MOMENTUM) * runningMean[j] + MOMENTUM * mean[j];
                runningVar[j] = (float) ((1 - MOMENTUM) * runningVar[j] + MOMENTUM * (sum2[j] / (rows - 1)));
            }
        } else {
            for (int j = 0; j < dim; j++) {
                rstd[j] = RunningBatchNorm.rstd(runningVar[j]);
            }
        }
        RunningBatchNorm.normalize(out, x, x, rows, mean, rstd, weight.data, bias.data);
    }

    /**
     * Backward, in place: {@code d} holds dOut [rows, dim] on entry and dIn on exit (=, not +=);
     * γ and β gradients are added. With g = dOut⊙γ: training
     * dIn = rstd·(g − mean_r(g) − x̂·mean_r(g⊙x̂)); evaluation dIn = rstd·g (statistics constant).
     * dγ += Σ_r dOut⊙x̂, dβ += Σ_r dOut.
     */
    void backwardInPlace(float[] d, float[] xhat, int rows, boolean training) {
        Arrays.fill(sum, 0);
        Arrays.fill(sum2, 0);
        float[] gamma = weight.data;
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            for (int j = 0; j < dim; j++) {
                float dOut = d[o + j];
                sum[j] += dOut;                // Σ dOut  → dβ; Σ g = γ·Σ dOut
                sum2[j] += dOut * (double) xhat[o + j];   // Σ dOut⊙x̂ → dγ; Σ g⊙x̂ = γ·that
            }
        }
        for (int j = 0; j < dim; j++) {
            bias.grad[j] += (float) sum[j];
            weight.grad[j] += (float) sum2[j];
        }
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            for (int j = 0; j < dim; j++) {
                float g = d[o + j] * gamma[j];
                if (training) {
                    double meanG = gamma[j] * sum[j] / rows;
                    double meanGx = gamma[j] * sum2[j] / rows;
                    d[o + j] = (float) (rstd[j] * (g - meanG - xhat[o + j] * meanGx));
                } else {
                    d[o + j] = rstd[j] * g;
                }
            }
        }
    }
}
