package org.ultramem.nn.memory;

/**
 * A memory layer's query BatchNorm in evaluation mode, from its checkpointed tensors: per channel
 * j, out = γ_j·(x − mean_j)·rstd_j + β_j with rstd_j = (running_var_j + ε)^-½, ε = 1e-5 as
 * PyTorch. The one place this arithmetic is written: {@code QueryBatchNorm} (training and
 * evaluation forwards) and the decode engine (PKM and UltraMem decoders) call {@link #normalize},
 * so decoding equals the training model's evaluation forward bit for bit.
 *
 * @param gamma γ [dim]
 * @param beta  β [dim]
 * @param mean  running mean [dim]
 * @param rstd  (running var + ε)^-½ [dim]
 */
public record RunningBatchNorm(float[] gamma, float[] beta, float[] mean, float[] rstd) {

    /** From the stored γ, β, running mean and running variance. */
    public static RunningBatchNorm of(float[] gamma, float[] beta, float[] mean, float[] var) {
        float[] rstd = new float[var.length];
        for (int j = 0; j < var.length; j++) {
            rstd[j] = rstd(var[j]);
        }
        return new RunningBatchNorm(gamma, beta, mean, rstd);
    }

    /** (var + ε)^-½ in double, rounded once, as PyTorch's float BatchNorm. */
    static float rstd(double var) {
        return (float) (1.0 / Math.sqrt(var + (double) QueryBatchNorm.EPS));
    }

    /** out [rows, dim] = γ⊙x̂ + β with x̂ = (x − mean)·rstd; out may be x. */
    public void apply(float[] out, float[] x, int rows) {
        normalize(out, null, x, rows, mean, rstd, gamma, beta);
    }

    /**
     * out [rows, dim] = γ⊙x̂ + β with x̂ = (x − mean)·rstd, dim = γ.length; x̂ also into
     * {@code xhat} unless null (may be x, or out may be x).
     */
    static void normalize(float[] out, float[] xhat, float[] x, int rows, float[] mean,
                          float[] rstd, float[] g, float[] b) {
        int dim = g.length;
        for (int r = 0; r < rows; r++) {
            int o = r * dim;
            for (int j = 0; j < dim; j++) {
                float xh = (x[o + j] - mean[j]) * rstd[j];
                if (xhat != null) {
                    xhat[o + j] = xh;
                }
                out[o + j] = g[j] * xh + b[j];
            }
        }
    }
}
