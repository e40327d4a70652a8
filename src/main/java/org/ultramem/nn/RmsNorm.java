package org.ultramem.nn;

import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Root-mean-square normalization with a learned gain. Shapes: x, out [rows, dim], gain g [dim],
 * saved rstd [rows]: {@code out[r,:] = x[r,:] · rstd[r] ⊙ g},
 * {@code rstd[r] = 1/sqrt(mean(x[r,:]²) + eps)}.
 * The gain starts at 1.0 and is in group NO_DECAY.
 */
public final class RmsNorm {

    public final Parameter weight;
    public final int dim;
    public final float eps;
    /** Saved by {@link #forward} for {@link #backward}: [maxRows]. */
    private final float[] rstd;
    private final Kernels kernels = KernelProvider.get();

    /** A norm over rows of width {@code dim}, saving statistics for up to {@code maxRows} rows. */
    public RmsNorm(String name, int dim, float eps, int maxRows) {
        this.dim = dim;
        this.eps = eps;
        this.weight = new Parameter(name, new int[] {dim}, Parameter.Group.NO_DECAY);
        java.util.Arrays.fill(weight.data, 1f);
        this.rstd = new float[maxRows];
    }

    /** out [rows, dim] = rmsnorm(x [rows, dim]) ⊙ g; saves rstd for {@link #backward}. */
    public void forward(float[] out, float[] x, int rows) {
        apply(out, x, rows, rstd);
    }

    /**
     * The same map without touching this layer's saved state (inference, several callers at once):
     * rstdOut [rows] receives the statistics.
     */
    public void apply(float[] out, float[] x, int rows, float[] rstdOut) {
        kernels.rmsNormForward(out, rstdOut, x, weight.data, rows, dim, eps);
    }

    /**
     * dX [rows, dim] += rstd·(g⊙dOut − x̂·mean(x̂⊙g⊙dOut)) with x̂ = x·rstd;
     * dG [dim] += Σ_r dOut ⊙ x̂.
     * x must be the input given to the last {@link #forward}.
     */
    public void backward(float[] dX, float[] dOut, float[] x, int rows) {
        kernels.rmsNormBackward(dX, weight.grad, dOut, x, weight.data, rstd, rows, dim);
    }
}
