package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
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

/** Gradient oracles and invariants of the UltraMemV2 layer on tiny configs. */
class UltraMemV2LayerTest {

    static final int HIDDEN = 8;
    static final int TOKENS = 5;

    /** A config, the number of V2 layers sharing the table, and which layer is tested. */
    record Case(String name, UltraMemV2Config cfg, int layers, int layerId) {
        @Override
        public String toString() {
            return name;
        }
    }

    /** Run-script shape: κ_e 2, E 1 (blocks summed), GELU gate, balance loss, two heads. */
    static Case summedBlocks() {
        UltraMemV2Config cfg = UltraMemV2Config.of(3, 4, 8, 4, 3).withShape(2, 2, 2, 1)
                .withRetrieval(1.0, 0.5, true);
        return new Case("summedBlocks", cfg, 1, 0);
    }

    /** Four heads (both query slots), one core, E = E' = 4 projectors, no pre-values. */
    static Case projectorPerBlock() {
        UltraMemV2Config cfg = UltraMemV2Config.of(2, 4, 4, 0, 3).withShape(4, 1, 2, 4);
        return new Case("projectorPerBlock", cfg, 1, 0);
    }

    /**
     * Three heads, three cores, κ_e 1, layer 1 of 2 with ρ 0.9: K0' = int(sqrt(18·0.9)) = 4 > K0 =
     * 3, so its window of 16 rows starts at 9 and wraps around the 18-row table.
     */
    static Case sharedWindow() {
        UltraMemV2Config cfg = UltraMemV2Config.of(3, 4, 6, 4, 3).withShape(3, 3, 1, 1)
                .withRetrieval(0.9, 1.0, false);
        return new Case("sharedWindow", cfg, 2, 1);
    }

    static Stream<Case> cases() {
        return Stream.of(summedBlocks(), projectorPerBlock(), sharedWindow());
    }

    static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    /** A layer with every parameter moved off its init so every path matters; u, v refreshed. */
    static UltraMemV2Layer layer(Case c, int maxTokens) {
        UltraMemV2Values holder = new UltraMemV2Values(c.cfg().geometry(c.layers()), 5);
        UltraMemV2Layer l = new UltraMemV2Layer(holder, c.layerId(), HIDDEN, maxTokens, 7);
        SplittableRandom r = new SplittableRandom(3);
        List<Parameter> all = new ArrayList<>(l.parameters());
        all.addAll(holder.parameters());
        for (Parameter p : all) {
            for (int i = 0; i < p.data.length; i++) {
                if (p.name.contains("norm")) {
                    p.data[i] *= (float) (0.7 + 0.6 * r.nextDouble());
                } else if (p.name.contains("look_up")) {
                    p.data[i] = (float) (0.5 * r.nextGaussian());
                } else if (p.name.startsWith("tucker_core")) {
                    p.data[i] += (float) (0.3 * r.nextGaussian());
                }
            }
        }
        l.refreshTucker();
        return l;
    }

    private static int[] selection(UltraMemV2Layer l, int tokens) {
        int slots = l.config().slots();
        int[] z = new int[tokens * slots];
        for (int b = 0; b < tokens; b++) {
            for (int s = 0; s < slots; s++) {
                z[b * slots + s] = l.selectedGridIndex(b, s);
            }
        }
        return z;
    }

    /** Σ y·g + β·L_bal of the double reference with the selection and counts frozen. */
    private static double referenceLoss(UltraMemV2Layer l, float[] x, float[] g, int[] z,
                                        double[] freq) {
        UltraMemV2Reference.Result r = UltraMemV2Reference.forward(l, x, TOKENS, z, freq);
        double sum = 0;
        for (int i = 0; i < r.y().length; i++) {
            sum += r.y()[i] * g[i];
        }
        return freq == null ? sum : sum + l.config().balanceCoef() * r.balanceLoss();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void forwardAndBalanceLossMatchDoubleReference(Case c) {
        UltraMemV2Layer l = layer(c, TOKENS);
        float[] x = random(TOKENS * HIDDEN, 11, 1.0);
        float[] y = new float[x.length];
        l.forward(y, x, TOKENS);
        double[] freq = UltraMemV2Reference.frequencies(l, TOKENS);
        UltraMemV2Reference.Result ref = UltraMemV2Reference.forward(l, x, TOKENS,
                selection(l, TOKENS), freq);
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < y.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(y[i] - ref.y()[i]));
            maxRef = Math.max(maxRef, Math.abs(ref.y()[i]));
        }
        assertTrue(maxRef > 0 && maxDiff <= 1e-5 * maxRef, "max diff " + maxDiff + " of " + maxRef);
        if (c.cfg().balanceCoef() > 0) {
            assertEquals(ref.balanceLoss(), l.balanceLoss(), 1e-5 * ref.balanceLoss());
        } else {
            assertTrue(Double.isNaN(l.balanceLoss()));
        }
    }

    /**
     * Float analytic gradients (including β·∂L_bal) against central differences of the double
     * reference with selection and counts frozen, so no perturbation can flip a top-k choice:
     * tolerance 1e-3 relative, floor 1e-2. Covers x, every layer parameter and both shared tables.
     */
    @ParameterizedTest
    @MethodSource("cases")
    void backwardMatchesFiniteDifferencesOfDoubleReference(Case c) {
        UltraMemV2Layer l = layer(c, TOKENS);
        float[] x = random(TOKENS * HIDDEN, 11, 1.0);
        float[] g = random(TOKENS * HIDDEN, 12, 1.0);
        l.forward(new float[x.length], x, TOKENS);
        int[] z = selection(l, TOKENS);
        double[] freq = c.cfg().balanceCoef() > 0
                ? UltraMemV2Reference.frequencies(l, TOKENS) : null;
        float[] dx = new float[x.length];
        l.backward(dx, g, TOKENS);
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-3).withTol(1e-3)
                .withFloor(1e-2).withMaxEntries(60);
        GradCheck.check("input", x, dx, () -> referenceLoss(l, x, g, z, freq), o);
        List<Parameter> all = new ArrayList<>(l.parameters());
        all.addAll(l.values().parameters());
        for (Parameter p : all) {
            GradCheck.check(p.name, p.data, p.grad, () -> referenceLoss(l, x, g, z, freq), o);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void resultsDoNotDependOnThreadCountAcrossChunks(Case c) {
        int tokens = 150;  // coarse chunks of 64, 64 and 22 tokens
        float[] x = random(tokens * HIDDEN, 21, 1.0);
        float[] g = random(tokens * HIDDEN, 22, 1.0);
        List<float[]> one = Parallel.withThreads(1, () -> run(c, x, g, tokens));
        List<float[]> three = Parallel.withThreads(3, () -> run(c, x, g, tokens));
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), three.get(i), "output/loss/gradient #" + i);
        }
    }

    private static List<float[]> run(Case c, float[] x, float[] g, int tokens) {
        UltraMemV2Layer l = layer(c, tokens);
        float[] y = new float[x.length];
        float[] dx = new float[x.length];
        l.forward(y, x, tokens);
        l.backward(dx, g, tokens);
        List<float[]> out = new ArrayList<>(List.of(y, dx, new float[] {(float) l.balanceLoss()}));
        l.parameters().forEach(p -> out.add(p.grad.clone()));
        l.values().parameters().forEach(p -> out.add(p.grad.clone()));
        return out;
    }

    @Test
    void tableGradientTouchesExactlyTheSelectedRowsOfTheLayersWindow() {
        Case c = sharedWindow();
        UltraMemV2Layer l = layer(c, TOKENS);
        float[] x = random(TOKENS * HIDDEN, 31, 1.0);
        l.forward(new float[x.length], x, TOKENS);
        UltraMemV2Geometry geo = l.geometry();
        Set<Integer> selected = new LinkedHashSet<>();
        for (int b = 0; b < TOKENS; b++) {
            for (int s = 0; s < c.cfg().slots(); s++) {
                int row = l.selectedRow(b, s);
                int local = Math.floorMod(row - geo.offset(c.layerId()), geo.allValueNum());
                assertTrue(local < geo.valueNum(), "row " + row + " outside the layer's window");
                assertEquals(l.shuffleIndex()[l.selectedGridIndex(b, s)],
                        l.selectedVirtualIndex(b, s));
                selected.add(row);
            }
        }
        // Two threads: the tables' marks are set on the worker while the sort runs; each list
        // must still be in slot (first-touch) order, the order the gradient norm sums in.
        Parallel.withThreads(2, () -> l.backward(new float[x.length], random(x.length, 32, 1.0),
                TOKENS));
        for (Parameter table : l.values().parameters()) {
            List<Integer> touched = new ArrayList<>();
            for (int i = 0; i < table.touchedCount(); i++) {
                touched.add(table.touchedRows()[i]);
            }
            assertEquals(List.copyOf(selected), touched, table.name);
            for (int row = 0; row < geo.allValueNum(); row++) {
                boolean nonZero = false;
                for (int d = 0; d < table.rowWidth; d++) {
                    nonZero |= table.grad[row * table.rowWidth + d] != 0;
                }
                assertTrue(!nonZero || touched.contains(row), table.name + " row " + row);
            }
        }
    }

    /** The balance gradient reaches queries, keys and norms only (spec §4), and x. */
    @Test
    void balanceGradientReachesOnlyQueriesKeysAndNorms() {
        Case c = summedBlocks();
        float[] x = random(TOKENS * HIDDEN, 41, 1.0);
        float[] g = random(TOKENS * HIDDEN, 42, 1.0);
        UltraMemV2Layer with = layer(c, TOKENS);
        UltraMemV2Layer without = layer(c, TOKENS);
        with.forward(new float[x.length], x, TOKENS);
        without.forward(new float[x.length], x, TOKENS);
        float[] dxWith = new float[x.length];
        float[] dxWithout = new float[x.length];
        with.backward(dxWith, g, TOKENS);
        without.backward(dxWithout, g, TOKENS, 0.0);
        assertNotEquals(dxWith[0], dxWithout[0]);
        for (Parameter p : with.parameters()) {
            float[] other = without.parameter(p.name).grad;
            boolean reached = p.name.startsWith("query") || p.name.startsWith("keys");
            if (reached) {
                assertTrue(!Arrays.equals(p.grad, other), p.name + " got no balance term");
            } else {
                assertArrayEquals(other, p.grad, p.name + " must not see the balance loss");
            }
        }
        for (Parameter p : with.values().parameters()) {
            assertArrayEquals(without.values().parameter(p.name).grad, p.grad, p.name);
        }
    }

    @Test
    void twoHeadsLeaveTheSecondQuerySlotWithoutGradient() {
        UltraMemV2Layer l = layer(summedBlocks(), TOKENS);
        float[] x = random(TOKENS * HIDDEN, 51, 1.0);
        l.forward(new float[x.length], x, TOKENS);
        l.backward(new float[x.length], random(x.length, 52, 1.0), TOKENS);
        float[] dWq = l.parameter("query_proj.weight").grad;
        int dk = l.config().keyDim();
        for (int i = 0; i < dWq.length; i++) {
            boolean slotOne = i / HIDDEN >= 2 * dk;
            assertTrue(slotOne ? dWq[i] == 0 : true, "W_q entry " + i);
        }
        assertTrue(dWq[0] != 0 || dWq[1] != 0);
    }

    @Test
    void releasedInitAndOnlineUpdate() {
        UltraMemV2Config cfg = UltraMemV2Config.of(16, 16, 32, 16, 4).withShape(2, 2, 2, 1);
        UltraMemV2Values holder = new UltraMemV2Values(cfg.geometry(2), 1);
        UltraMemV2Layer l = new UltraMemV2Layer(holder, 1, 64, 4, 2);
        assertEquals(Math.pow(16, -0.4), l.parameter("query_norm.weight").data[3], 1e-7);
        assertEquals(Math.pow(16, -0.4), l.parameter("keys_norm.weight").data[0], 1e-7);
        assertEquals(1 / Math.sqrt(16), std(l.parameter("query_proj.weight").data), 0.01);
        assertEquals(1 / Math.sqrt(16), std(l.parameter("keys").data), 0.01);
        assertEquals(1 / Math.sqrt(32), std(l.parameter("values_proj.weight").data), 0.01);
        assertEquals(1 / Math.sqrt(64), std(l.parameter("pre_values_proj.weight").data), 0.01);
        assertEquals(0.02, std(holder.values().data), 0.001);
        assertEquals(0.02, std(holder.preValues().data), 0.001);
        for (float v : l.parameter("tucker_core.1").data) {
            assertTrue(v >= 0 && v < 1);
        }
        // The constructor ran the first update (σ = +1 from u = v = 0); a second one with the same
        // cores keeps the pair, and after a flip the sign rule keeps the flipped pair (continuity
        // with the previous pair, not with the SVD's own sign).
        float[] u = l.tuckerU().clone();
        float[] v = l.tuckerV().clone();
        assertNotEquals(0f, u[0]);
        l.refreshTucker();
        assertArrayEquals(u, l.tuckerU());
        for (int i = 0; i < u.length; i++) {
            l.tuckerU()[i] = -u[i];
            l.tuckerV()[i] = -v[i];
        }
        l.refreshTucker();
        for (int i = 0; i < u.length; i++) {
            assertEquals(-u[i], l.tuckerU()[i]);
            assertEquals(-v[i], l.tuckerV()[i]);
        }
    }

    @Test
    void rejectsTooManyTokensAndBackwardWithoutForward() {
        UltraMemV2Layer l = layer(summedBlocks(), TOKENS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> l.forward(new float[99 * HIDDEN], new float[99 * HIDDEN], 99));
        assertTrue(e.getMessage().contains("maxTokens"), e.getMessage());
        assertThrows(IllegalStateException.class,
                () -> l.backward(new float[40], new float[40], TOKENS));
        IllegalArgumentException id = assertThrows(IllegalArgumentException.class,
                () -> new UltraMemV2Layer(l.values(), 1, HIDDEN, 4, 1));
        assertTrue(id.getMessage().contains("layer id 1"), id.getMessage());
    }

    private static double std(float[] a) {
        double s = 0;
        double ss = 0;
        for (float v : a) {
            s += v;
            ss += (double) v * v;
        }
        double mean = s / a.length;
        return Math.sqrt(ss / a.length - mean * mean);
    }
}
