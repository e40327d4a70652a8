package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.testing.GradCheck;

/** Gradient oracles and invariants of the UltraMem layer on tiny configs (spec §I.22). */
class UltraMemLayerTest {

    static final int HIDDEN = 8;
    static final int TOKENS = 5;

    /** The §I.22 config: D=8, D_k=4, D_v=4, K0=3, E=4, H=2, m=k=3, r=T=2. */
    static UltraMemConfig tiny() {
        return UltraMemConfig.of(3, 4, 4, 3).withShape(2, 2, 2, 4);
    }

    /** PKM end of the ladder: softmax, sum-of-halves scoring, no projection (D_v = D), E = 1. */
    static UltraMemConfig pkm() {
        return new UltraMemConfig(3, 4, HIDDEN, 3, 3, 2, 1, 1, 1, null, true, false, true, false,
                false, false, "code", 1, 1.0, 1.0, "lazy_adamw", 0, 0.15, 1e-5f);
    }

    /** Per-head queries, r = 3, T = 1, E = 9, paper init. */
    static UltraMemConfig unshared() {
        return new UltraMemConfig(2, 4, 4, 3, 4, 2, 3, 1, 9, "1:2", false, true, false, true, true,
                true, "paper", 2, 4.0, 1.0, "dense_adamw", 0, 0.15, 1e-5f);
    }

    static Stream<UltraMemConfig> configs() {
        return Stream.of(tiny(), pkm(), unshared());
    }

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** Moves the cores/norm weights off their init so every path matters, then refreshes u, v. */
    private static UltraMemLayer layer(UltraMemConfig cfg) {
        UltraMemLayer l = new UltraMemLayer(cfg, HIDDEN, TOKENS, 7);
        SplittableRandom r = new SplittableRandom(3);
        for (Parameter p : l.parameters()) {
            if (p.name.contains("norm")) {
                for (int i = 0; i < p.data.length; i++) {
                    p.data[i] *= (float) (0.7 + 0.6 * r.nextDouble());
                }
            }
            if (p.name.equals("values")) {
                for (int i = 0; i < p.data.length; i++) {
                    p.data[i] = (float) r.nextGaussian();
                }
            }
        }
        l.refreshTucker();
        return l;
    }

    private static double loss(UltraMemLayer l, float[] x, float[] g, int[] baseSelection) {
        float[] y = new float[TOKENS * HIDDEN];
        l.forward(y, x, TOKENS);
        int slots = l.config().heads() * l.config().topK();
        for (int b = 0; b < TOKENS; b++) {
            for (int s = 0; s < slots; s++) {
                if (baseSelection != null && l.selectedGridIndex(b, s) != baseSelection[b * slots + s]) {
                    throw new AssertionError("perturbation changed the selection; lower eps");
                }
            }
        }
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += (double) y[i] * g[i];
        }
        return sum;
    }

    private static int[] selection(UltraMemLayer l) {
        int slots = l.config().heads() * l.config().topK();
        int[] sel = new int[TOKENS * slots];
        for (int b = 0; b < TOKENS; b++) {
            for (int s = 0; s < slots; s++) {
                sel[b * slots + s] = l.selectedGridIndex(b, s);
            }
        }
        return sel;
    }

    /** Σ y·g of the double reference with the selection frozen at {@code z}. */
    private static double referenceLoss(UltraMemLayer l, float[] x, float[] g, int[] z) {
        double[] y = UltraMemReference.forward(l, x, TOKENS, z);
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += y[i] * g[i];
        }
        return sum;
    }

    @ParameterizedTest
    @MethodSource("configs")
    void forwardMatchesDoubleReference(UltraMemConfig cfg) {
        UltraMemLayer l = layer(cfg);
        float[] x = random(TOKENS * HIDDEN, 11, 1.0);
        float[] y = new float[x.length];
        l.forward(y, x, TOKENS);
        double[] ref = UltraMemReference.forward(l, x, TOKENS, selection(l));
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < y.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(y[i] - ref[i]));
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
        }
        assertTrue(maxRef > 0 && maxDiff <= 1e-5 * maxRef, "max diff " + maxDiff + " of " + maxRef);
    }

    /**
     * Float analytic gradients against central differences of the double reference (selection
     * frozen, so no perturbation can flip a top-k choice): tolerance 1e-3 relative, floor 1e-2 (absolute 1e-5).
     */
    @ParameterizedTest
    @MethodSource("configs")
    void backwardMatchesFiniteDifferencesOfDoubleReference(UltraMemConfig cfg) {
        UltraMemLayer l = layer(cfg);
        float[] x = random(TOKENS * HIDDEN, 11, 1.0);
        float[] g = random(TOKENS * HIDDEN, 12, 1.0);
        l.forward(new float[x.length], x, TOKENS);
        int[] z = selection(l);
        float[] dx = new float[x.length];
        l.backward(dx, g, TOKENS);
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-3).withTol(1e-3).withFloor(1e-2)
                .withMaxEntries(80);
        GradCheck.check("input", x, dx, () -> referenceLoss(l, x, g, z), o);
        for (Parameter p : l.parameters()) {
            GradCheck.check(p.name, p.data, p.grad, () -> referenceLoss(l, x, g, z), o);
        }
    }

    @ParameterizedTest
    @MethodSource("configs")
    void resultsDoNotDependOnThreadCount(UltraMemConfig cfg) {
        float[] x = random(TOKENS * HIDDEN, 21, 1.0);
        float[] g = random(TOKENS * HIDDEN, 22, 1.0);
        List<float[]> one = Parallel.withThreads(1, () -> run(cfg, x, g));
        List<float[]> three = Parallel.withThreads(3, () -> run(cfg, x, g));
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), three.get(i), "output/gradient #" + i);
        }
    }

    private static List<float[]> run(UltraMemConfig cfg, float[] x, float[] g) {
        UltraMemLayer l = layer(cfg);
        float[] y = new float[x.length];
        float[] dx = new float[x.length];
        l.forward(y, x, TOKENS);
        l.backward(dx, g, TOKENS);
        List<float[]> out = new java.util.ArrayList<>(List.of(y, dx));
        l.parameters().forEach(p -> out.add(p.grad.clone()));
        return out;
    }

    @Test
    void valueGradientTouchesExactlyTheSelectedRows() {
        UltraMemLayer l = layer(tiny());
        float[] x = random(TOKENS * HIDDEN, 31, 1.0);
        float[] y = new float[x.length];
        l.forward(y, x, TOKENS);
        Set<Integer> selectedRows = new HashSet<>();
        int slots = 2 * 3;
        int n = tiny().keysPerSide();
        int valueNum = tiny().valueNum();
        for (int b = 0; b < TOKENS; b++) {
            for (int s = 0; s < slots; s++) {
                int z = l.selectedGridIndex(b, s);
                assertTrue(z >= 0 && z < n * n);
                selectedRows.add(l.shuffleIndex()[z] % valueNum);
            }
        }
        l.backward(new float[x.length], random(x.length, 32, 1.0), TOKENS);
        Parameter values = l.parameter("values");
        Set<Integer> touched = new HashSet<>();
        for (int i = 0; i < values.touchedCount(); i++) {
            touched.add(values.touchedRows()[i]);
        }
        assertEquals(selectedRows, touched);
        for (int row = 0; row < valueNum; row++) {
            boolean nonZero = false;
            for (int d = 0; d < 4; d++) {
                nonZero |= values.grad[row * 4 + d] != 0;
            }
            assertTrue(!nonZero || touched.contains(row), "untouched row " + row + " has gradient");
        }
    }

    @Test
    void selectionIsSortedByScoreDescending() {
        UltraMemLayer l = layer(tiny());
        float[] x = random(TOKENS * HIDDEN, 41, 1.0);
        l.forward(new float[x.length], x, TOKENS);
        for (int b = 0; b < TOKENS; b++) {
            for (int h = 0; h < 2; h++) {
                for (int j = 1; j < 3; j++) {
                    float prev = l.selectedWeight(b, h * 3 + j - 1, 0) + l.selectedWeight(b, h * 3 + j - 1, 1);
                    float cur = l.selectedWeight(b, h * 3 + j, 0) + l.selectedWeight(b, h * 3 + j, 1);
                    assertTrue(prev >= cur - 1e-5f, "token " + b + " head " + h + " slot " + j);
                }
            }
        }
    }

    @Test
    void diagnosticsCountEverySelection() {
        UltraMemLayer l = layer(tiny());
        float[] x = random(TOKENS * HIDDEN, 51, 1.0);
        l.forward(new float[x.length], x, TOKENS);
        UltraMemDiagnostics d = l.diagnostics();
        assertEquals(TOKENS * 2 * 3, Arrays.stream(d.rowUsage()).sum());
        assertEquals(TOKENS * 2 * 2 * 3, Arrays.stream(d.keyUsage()).sum());
        assertTrue(d.top1MeanScore() >= d.topKMeanScore());
        assertTrue(d.outputStd() > 0);
        assertEquals(2, l.coreSingularValues().length);
        d.reset();
        assertEquals(0, Arrays.stream(d.rowUsage()).sum());
        assertTrue(Double.isNaN(d.outputStd()));
    }

    @Test
    void rejectsTooManyTokensAndBackwardWithoutForward() {
        UltraMemLayer l = layer(tiny());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> l.forward(new float[99 * HIDDEN], new float[99 * HIDDEN], 99));
        assertTrue(e.getMessage().contains("maxTokens"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> l.backward(new float[40], new float[40], TOKENS));
    }

    @Test
    void rejectsProjectionlessLayerWithWrongValueDim() {
        UltraMemConfig cfg = new UltraMemConfig(3, 4, 4, 3, 3, 2, 1, 1, 1, null, true, false, true,
                false, false, false, "code", 1, 1.0, 1.0, "lazy_adamw", 0, 0.15, 1e-5f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new UltraMemLayer(cfg, HIDDEN, 4, 1));
        assertTrue(e.getMessage().contains("mem_vdim"), e.getMessage());
    }

    @Test
    void tuckerAuxLossGradientGoesIntoEveryCore() {
        UltraMemConfig cfg = new UltraMemConfig(3, 4, 4, 3, 3, 2, 2, 2, 4, null, false, true, true,
                true, true, true, "code", 1, 4.0, 1.0, "dense_adamw", 0.5, 0.01, 1e-5f);
        UltraMemLayer l = new UltraMemLayer(cfg, HIDDEN, 2, 5);
        double loss = l.tuckerAuxLoss(1.0);
        assertTrue(loss > 0);
        assertArrayEquals(l.parameter("tucker_core.0").grad, l.parameter("tucker_core.1").grad);
        assertEquals(0.0, layer(tiny()).tuckerAuxLoss(1.0));
    }
}
