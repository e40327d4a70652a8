package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The lazy row-wise AdamW splits touched rows over threads and tabulates the catch-up factors;
 * both must leave every bit as the one-row-at-a-time update in first-touch order, with each
 * row's factors computed on the spot, always did.
 */
class AdamWLazyRowsTest {

    private static final int ROWS = 4 * Parameter.ROWS_PER_TASK + 37;
    private static final int WIDTH = 4;
    private static final int STEPS = 80;
    private static final double B1 = 0.9;
    private static final double B2 = 0.95;
    private static final double WD = 0.1;
    private final LrSchedule schedule = new LrSchedule(1e-2, 0.1, 5, STEPS, 4.0, 0.5);

    @Test
    void parallelTabulatedStepsEqualTheSequentialRowByRowUpdate() {
        for (Kernels k : List.of(KernelProvider.scalar(), KernelProvider.get())) {
            for (int threads : new int[] {1, 2}) {
                Parameter fast = table();
                Parameter ref = table();
                AdamW opt = new AdamW(k, List.of(fast), schedule,
                        new AdamW.Settings(B1, B2, 1e-8, WD, null, AdamW.ValuesMode.LAZY));
                Reference reference = new Reference(k, ref);
                SplittableRandom rnd = new SplittableRandom(17);
                for (int t = 0; t < STEPS; t++) {
                    touchStep(rnd, t, fast, ref);
                    Parallel.withThreads(threads, () -> {
                        opt.step();
                        return null;
                    });
                    reference.step();
                }
                String what = k + ", threads " + threads;
                assertArrayEquals(reference.m, opt.firstMoment(0), what + ": m");
                assertArrayEquals(reference.v, opt.secondMoment(0), what + ": v");
                assertArrayEquals(ref.data, fast.data, what + ": parameters");
                assertArrayEquals(reference.rowStep, opt.rowSteps(0), what + ": row counts");
                Parallel.withThreads(threads, () -> {
                    opt.catchUpAll();
                    return null;
                });
                reference.catchUpAll();
                assertArrayEquals(ref.data, fast.data, what + ": after catch-up");
                assertArrayEquals(reference.m, opt.firstMoment(0), what + ": m after catch-up");
            }
        }
    }

    /**
     * Step t's touches, the same on both tables: about 60% of the rows, and row 1 only at
     * steps 0 and 75, so its catch-up skips 74 counts (beyond the tabulated ones).
     */
    private static void touchStep(SplittableRandom rnd, int t, Parameter... ps) {
        for (Parameter p : ps) {
            p.zeroGrad();
        }
        int n = ROWS;
        for (int i = 0; i < n; i++) {
            int r = 2 + rnd.nextInt(ROWS - 2);
            float g = (float) rnd.nextGaussian();
            for (Parameter p : ps) {
                p.touchRow(r);
                p.grad[r * WIDTH + i % WIDTH] += g;
            }
        }
        if (t == 0 || t == 75) {
            for (Parameter p : ps) {
                p.touchRow(1);
                p.grad[WIDTH] = 0.5f;
            }
        }
        assertTrue(ps[0].touchedCount() > 2 * Parameter.ROWS_PER_TASK);
    }

    private static Parameter table() {
        return table(ROWS, WIDTH);
    }

    /** A lazy value table rows × width of standard-normal values (seed 3), no gradient yet. */
    static Parameter table(int rows, int width) {
        Parameter p = new Parameter("values", new int[] {rows, width}, Parameter.Group.VALUES,
                true);
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < p.numel(); i++) {
            p.data[i] = (float) rnd.nextGaussian();
        }
        return p;
    }

    /** The lazy update as first written: rows in first-touch order, factors per row. */
    private final class Reference {
        final Kernels k;
        final Parameter p;
        final float[] m;
        final float[] v;
        final long[] rowStep = new long[ROWS];
        final double[] logDecay = new double[STEPS + 2];
        long step;

        Reference(Kernels k, Parameter p) {
            this.k = k;
            this.p = p;
            m = new float[p.numel()];
            v = new float[p.numel()];
            for (int c = 1; c < logDecay.length; c++) {
                logDecay[c] = logDecay[c - 1] + Math.log1p(-schedule.valuesAt(c - 1) * WD);
            }
        }

        void step() {
            long t = step + 1;
            float bc1 = (float) (1 - Math.pow(B1, t));
            float bc2 = (float) (1 - Math.pow(B2, t));
            float lr = (float) schedule.valuesAt(step);
            for (int i = 0; i < p.touchedCount(); i++) {
                int r = p.touchedRows()[i];
                catchUp(r, t - 1);
                k.adamw(p.data, p.grad, m, v, r * WIDTH, WIDTH, lr, (float) B1, (float) B2,
                        1e-8f, (float) WD, bc1, bc2);
                rowStep[r] = t;
            }
            step = t;
        }

        void catchUp(int r, long upTo) {
            long skipped = upTo - rowStep[r];
            if (skipped <= 0) {
                return;
            }
            float decay = (float) Math.exp(logDecay[(int) upTo] - logDecay[(int) rowStep[r]]);
            k.scale(p.data, r * WIDTH, decay, WIDTH);
            k.scale(m, r * WIDTH, (float) Math.pow(B1, skipped), WIDTH);
            k.scale(v, r * WIDTH, (float) Math.pow(B2, skipped), WIDTH);
            rowStep[r] = upTo;
        }

        void catchUpAll() {
            for (int r = 0; r < ROWS; r++) {
                catchUp(r, step);
            }
        }
    }
}
