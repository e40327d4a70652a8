package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

class GradClipTest {

    private final Kernels k = KernelProvider.scalar();

    @Test
    void globalNormCountsDenseAndTouchedRowsOnly() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = 3;
        a.grad[1] = 4;
        Parameter table = new Parameter("values", new int[] {4, 2}, Parameter.Group.VALUES, true);
        table.touchRow(2);
        table.grad[4] = 12;
        // an untouched row's gradient is zero by contract; it must not be read or scaled
        assertEquals(13.0, GradClip.globalNorm(k, List.of(a, table)), 1e-12);
    }

    /** A dense gradient large enough to split over two threads: every element is x · factor. */
    @Test
    void scaleAllSplitsLargeDenseGradientsWithoutChangingABit() {
        Kernels vector = KernelProvider.get();
        SplittableRandom rnd = new SplittableRandom(5);
        Parameter big = new Parameter("big", new int[] {3, 40_001}, Parameter.Group.DECAY);
        for (int i = 0; i < big.grad.length; i++) {
            big.grad[i] = (float) rnd.nextGaussian();
        }
        float[] expected = big.grad.clone();
        for (int i = 0; i < expected.length; i++) {
            expected[i] *= 0.37f;
        }
        Parallel.withThreads(2, () -> GradClip.scaleAll(vector, List.of(big), 0.37f));
        assertArrayEquals(expected, big.grad);
    }

    @Test
    void clipScalesToMaxNormAndReturnsNormBefore() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = 3;
        a.grad[1] = 4;
        double before = GradClip.clip(k, List.of(a), 1.0);
        assertEquals(5.0, before, 1e-12);
        assertEquals(0.6f, a.grad[0], 1e-7f);
        assertEquals(0.8f, a.grad[1], 1e-7f);
        assertEquals(1.0, GradClip.globalNorm(k, List.of(a)), 1e-6);
    }

    @Test
    void smallNormAndDisabledClipLeaveGradientsAlone() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = 0.3f;
        GradClip.clip(k, List.of(a), 1.0);
        assertEquals(0.3f, a.grad[0]);
        a.grad[0] = 30f;
        GradClip.clip(k, List.of(a), 0.0);
        assertEquals(30f, a.grad[0]);
    }

    @Test
    void nonFiniteNormIsReturnedWithoutScaling() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        a.grad[0] = Float.NaN;
        a.grad[1] = 5;
        assertTrue(Double.isNaN(GradClip.clip(k, List.of(a), 1.0)));
        assertEquals(5f, a.grad[1]);
    }

    @Test
    void valueTablesWithTheirOwnNormAreClippedApart() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        Parameter table = new Parameter("values", new int[] {2, 2}, Parameter.Group.VALUES, true);
        a.grad[0] = 3;
        a.grad[1] = 4;
        table.touchRow(1);
        table.grad[2] = 6;
        table.grad[3] = 8;
        java.util.Map<String, Parameter> named = new java.util.LinkedHashMap<>();
        named.put("a", a);
        named.put("m.values", table);
        GradClip.Groups g = GradClip.Groups.of(named, java.util.Map.of("m.values",
                org.ultramem.model.ValueTableRule.multiplier(1, 1, false).with(true, 2.0)));
        assertEquals(List.of(a), g.main());
        assertEquals(5.0, g.clip(k, 1.0), 1e-12, "the main norm leaves the table out");
        assertEquals(1.0, GradClip.globalNorm(k, List.of(a)), 1e-6);
        assertEquals(2.0, GradClip.globalNorm(k, List.of(table)), 1e-6);
    }

    @Test
    void withoutOwnNormsTheGroupsAreTheGlobalClip() {
        Parameter a = new Parameter("a", new int[] {2}, Parameter.Group.DECAY);
        Parameter table = new Parameter("values", new int[] {2, 2}, Parameter.Group.VALUES, true);
        java.util.Map<String, Parameter> named = new java.util.LinkedHashMap<>();
        named.put("a", a);
        named.put("m.values", table);
        GradClip.Groups g = GradClip.Groups.of(named, java.util.Map.of("m.values",
                org.ultramem.model.ValueTableRule.multiplier(4, 1, false)));
        assertEquals(List.of(a, table), g.main());
        assertTrue(g.own().isEmpty());
    }

    /**
     * The row-sparse norm (rows summed in parallel, added in first-touch order) is the sequential
     * first-touch sum bit for bit on any thread count, and equals the norm of the same gradient
     * held densely (untouched rows are zero): to double rounding with the scalar kernels, to the
     * vector kernel's float partial sums (64 lanes deep) with the vector ones.
     */
    @Test
    void sparseNormIsTheSequentialSumOnAnyThreadCountAndMatchesTheDenseNorm() {
        for (Kernels kernels : List.of(KernelProvider.scalar(), KernelProvider.get())) {
            Parameter table = randomSparseGradient(new SplittableRandom(3));
            Parameter dense = new Parameter("dense", table.shape, Parameter.Group.VALUES);
            System.arraycopy(table.grad, 0, dense.grad, 0, table.numel());
            double sequential = 0;
            for (int i = 0; i < table.touchedCount(); i++) {
                sequential += kernels.sumOfSquares(table.grad,
                        table.touchedRows()[i] * table.rowWidth, table.rowWidth);
            }
            double expected = Math.sqrt(sequential);
            assertTrue(table.touchedCount() >= 2 * Parameter.ROWS_PER_TASK, "the parallel path");
            for (int threads : new int[] {1, 2, 3}) {
                double norm = Parallel.withThreads(threads,
                        () -> GradClip.globalNorm(kernels, List.of(table)));
                assertEquals(expected, norm, 0.0, kernels + ", threads " + threads);
            }
            double denseNorm = GradClip.globalNorm(kernels, List.of(dense));
            double tolerance = kernels == KernelProvider.scalar() ? 1e-12 : 1e-6;
            assertEquals(denseNorm, expected, tolerance * denseNorm, kernels.toString());
        }
    }

    /** Scaling touched rows on several threads equals scaling them one by one, and no other row. */
    @Test
    void sparseScaleTouchesOnlyTouchedRowsOnAnyThreadCount() {
        Parameter one = randomSparseGradient(new SplittableRandom(4));
        Parameter two = randomSparseGradient(new SplittableRandom(4));
        java.util.Arrays.fill(one.grad, 0, one.rowWidth, 9f);
        java.util.Arrays.fill(two.grad, 0, two.rowWidth, 9f);
        assertTrue(!isTouched(one, 0), "row 0 is left untouched by the fixture");
        Parallel.withThreads(1, () -> {
            GradClip.scaleAll(k, List.of(one), 0.25f);
            return null;
        });
        Parallel.withThreads(2, () -> {
            GradClip.scaleAll(k, List.of(two), 0.25f);
            return null;
        });
        assertArrayEquals(one.grad, two.grad);
        assertEquals(9f, one.grad[0], "an untouched row is not scaled");
        int r = one.touchedRows()[0];
        Parameter fresh = randomSparseGradient(new SplittableRandom(4));
        assertEquals(fresh.grad[r * fresh.rowWidth] * 0.25f, one.grad[r * one.rowWidth]);
    }

    /** A table of 6000 rows × 5 with about 3000 random rows touched and given a gradient. */
    private static Parameter randomSparseGradient(SplittableRandom rnd) {
        Parameter p = new Parameter("values", new int[] {6000, 5}, Parameter.Group.VALUES, true);
        for (int i = 0; i < 3500; i++) {
            int r = 1 + rnd.nextInt(5999);
            p.touchRow(r);
            for (int c = 0; c < 5; c++) {
                p.grad[r * 5 + c] += (float) rnd.nextGaussian();
            }
        }
        return p;
    }

    private static boolean isTouched(Parameter p, int row) {
        for (int i = 0; i < p.touchedCount(); i++) {
            if (p.touchedRows()[i] == row) {
                return true;
            }
        }
        return false;
    }
}
