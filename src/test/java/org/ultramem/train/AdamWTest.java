package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

class AdamWTest {

    private final Kernels k = KernelProvider.scalar();
    private final LrSchedule schedule = new LrSchedule(1e-2, 0.1, 2, 10, 4.0, 1.0);

    private static AdamW.Settings settings(AdamW.ValuesMode mode) {
        return new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, mode);
    }

    @Test
    void matchesHandFormulaInDouble() {
        Parameter w = new Parameter("w", new int[] {5}, Parameter.Group.DECAY);
        Parameter g = new Parameter("norm.weight", new int[] {3}, Parameter.Group.NO_DECAY);
        SplittableRandom rnd = new SplittableRandom(1);
        for (Parameter p : List.of(w, g)) {
            for (int i = 0; i < p.numel(); i++) {
                p.data[i] = (float) rnd.nextGaussian();
            }
        }
        double[][] ref = {toDouble(w.data), toDouble(g.data)};
        double[][] m = {new double[5], new double[3]};
        double[][] v = {new double[5], new double[3]};
        double[] wd = {0.1, 0.0};
        AdamW opt = new AdamW(k, List.of(w, g), schedule, settings(AdamW.ValuesMode.DENSE));
        for (int t = 1; t <= 6; t++) {
            Parameter[] ps = {w, g};
            for (int j = 0; j < 2; j++) {
                for (int i = 0; i < ps[j].numel(); i++) {
                    ps[j].grad[i] = (float) rnd.nextGaussian();
                    double gr = ps[j].grad[i];
                    m[j][i] = 0.9 * m[j][i] + 0.1 * gr;
                    v[j][i] = 0.95 * v[j][i] + 0.05 * gr * gr;
                    double mh = m[j][i] / (1 - Math.pow(0.9, t));
                    double vh = v[j][i] / (1 - Math.pow(0.95, t));
                    double lr = schedule.at(t - 1);
                    ref[j][i] = ref[j][i] - lr * wd[j] * ref[j][i] - lr * mh / (Math.sqrt(vh) + 1e-8);
                }
            }
            opt.step();
        }
        assertEquals(6, opt.stepCount());
        for (int i = 0; i < 5; i++) {
            assertEquals(ref[0][i], w.data[i], 1e-5 * Math.max(1, Math.abs(ref[0][i])), "w[" + i + "]");
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(ref[1][i], g.data[i], 1e-5 * Math.max(1, Math.abs(ref[1][i])), "norm[" + i + "]");
        }
    }

    @Test
    void valuesGroupUsesBoostedLearningRate() {
        Parameter plain = new Parameter("w", new int[] {1}, Parameter.Group.NO_DECAY);
        Parameter values = new Parameter("values", new int[] {1, 1}, Parameter.Group.VALUES, true);
        plain.grad[0] = 1;
        values.grad[0] = 1;
        values.touchRow(0);
        AdamW opt = new AdamW(k, List.of(plain, values), schedule,
                new AdamW.Settings(0.9, 0.95, 1e-8, 0.0, null, AdamW.ValuesMode.DENSE));
        opt.step();
        // First Adam step moves by lr · g/|g| (up to eps): values by 4 × lr(0).
        assertEquals(-schedule.at(0), plain.data[0], 1e-8);
        assertEquals(-4 * schedule.at(0), values.data[0], 1e-8);
    }

    @Test
    void lazyCatchUpEqualsDenseForRowsWithZeroGradient() {
        int rows = 4;
        int width = 3;
        Parameter dense = table(rows, width);
        Parameter lazy = table(rows, width);
        AdamW denseOpt = new AdamW(k, List.of(dense), schedule, settings(AdamW.ValuesMode.DENSE));
        AdamW lazyOpt = new AdamW(k, List.of(lazy), schedule, settings(AdamW.ValuesMode.LAZY));
        SplittableRandom rnd = new SplittableRandom(7);
        int untouchedSteps = 5;
        for (int t = 0; t < 8; t++) {
            // row 0: every step; row 1: untouched for 5 steps, then every step; rows 2-3: never.
            float[] g0 = gaussian(rnd, width);
            float[] g1 = gaussian(rnd, width);
            for (Parameter p : List.of(dense, lazy)) {
                p.zeroGrad();
                setRow(p, 0, g0);
                if (t >= untouchedSteps) {
                    setRow(p, 1, g1);
                }
            }
            denseOpt.step();
            lazyOpt.step();
            // rows updated every step go through the same kernel call: bit-identical
            for (int c = 0; c < width; c++) {
                assertEquals(dense.data[c], lazy.data[c], 0f, "row 0 at step " + t);
            }
        }
        lazyOpt.catchUpAll();
        for (int i = width; i < rows * width; i++) {
            assertEquals(dense.data[i], lazy.data[i], 2e-7f * Math.abs(dense.data[i]), "entry " + i);
            assertEquals(denseOpt.firstMoment(0)[i], lazyOpt.firstMoment(0)[i],
                    1e-6f * Math.abs(denseOpt.firstMoment(0)[i]), "m " + i);
            assertEquals(denseOpt.secondMoment(0)[i], lazyOpt.secondMoment(0)[i],
                    1e-6f * Math.abs(denseOpt.secondMoment(0)[i]), "v " + i);
        }
        // untouched rows did move: weight decay was applied to them
        assertTrue(Math.abs(lazy.data[2 * width] - 1f) > 1e-4f);
        assertArrayEquals(new long[] {8, 8, 8, 8}, lazyOpt.rowSteps(0));
    }

    @Test
    void lazyModeOmitsOnlyTheStaleMomentumDrift() {
        Parameter dense = table(2, 2);
        Parameter lazy = table(2, 2);
        AdamW denseOpt = new AdamW(k, List.of(dense), schedule,
                new AdamW.Settings(0.9, 0.95, 1e-8, 0.0, null, AdamW.ValuesMode.DENSE));
        AdamW lazyOpt = new AdamW(k, List.of(lazy), schedule,
                new AdamW.Settings(0.9, 0.95, 1e-8, 0.0, null, AdamW.ValuesMode.LAZY));
        for (Parameter p : List.of(dense, lazy)) {
            setRow(p, 1, new float[] {1, -1});
        }
        denseOpt.step();
        lazyOpt.step();
        for (Parameter p : List.of(dense, lazy)) {
            p.zeroGrad();
        }
        denseOpt.step();
        lazyOpt.step();
        lazyOpt.catchUpAll();
        // dense keeps moving row 1 along its momentum; lazy (no weight decay here) does not
        assertTrue(dense.data[2] < lazy.data[2]);
        assertEquals(denseOpt.firstMoment(0)[2], lazyOpt.firstMoment(0)[2], 1e-7f);
    }

    @Test
    void noDecayPatternsDecideDecay() {
        Parameter w = new Parameter("layers.0.attn.wq", new int[] {1}, Parameter.Group.DECAY);
        Parameter n = new Parameter("layers.0.attn_norm.weight", new int[] {1}, Parameter.Group.NO_DECAY);
        Parameter b = new Parameter("head.bias", new int[] {1}, Parameter.Group.DECAY);
        AdamW byGroup = new AdamW(k, List.of(w, n, b), schedule, settings(AdamW.ValuesMode.DENSE));
        assertTrue(byGroup.isDecayed(w));
        assertFalse(byGroup.isDecayed(n));
        assertTrue(byGroup.isDecayed(b));
        AdamW byPattern = new AdamW(k, List.of(w, n, b), schedule, new AdamW.Settings(0.9, 0.95, 1e-8, 0.1,
                List.of("*norm*", "*.bias"), AdamW.ValuesMode.DENSE));
        assertTrue(byPattern.isDecayed(w));
        assertFalse(byPattern.isDecayed(n));
        assertFalse(byPattern.isDecayed(b));
        AdamW all = new AdamW(k, List.of(w, n, b), schedule, new AdamW.Settings(0.9, 0.95, 1e-8, 0.1,
                List.of(), AdamW.ValuesMode.DENSE));
        assertTrue(all.isDecayed(n));
    }

    private static Parameter table(int rows, int width) {
        Parameter p = new Parameter("values", new int[] {rows, width}, Parameter.Group.VALUES, true);
        java.util.Arrays.fill(p.data, 1f);
        return p;
    }

    private static void setRow(Parameter p, int row, float[] g) {
        p.touchRow(row);
        System.arraycopy(g, 0, p.grad, row * p.rowWidth, g.length);
    }

    private static float[] gaussian(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static java.util.Map<String, Parameter> named(Parameter... ps) {
        java.util.Map<String, Parameter> m = new java.util.LinkedHashMap<>();
        for (Parameter p : ps) {
            m.put(p.name, p);
        }
        return m;
    }

    @Test
    void retrievalRuleScalesTheScheduleUnderItsOwnRamp() {
        Parameter keys = new Parameter("keys", new int[] {2}, Parameter.Group.DECAY);
        Parameter other = new Parameter("w", new int[] {2}, Parameter.Group.DECAY);
        LrSchedule s = LrSchedule.of(1e-2, 0.1, 2, 20);
        AdamW opt = new AdamW(k, named(keys, other), s, settings(AdamW.ValuesMode.DENSE),
                java.util.Map.of(), java.util.Map.of("keys", new org.ultramem.model.RetrievalRule(0.5, 8)));
        for (long t = 0; t < 20; t++) {
            assertEquals(s.at(t), opt.learningRate(other, t), 0.0);
            assertEquals(0.5 * Math.min(s.at(t), 1e-2 * (t + 1) / 8), opt.learningRate(keys, t), 1e-15);
        }
        // a ramp no longer than the base warmup changes nothing but the multiplier
        AdamW short_ = new AdamW(k, named(keys, other), s, settings(AdamW.ValuesMode.DENSE),
                java.util.Map.of(), java.util.Map.of("keys", new org.ultramem.model.RetrievalRule(2, 2)));
        for (long t = 0; t < 20; t++) {
            assertEquals(2 * s.at(t), short_.learningRate(keys, t), 1e-15);
        }
    }

    @Test
    void valueRuleCanTurnWeightDecayOffAndDefaultKeepsIt() {
        Parameter values = new Parameter("values", new int[] {2, 1}, Parameter.Group.VALUES, true);
        org.ultramem.model.ValueTableRule rule = org.ultramem.model.ValueTableRule.multiplier(1, 1, false);
        AdamW on = new AdamW(k, named(values), schedule, settings(AdamW.ValuesMode.DENSE),
                java.util.Map.of("values", rule));
        assertTrue(on.isDecayed(values), "today's rule: value tables are decayed");
        AdamW off = new AdamW(k, named(values), schedule, settings(AdamW.ValuesMode.DENSE),
                java.util.Map.of("values", rule.with(false, 0)));
        assertFalse(off.isDecayed(values));
        values.data[0] = 1f;
        off.step();   // zero gradient: without decay the row must not move
        assertEquals(1f, values.data[0]);
    }

    @Test
    void resetZeroesMomentsOfTheRangeAndMakesLazyRowsCurrent() {
        Parameter w = new Parameter("w", new int[] {6}, Parameter.Group.DECAY);
        Parameter values = new Parameter("values", new int[] {3, 2}, Parameter.Group.VALUES, true);
        AdamW opt = new AdamW(k, named(w, values), schedule, settings(AdamW.ValuesMode.LAZY),
                java.util.Map.of());
        java.util.Arrays.fill(w.grad, 1f);
        values.grad[2] = 1f;
        values.touchRow(1);
        opt.step();
        opt.step();
        opt.reset(w, 2, 3);
        float[] m = opt.firstMoment(0);
        assertArrayEquals(new float[] {m[0], m[1], 0, 0, 0, m[5]}, m);
        assertTrue(m[0] != 0 && opt.secondMoment(0)[2] == 0 && opt.secondMoment(0)[5] != 0);
        opt.reset(values, 2, 2);
        assertEquals(0f, opt.firstMoment(1)[2]);
        assertEquals(2, opt.rowSteps(1)[1], "the reset row is current at step 2");
        assertEquals(0, opt.rowSteps(1)[0], "other rows keep their counters");
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> opt.reset(w, 5, 2));
    }
}
