package org.ultramem.train;

import java.util.List;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Global-norm gradient clipping: with ‖g‖ = sqrt(Σ over every parameter of Σ g²), every gradient is
 * scaled by {@code maxNorm / ‖g‖} when ‖g‖ &gt; maxNorm. Row-sparse parameters contribute (and are
 * scaled on) only their touched rows; their other rows hold zero gradient, so the norm is exact.
 *
 * <p>Non-finite values: a NaN or infinite gradient makes the norm NaN or infinite; {@link #clip}
 * then returns it without scaling anything, and the trainer stops.
 */
public final class GradClip {

    private GradClip() {
    }

    /** The global L2 norm of all gradients (double accumulation, fixed order). */
    public static double globalNorm(Kernels kernels, List<Parameter> params) {
        double sum = 0;
        for (Parameter p : params) {
            if (!p.rowSparse()) {
                sum += kernels.sumOfSquares(p.grad, 0, p.numel());
                continue;
            }
            int[] rows = p.touchedRows();
            for (int k = 0; k < p.touchedCount(); k++) {
                sum += kernels.sumOfSquares(p.grad, rows[k] * p.rowWidth, p.rowWidth);
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Clips gradients in place to global norm {@code maxNorm} ({@code maxNorm <= 0} disables
     * clipping) and returns the norm before clipping.
     */
    public static double clip(Kernels kernels, List<Parameter> params, double maxNorm) {
        double norm = globalNorm(kernels, params);
        if (maxNorm <= 0 || !Double.isFinite(norm) || norm <= maxNorm) {
            return norm;
        }
        scaleAll(kernels, params, (float) (maxNorm / norm));
        return norm;
    }

    /** Multiplies every gradient by {@code factor} (touched rows only for row-sparse parameters). */
    public static void scaleAll(Kernels kernels, List<Parameter> params, float factor) {
        for (Parameter p : params) {
            if (!p.rowSparse()) {
                kernels.scale(p.grad, 0, factor, p.numel());
                continue;
            }
            int[] rows = p.touchedRows();
            for (int k = 0; k < p.touchedCount(); k++) {
                kernels.scale(p.grad, rows[k] * p.rowWidth, factor, p.rowWidth);
            }
        }
    }
}
