package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.testing.GradCheck;

class ProductKeyMemoryTest {

    private static final int D = 6;

    private static PkmConfig tiny(boolean batchNorm) {
        return new PkmConfig(2, 5, 4, 3, batchNorm, 1e-3, "1:2");
    }

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (scale * r.nextGaussian());
        }
        return a;
    }

    /** Loss = Σ y ⊙ r in double; the upstream gradient dy is then r. */
    private static double loss(ProductKeyMemory pkm, float[] x, float[] r, int tokens) {
        float[] y = new float[tokens * D];
        pkm.forward(y, x, tokens);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (double) y[i] * r[i];
        }
        return s;
    }

    @ParameterizedTest(name = "batchNorm={0} training={1}")
    @CsvSource({"true, true", "true, false", "false, true"})
    void backwardMatchesFiniteDifferences(boolean batchNorm, boolean training) {
        int tokens = 6;
        ProductKeyMemory pkm = new ProductKeyMemory(tiny(batchNorm), D, tokens, 7);
        float[] x = random(tokens * D, 11, 1.0);
        float[] r = random(tokens * D, 12, 1.0);
        if (!training) {
            // Move the running statistics away from (0, 1) first, so evaluation mode is not trivial.
            pkm.forward(new float[tokens * D], random(tokens * D, 13, 2.0), tokens);
            pkm.setTraining(false);
        }
        float[] y = new float[tokens * D];
        float[] dx = new float[tokens * D];
        pkm.forward(y, x, tokens);
        pkm.backward(dx, r, tokens);
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-3).withFloor(1e-2).withMaxEntries(200);
        for (Parameter p : pkm.parameters()) {
            GradCheck.check(p.name, p.data, p.grad, () -> loss(pkm, x, r, tokens), o);
        }
        GradCheck.check("x", x, dx, () -> loss(pkm, x, r, tokens), o);
        assertEquals(batchNorm ? 6 : 4, pkm.parameters().size());
    }

    @Test
    void selectionEqualsBruteForceTopKWithTies() {
        // Small integers make every score exact, so ties are real and the order is checkable.
        PkmConfig cfg = new PkmConfig(2, 6, 4, 4, false, 1e-3, "0:0");
        int tokens = 9;
        ProductKeyMemory pkm = new ProductKeyMemory(cfg, D, tokens, 3);
        SplittableRandom rnd = new SplittableRandom(5);
        for (Parameter p : pkm.parameters()) {
            if (!p.name.equals("values")) {
                for (int i = 0; i < p.data.length; i++) {
                    p.data[i] = p.name.equals("query_proj.bias") ? 0 : rnd.nextInt(-1, 2);
                }
            }
        }
        float[] x = new float[tokens * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextInt(-2, 3);
        }
        pkm.forward(new float[tokens * D], x, tokens);
        assertSelectionIsBruteForce(pkm, cfg, tokens, true);
    }

    @ParameterizedTest(name = "n={0} k={1}")
    @CsvSource({"16, 7", "4, 4", "9, 1"})
    void selectionEqualsBruteForceTopKOnRandomScores(int n, int k) {
        PkmConfig cfg = new PkmConfig(3, n, 8, k, true, 1e-3, "0:0");
        int tokens = 20;
        ProductKeyMemory pkm = new ProductKeyMemory(cfg, D, tokens, 9);
        pkm.forward(new float[tokens * D], random(tokens * D, 4, 1.0), tokens);
        assertSelectionIsBruteForce(pkm, cfg, tokens, false);
    }

    /** Scores all n² slots of every token and head from the layer's queries and keys in double. */
    private static void assertSelectionIsBruteForce(ProductKeyMemory pkm, PkmConfig cfg, int tokens,
                                                    boolean checkScores) {
        int h = cfg.heads();
        int n = cfg.numKeys();
        int dq = cfg.keyDim();
        int half = dq / 2;
        int k = cfg.topK();
        float[] keys = pkm.parameter("keys").data;
        float[] q = pkm.scoringQueries();
        for (int t = 0; t < tokens; t++) {
            for (int head = 0; head < h; head++) {
                List<double[]> all = new ArrayList<>();
                for (int a = 0; a < n; a++) {
                    for (int c = 0; c < n; c++) {
                        double s = 0;
                        for (int i = 0; i < half; i++) {
                            s += (double) q[t * h * dq + head * dq + i] * keys[((head * 2) * n + a) * half + i];
                            s += (double) q[t * h * dq + head * dq + half + i]
                                    * keys[((head * 2 + 1) * n + c) * half + i];
                        }
                        all.add(new double[] {s, a * n + c});
                    }
                }
                all.sort(Comparator.<double[]>comparingDouble(e -> -e[0]).thenComparingDouble(e -> e[1]));
                int o = (t * h + head) * k;
                for (int i = 0; i < k; i++) {
                    assertEquals((int) all.get(i)[1], pkm.selectedSlots()[o + i],
                            "token " + t + " head " + head + " rank " + i);
                    if (checkScores) {
                        assertEquals(all.get(i)[0], pkm.selectedScores()[o + i], 0.0);
                    }
                }
            }
        }
    }

    @Test
    void batchNormKeepsRunningStatisticsAndUsesThemInEval() {
        int tokens = 8;
        ProductKeyMemory pkm = new ProductKeyMemory(tiny(true), D, tokens, 1);
        float[] x = random(tokens * D, 2, 1.0);
        float[] w = pkm.parameters().get(0).data;
        float[] b = pkm.parameters().get(1).data;
        int width = 2 * 4;
        float[] yTrain = new float[tokens * D];
        pkm.forward(yTrain, x, tokens);
        float[] runMean = pkm.buffers().get("query_bn.running_mean");
        float[] runVar = pkm.buffers().get("query_bn.running_var");
        for (int j = 0; j < width; j++) {
            double[] col = new double[tokens];
            double mean = 0;
            for (int t = 0; t < tokens; t++) {
                col[t] = b[j];
                for (int i = 0; i < D; i++) {
                    col[t] += (double) x[t * D + i] * w[j * D + i];
                }
                mean += col[t] / tokens;
            }
            double var = 0;
            for (double v : col) {
                var += (v - mean) * (v - mean) / (tokens - 1);
            }
            assertEquals(0.1 * mean, runMean[j], 1e-5);
            assertEquals(0.9 + 0.1 * var, runVar[j], 1e-5);
        }
        pkm.setTraining(false);
        float[] yEval = new float[tokens * D];
        pkm.forward(yEval, x, tokens);
        assertNotEquals(yTrain[0], yEval[0]);
        pkm.forward(new float[D], x, 1);   // a single token is fine in evaluation
        pkm.setTraining(true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> pkm.forward(new float[D], x, 1));
        assertTrue(e.getMessage().contains("pkm_query_batchnorm"), e.getMessage());
    }

    @Test
    void valueGradientTouchesExactlyTheSelectedRows() {
        int tokens = 5;
        ProductKeyMemory pkm = new ProductKeyMemory(tiny(true), D, tokens, 3);
        float[] x = random(tokens * D, 8, 1.0);
        pkm.forward(new float[tokens * D], x, tokens);
        Set<Integer> selected = new HashSet<>();
        for (int i = 0; i < tokens * 2 * 3; i++) {
            selected.add(pkm.selectedSlots()[i]);
        }
        pkm.backward(new float[tokens * D], random(tokens * D, 9, 1.0), tokens);
        Parameter values = pkm.parameters().getLast();
        assertEquals(Parameter.Group.VALUES, values.group);
        assertEquals(selected.size(), values.touchedCount());
        for (int row = 0; row < 25; row++) {
            boolean nonZero = false;
            for (int i = 0; i < D; i++) {
                nonZero |= values.grad[row * D + i] != 0;
            }
            assertEquals(selected.contains(row), nonZero, "row " + row);
        }
    }

    @Test
    void diagnosticsCountEverySelection() {
        int tokens = 4;
        ProductKeyMemory pkm = new ProductKeyMemory(tiny(false), D, tokens, 3);
        float[] x = random(tokens * D, 8, 1.0);
        pkm.forward(new float[tokens * D], x, tokens);
        pkm.forward(new float[tokens * D], x, tokens);
        PkmDiagnostics d = pkm.diagnostics();
        assertEquals(2 * tokens * 2 * 3, sum(d.slotUsage()));
        assertEquals(2 * 2 * tokens * 2 * 3, sum(d.keyUsage()));
        assertTrue(d.meanTop1Score() >= d.meanTopKScore());
        assertTrue(d.outputStd() > 0);
        assertTrue(d.slotCoverage() > 0 && d.slotCoverage() <= 1);
        pkm.resetDiagnostics();
        assertEquals(0, sum(d.slotUsage()));
        assertTrue(Double.isNaN(d.meanTop1Score()));
    }

    private static long sum(int[] a) {
        long s = 0;
        for (int v : a) {
            s += v;
        }
        return s;
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int tokens = 160;   // enough selections (960) for the value-gradient scatter to split
        PkmConfig cfg = new PkmConfig(2, 8, 4, 3, true, 1e-3, "0:0");
        float[] x = random(tokens * D, 1, 1.0);
        float[] dy = random(tokens * D, 2, 1.0);
        List<float[]> one = Parallel.withThreads(1, () -> runOnce(cfg, x, dy, tokens));
        List<float[]> two = Parallel.withThreads(2, () -> runOnce(cfg, x, dy, tokens));
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), two.get(i), "output " + i);
        }
    }

    /** y, dx and every parameter gradient of one forward/backward of a fresh layer. */
    private static List<float[]> runOnce(PkmConfig cfg, float[] x, float[] dy, int tokens) {
        ProductKeyMemory pkm = new ProductKeyMemory(cfg, D, tokens, 5);
        float[] y = new float[tokens * D];
        float[] dx = new float[tokens * D];
        pkm.forward(y, x, tokens);
        pkm.backward(dx, dy, tokens);
        List<float[]> out = new ArrayList<>(List.of(y, dx));
        pkm.parameters().forEach(p -> out.add(p.grad));
        return out;
    }

    @Test
    void forwardIsDeterministicAndRejectsTooManyTokens() {
        ProductKeyMemory a = new ProductKeyMemory(tiny(true), D, 4, 5);
        ProductKeyMemory b = new ProductKeyMemory(tiny(true), D, 4, 5);
        float[] x = random(4 * D, 1, 1.0);
        float[] ya = new float[4 * D];
        float[] yb = new float[4 * D];
        a.forward(ya, x, 4);
        b.forward(yb, x, 4);
        assertArrayEquals(ya, yb);
        assertThrows(IllegalArgumentException.class, () -> a.forward(new float[5 * D], new float[5 * D], 5));
    }
}
