package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.testing.GradCheck;

/**
 * The remedies that change the layer's forward or backward (query BatchNorm, key-balance loss,
 * output gates), each against the double-precision reference ({@link UltraMemReference}): the
 * forward to 1e-5, and the float backward against central differences of the reference with the
 * selection (and the balance loss's frequencies) frozen.
 */
class UltraMemLayerRemediesTest {

    private static final int HIDDEN = UltraMemLayerTest.HIDDEN;
    private static final int TOKENS = UltraMemLayerTest.TOKENS;

    static RetrievalRemedies remedies(boolean batchNorm, double balance, String gate) {
        return new RetrievalRemedies(batchNorm, balance, 1, 0, 0, true, 0, gate, 0.7);
    }

    /** A name (for the report) and a config with some remedies on. */
    record Case(String name, UltraMemConfig cfg) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        String none = RetrievalRemedies.GATE_NONE;
        return Stream.of(
                new Case("bn", UltraMemLayerTest.tiny().withRemedies(remedies(true, 0, none))),
                new Case("bn-pkm", UltraMemLayerTest.pkm().withRemedies(remedies(true, 0, none))),
                new Case("bn-unshared", UltraMemLayerTest.unshared().withRemedies(remedies(true, 0, none))),
                new Case("scale", UltraMemLayerTest.tiny().withRemedies(remedies(false, 0, "scale"))),
                new Case("silu", UltraMemLayerTest.tiny().withRemedies(remedies(false, 0, "silu"))),
                new Case("silu-pkm", UltraMemLayerTest.pkm().withRemedies(remedies(false, 0, "silu"))),
                new Case("balance", UltraMemLayerTest.tiny().withRemedies(remedies(false, 2, none))),
                new Case("balance-pkm", UltraMemLayerTest.pkm().withRemedies(remedies(false, 2, none))),
                new Case("balance-unshared",
                        UltraMemLayerTest.unshared().withRemedies(remedies(false, 2, none))),
                new Case("all", UltraMemLayerTest.tiny().withRemedies(remedies(true, 2, "silu"))));
    }

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** A layer with every parameter (norms, BatchNorm affine, gates too) moved off its init. */
    static UltraMemLayer layer(UltraMemConfig cfg, int maxTokens) {
        UltraMemLayer l = new UltraMemLayer(cfg, HIDDEN, maxTokens, 7);
        SplittableRandom r = new SplittableRandom(3);
        for (Parameter p : l.parameters()) {
            for (int i = 0; i < p.data.length; i++) {
                if (p.name.contains("norm") || p.name.equals("query_bn.weight")
                        || p.name.equals("output_scale")) {
                    p.data[i] *= (float) (0.7 + 0.6 * r.nextDouble());
                } else if (p.name.equals("values") || p.name.equals("query_bn.bias")) {
                    p.data[i] = (float) r.nextGaussian();
                }
            }
        }
        l.refreshTucker();
        return l;
    }

    private static int[] selection(UltraMemLayer l, int tokens) {
        int slots = l.config().heads() * l.config().topK();
        int[] sel = new int[tokens * slots];
        for (int b = 0; b < tokens; b++) {
            for (int s = 0; s < slots; s++) {
                sel[b * slots + s] = l.selectedGridIndex(b, s);
            }
        }
        return sel;
    }

    /** Σ y·g + β·L_bal of the double reference, selection and frequencies frozen. */
    private static double referenceLoss(UltraMemLayer l, float[] x, float[] g, int tokens, int[] z,
                                        double[] freq) {
        double[] y = UltraMemReference.forward(l, x, tokens, z);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i] * g[i];
        }
        double beta = l.config().remedies().keyBalanceCoef();
        return beta > 0 ? sum + beta * UltraMemReference.balanceLoss(l, x, tokens, freq) : sum;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardMatchesDoubleReference(Case c) {
        UltraMemLayer l = layer(c.cfg(), TOKENS);
        float[] x = random(TOKENS * HIDDEN, 11, 1.0);
        float[] y = new float[x.length];
        l.forward(y, x, TOKENS);
        double[] ref = UltraMemReference.forward(l, x, TOKENS, selection(l, TOKENS));
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < y.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(y[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        assertTrue(maxRef > 0 && maxDiff <= 1e-5 * maxRef, c + ": max diff " + maxDiff + " of " + maxRef);
        if (c.cfg().remedies().keyBalanceCoef() > 0) {
            double want = UltraMemReference.balanceLoss(l, x, TOKENS,
                    UltraMemReference.frequencies(l, TOKENS));
            assertEquals(want, l.diagnostics().meanBalanceLoss(), 1e-5 * want, c + ": balance loss");
        }
    }

    /**
     * Every gradient (input and parameters, BatchNorm affine and gate weights included) against
     * central differences of the reference: tolerance 1e-3 relative, floor 1e-2.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void backwardMatchesFiniteDifferencesOfDoubleReference(Case c) {
        checkGradients(layer(c.cfg(), TOKENS), TOKENS, true, 80);
    }

    /** Evaluation-mode BatchNorm: running statistics (moved off init) are constants. */
    @Test
    void evaluationModeBatchNormUsesRunningStatisticsInForwardAndBackward() {
        UltraMemLayer l = layer(UltraMemLayerTest.tiny().withRemedies(remedies(true, 0, "none")), TOKENS);
        SplittableRandom r = new SplittableRandom(9);
        float[] mean = l.queryBatchNormRunningMean();
        float[] var = l.queryBatchNormRunningVar();
        for (int j = 0; j < mean.length; j++) {
            mean[j] = (float) r.nextGaussian();
            var[j] = (float) r.nextDouble(0.3, 2);
        }
        l.setTraining(false);
        checkGradients(l, TOKENS, true, 80);
    }

    private static void checkGradients(UltraMemLayer l, int tokens, boolean withDy, int entries) {
        float[] x = random(tokens * HIDDEN, 11, 1.0);
        float[] g = withDy ? random(tokens * HIDDEN, 12, 1.0) : new float[tokens * HIDDEN];
        l.forward(new float[x.length], x, tokens);
        int[] z = selection(l, tokens);
        double[] freq = UltraMemReference.frequencies(l, tokens);
        float[] dx = new float[x.length];
        l.backward(dx, g, tokens);
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-3).withTol(1e-3).withFloor(1e-2)
                .withMaxEntries(entries);
        GradCheck.check("input", x, dx, () -> referenceLoss(l, x, g, tokens, z, freq), o);
        for (Parameter p : l.parameters()) {
            GradCheck.check(p.name, p.data, p.grad, () -> referenceLoss(l, x, g, tokens, z, freq), o);
        }
    }

    /**
     * 130 tokens span three blocks of the chunked coarse buffer: the balance loss and its
     * gradient (alone, dy = 0) still match the reference.
     */
    @Test
    void balanceLossAndGradientHoldAcrossCoarseChunks() {
        UltraMemConfig cfg = UltraMemLayerTest.unshared().withRemedies(remedies(false, 3, "none"));
        UltraMemLayer l = layer(cfg, 130);
        float[] x = random(130 * HIDDEN, 13, 1.0);
        l.forward(new float[x.length], x, 130);
        double[] freq = UltraMemReference.frequencies(l, 130);
        double want = UltraMemReference.balanceLoss(l, x, 130, freq);
        assertEquals(want, l.diagnostics().meanBalanceLoss(), 1e-5 * want);
        float[] dx = new float[x.length];
        l.backward(dx, new float[x.length], 130);
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-3).withTol(1e-3).withFloor(1e-3)
                .withMaxEntries(24);
        double beta = cfg.remedies().keyBalanceCoef();
        for (String name : List.of("query_proj.weight", "keys", "keys_norm.weight", "query_norm.weight")) {
            Parameter p = l.parameter(name);
            GradCheck.check(name, p.data, p.grad,
                    () -> beta * UltraMemReference.balanceLoss(l, x, 130, freq), o);
        }
        GradCheck.check("input", x, dx, () -> beta * UltraMemReference.balanceLoss(l, x, 130, freq), o);
    }

    @Test
    void balanceLossIsTwoWhenScoresAndSelectionsAreUniform() {
        UltraMemConfig cfg = UltraMemConfig.of(2, 4, 4, 2).withShape(1, 2, 2, 4)
                .withRemedies(remedies(false, 1, "none"));
        KeyBalanceLoss loss = new KeyBalanceLoss(cfg, 2, 64);
        float[] coarse = new float[2 * 2 * 4];   // [side][token][n = 4], all scores equal
        int[] cand = {0, 1, 0, 1, 2, 3, 2, 3};    // [token][side][m = 2]: every key once per side
        assertEquals(2.0, loss.forward(KernelProvider.get(), coarse, cand, 2), 1e-12);
    }

    @Test
    void scaleGateStartsAtOutputGateInitTimesTheUngatedOutput() {
        UltraMemConfig plain = UltraMemLayerTest.tiny();
        UltraMemLayer a = new UltraMemLayer(plain, HIDDEN, TOKENS, 7);
        UltraMemLayer b = new UltraMemLayer(plain.withRemedies(
                new RetrievalRemedies(false, 0, 1, 0, 0, true, 0, "scale", 0.1)), HIDDEN, TOKENS, 7);
        float[] x = random(TOKENS * HIDDEN, 5, 1.0);
        float[] ya = new float[x.length];
        float[] yb = new float[x.length];
        a.forward(ya, x, TOKENS);
        b.forward(yb, x, TOKENS);
        for (int i = 0; i < ya.length; i++) {
            assertEquals(0.1f * ya[i], yb[i], "element " + i);
        }
    }

    @Test
    void evaluationForwardsMoveNoStatisticsAndAddNoBalanceLoss() {
        UltraMemLayer l = layer(UltraMemLayerTest.tiny().withRemedies(
                new RetrievalRemedies(true, 1, 1, 0, 0, true, 3, "none", 0.1)), TOKENS);
        float[] x = random(TOKENS * HIDDEN, 6, 1.0);
        l.setTraining(false);
        l.forward(new float[x.length], x, TOKENS);
        assertArrayEquals(new float[l.queryBatchNormRunningMean().length], l.queryBatchNormRunningMean());
        assertTrue(Double.isNaN(l.diagnostics().meanBalanceLoss()));
        assertEquals(0, java.util.Arrays.stream(l.deadKeyWindowUse()).sum());
        l.setTraining(true);
        l.forward(new float[x.length], x, TOKENS);
        assertTrue(l.queryBatchNormRunningMean()[0] != 0f);
        assertTrue(l.diagnostics().meanBalanceLoss() > 0);
        assertEquals(TOKENS * 2 * 2 * 3, java.util.Arrays.stream(l.deadKeyWindowUse()).sum());
    }

    @Test
    void trainingBatchNormNeedsTwoTokens() {
        UltraMemLayer l = layer(UltraMemLayerTest.tiny().withRemedies(remedies(true, 0, "none")), TOKENS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> l.forward(new float[HIDDEN], new float[HIDDEN], 1));
        assertTrue(e.getMessage().contains("`query_batchnorm`"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> l.backward(new float[HIDDEN], new float[HIDDEN], 1));
    }

    @ParameterizedTest
    @MethodSource("cases")
    void resultsDoNotDependOnThreadCount(Case c) {
        float[] x = random(TOKENS * HIDDEN, 21, 1.0);
        float[] g = random(TOKENS * HIDDEN, 22, 1.0);
        List<float[]> one = Parallel.withThreads(1, () -> run(c.cfg(), x, g));
        List<float[]> three = Parallel.withThreads(3, () -> run(c.cfg(), x, g));
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), three.get(i), c + ": output/gradient #" + i);
        }
    }

    private static List<float[]> run(UltraMemConfig cfg, float[] x, float[] g) {
        UltraMemLayer l = layer(cfg, TOKENS);
        float[] y = new float[x.length];
        float[] dx = new float[x.length];
        l.forward(y, x, TOKENS);
        l.backward(dx, g, TOKENS);
        List<float[]> out = new java.util.ArrayList<>(List.of(y, dx));
        l.parameters().forEach(p -> out.add(p.grad.clone()));
        return out;
    }
}
