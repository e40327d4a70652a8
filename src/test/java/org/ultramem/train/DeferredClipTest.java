package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Clipping with the lazy tables' factor deferred to the optimizer ({@link AdamW#deferGradScale},
 * what the trainer does) must give the bits of clipping every gradient in place and then
 * stepping, step after step with clipping active and rows skipping steps; only the lazy table's
 * gradient is left unscaled (or, with {@link AdamW#step(boolean)}, zeroed).
 */
class DeferredClipTest {

    private static final int ROWS = 300;
    private static final int WIDTH = 8;
    private static final double MAX_NORM = 0.5;
    private final LrSchedule schedule = new LrSchedule(1e-2, 0.1, 3, 40, 4.0, 0.5);
    private final AdamW.Settings settings =
            new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, AdamW.ValuesMode.LAZY);

    @Test
    void deferredClipEqualsClippingInPlace() {
        for (Kernels k : List.of(KernelProvider.scalar(), KernelProvider.get())) {
            List<Parameter> inPlace = List.of(table(), dense());
            List<Parameter> deferred = List.of(table(), dense());
            AdamW a = new AdamW(k, inPlace, schedule, settings);
            AdamW b = new AdamW(k, deferred, schedule, settings);
            SplittableRandom rnd = new SplittableRandom(9);
            for (int t = 0; t < 30; t++) {
                long seed = rnd.nextLong();
                fill(inPlace, seed);
                fill(deferred, seed);
                double na = GradClip.clip(k, inPlace, MAX_NORM);
                double nb = GradClip.clip(k, deferred, MAX_NORM, b);
                assertEquals(na, nb, "norm at step " + t);
                float[] unscaled = deferred.get(0).grad.clone();
                a.step();
                b.step();
                String what = k + " step " + t;
                assertArrayEquals(inPlace.get(0).data, deferred.get(0).data, what + ": table");
                assertArrayEquals(a.firstMoment(0), b.firstMoment(0), what + ": table m");
                assertArrayEquals(a.secondMoment(0), b.secondMoment(0), what + ": table v");
                assertArrayEquals(inPlace.get(1).data, deferred.get(1).data, what + ": dense");
                assertArrayEquals(unscaled, deferred.get(0).grad, what + ": table grad kept");
            }
        }
    }

    /**
     * The trainer's step(true): the lazy table's touched rows are zeroed and unmarked in the row
     * pass, so fill's zeroGrad finds nothing left. Fails if a consumed row's gradient survives
     * into a later step that touches the row again, or if its mark survives (the row would be
     * stepped again with no gradient).
     */
    @Test
    void consumingLazyGradsEqualsStepThenZeroGrad() {
        for (Kernels k : List.of(KernelProvider.scalar(), KernelProvider.get())) {
            List<Parameter> kept = List.of(table(), dense());
            List<Parameter> consumed = List.of(table(), dense());
            AdamW a = new AdamW(k, kept, schedule, settings);
            AdamW b = new AdamW(k, consumed, schedule, settings);
            SplittableRandom rnd = new SplittableRandom(21);
            for (int t = 0; t < 30; t++) {
                long seed = rnd.nextLong();
                fill(kept, seed);
                fill(consumed, seed);
                GradClip.clip(k, kept, MAX_NORM, a);
                GradClip.clip(k, consumed, MAX_NORM, b);
                a.step();
                b.step(true);
                String what = k + " step " + t;
                Parameter table = consumed.get(0);
                assertEquals(0, table.touchedCount(), what + ": marks cleared");
                assertArrayEquals(new float[table.numel()], table.grad, what + ": grad zeroed");
                assertArrayEquals(kept.get(0).data, table.data, what + ": table");
                assertArrayEquals(a.firstMoment(0), b.firstMoment(0), what + ": table m");
                assertArrayEquals(a.secondMoment(0), b.secondMoment(0), what + ": table v");
                assertArrayEquals(kept.get(1).data, consumed.get(1).data, what + ": dense");
                assertArrayEquals(kept.get(1).grad, consumed.get(1).grad, what + ": dense grad");
            }
        }
    }

    @Test
    void onlyLazyParametersTakeADeferredFactorOncePerStep() {
        Parameter t = table();
        Parameter d = dense();
        AdamW opt = new AdamW(KernelProvider.scalar(), List.of(t, d), schedule, settings);
        assertThrows(IllegalArgumentException.class, () -> opt.deferGradScale(d, 0.5f));
        opt.deferGradScale(t, 0.5f);
        assertThrows(IllegalStateException.class, () -> opt.deferGradScale(t, 0.5f));
        opt.dropDeferredGradScales();
        opt.deferGradScale(t, 0.5f);
    }

    /** Gradients of one step: about half the table's rows touched, the dense one in full. */
    private static void fill(List<Parameter> ps, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Parameter table = ps.get(0);
        Parameter dense = ps.get(1);
        table.zeroGrad();
        dense.zeroGrad();
        for (int i = 0; i < ROWS / 2; i++) {
            int r = rnd.nextInt(ROWS);
            table.touchRow(r);
            for (int d = 0; d < WIDTH; d++) {
                table.grad[r * WIDTH + d] += (float) rnd.nextGaussian();
            }
        }
        for (int i = 0; i < dense.numel(); i++) {
            dense.grad[i] = (float) rnd.nextGaussian();
        }
    }

    private static Parameter table() {
        return AdamWLazyRowsTest.table(ROWS, WIDTH);
    }

    private static Parameter dense() {
        Parameter p = new Parameter("w", new int[] {5, 7}, Parameter.Group.DECAY);
        SplittableRandom rnd = new SplittableRandom(4);
        for (int i = 0; i < p.numel(); i++) {
            p.data[i] = (float) rnd.nextGaussian();
        }
        return p;
    }
}
