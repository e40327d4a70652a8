package org.ultramem.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ultramem.model.ValueTableRule;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Global-norm gradient clipping: with ‖g‖ = sqrt(Σ over every parameter of Σ g²), every gradient is
 * scaled by {@code maxNorm / ‖g‖} when ‖g‖ &gt; maxNorm. Row-sparse parameters contribute (and are
 * scaled on) only their touched rows; their other rows hold zero gradient, so the norm is exact.
 * The sum runs in a fixed order whatever the thread count: parameter by parameter, a dense one as
 * one {@link Kernels#sumOfSquares}, a row-sparse one row by row in first-touch order. With at
 * least 2 × {@link Parameter#ROWS_PER_TASK} touched rows, the rows' own sums are computed in
 * parallel, in address order, into a scratch array indexed by row, and only then added up in
 * first-touch order, so the norm is the sequential one bit for bit.
 *
 * <p>{@link Groups}: value tables whose rule asks for their own norm (UltraMem
 * {@code value_grad_clip}) are clipped alone and left out of the global norm (Memory+ clips value
 * gradients apart); with no such table the global clip is exactly {@link #clip} over every
 * parameter.
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
            int count = p.touchedCount();
            int[] rows = p.touchedRows();
            if (count < 2 * Parameter.ROWS_PER_TASK) {
                // one thread's worth: no scratch
                for (int k = 0; k < count; k++) {
                    sum += kernels.sumOfSquares(p.grad, rows[k] * p.rowWidth, p.rowWidth);
                }
                continue;
            }
            double[] rowSum = new double[p.numel() / p.rowWidth];
            int[] ascending = p.touchedRowsAscending();
            Parallel.forRange(count, Parameter.ROWS_PER_TASK, (s, e) -> {
                for (int k = s; k < e; k++) {
                    int r = ascending[k];
                    rowSum[r] = kernels.sumOfSquares(p.grad, r * p.rowWidth, p.rowWidth);
                }
            });
            for (int k = 0; k < count; k++) {
                sum += rowSum[rows[k]];
            }
        }
        return Math.sqrt(sum);
    }

    /**
     * Clips gradients in place to global norm {@code maxNorm} ({@code maxNorm <= 0} disables
     * clipping) and returns the norm before clipping.
     */
    public static double clip(Kernels kernels, List<Parameter> params, double maxNorm) {
        return clip(kernels, params, maxNorm, null);
    }

    /**
     * As {@link #clip(Kernels, List, double)}, but the parameters {@code optimizer} updates
     * lazily are not scaled here: their factor goes to {@link AdamW#deferGradScale}, which
     * applies it in the row pass of its next step (same result, one pass less over the touched
     * rows of the value tables). {@code optimizer} null: scale everything here.
     */
    public static double clip(Kernels kernels, List<Parameter> params, double maxNorm,
                              AdamW optimizer) {
        double norm = globalNorm(kernels, params);
        if (maxNorm <= 0 || !Double.isFinite(norm) || norm <= maxNorm) {
            return norm;
        }
        float factor = (float) (maxNorm / norm);
        List<Parameter> now = params;
        if (optimizer != null) {
            now = new ArrayList<>();
            for (Parameter p : params) {
                if (optimizer.isLazy(p)) {
                    optimizer.deferGradScale(p, factor);
                } else {
                    now.add(p);
                }
            }
        }
        scaleAll(kernels, now, factor);
        return norm;
    }

    /**
     * Multiplies every gradient by {@code factor} (touched rows only for row-sparse parameters,
     * split over the kernel threads in address order).
     */
    public static void scaleAll(Kernels kernels, List<Parameter> params, float factor) {
        for (Parameter p : params) {
            if (!p.rowSparse()) {
                // x · factor per element, so the split does not change a bit.
                Parallel.forRange(p.numel(), 1 << 15, (s, e) ->
                        kernels.scale(p.grad, s, factor, e - s));
                continue;
            }
            int[] rows = p.touchedRowsAscending();
            Parallel.forRange(p.touchedCount(), Parameter.ROWS_PER_TASK, (s, e) -> {
                for (int k = s; k < e; k++) {
                    kernels.scale(p.grad, rows[k] * p.rowWidth, factor, p.rowWidth);
                }
            });
        }
    }

    /**
     * The clipping groups of a model: {@code main} (every parameter without its own norm, in
     * model order) under the training config's norm, and each table of {@code own} under
     * {@code ownMaxNorm[i]}.
     */
    public record Groups(List<Parameter> main, List<Parameter> own, double[] ownMaxNorm) {

        /** Groups by checkpoint name: a VALUES table whose rule has gradClip &gt; 0 is alone. */
        public static Groups of(Map<String, Parameter> named, Map<String, ValueTableRule> rules) {
            List<Parameter> main = new ArrayList<>();
            List<Parameter> own = new ArrayList<>();
            List<Double> norms = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : named.entrySet()) {
                ValueTableRule r = rules.get(e.getKey());
                if (r != null && r.gradClip() > 0 && e.getValue().group == Parameter.Group.VALUES) {
                    own.add(e.getValue());
                    norms.add(r.gradClip());
                } else {
                    main.add(e.getValue());
                }
            }
            return new Groups(List.copyOf(main), List.copyOf(own),
                    norms.stream().mapToDouble(Double::doubleValue).toArray());
        }

        /**
         * Clips the main group to {@code maxNorm} (≤ 0: not at all) and each own table to its
         * norm; returns the main group's norm before clipping, or the first non-finite norm of
         * an own table (then that table is left unscaled and the trainer stops).
         */
        public double clip(Kernels kernels, double maxNorm) {
            return clip(kernels, maxNorm, null);
        }

        /**
         * As {@link #clip(Kernels, double)}, with the lazily updated tables' factors deferred to
         * {@code optimizer} ({@link GradClip#clip(Kernels, List, double, AdamW)}; null: none).
         */
        public double clip(Kernels kernels, double maxNorm, AdamW optimizer) {
            double norm = GradClip.clip(kernels, main, maxNorm, optimizer);
            for (int i = 0; i < own.size(); i++) {
                double n = GradClip.clip(kernels, List.of(own.get(i)), ownMaxNorm[i], optimizer);
                if (!Double.isFinite(n)) {
                    return n;
                }
            }
            return norm;
        }
    }
}
