package org.ultramem.nn.moe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.testing.GradCheck;

class MoeLayerTest {

    private static final int D = 6;

    private static MoeConfig config(int experts, int k, boolean normalize, double aux, double z) {
        return new MoeConfig(experts, k, 5, aux, z, normalize, null);
    }

    private static float[] random(int n, long seed, double scale) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (scale * r.nextGaussian());
        }
        return a;
    }

    private static Parameter param(MoeLayer moe, String name) {
        return moe.parameter(name);
    }

    /** Expert e applied to token t of x, in double: down · (silu(gate·x) ⊙ up·x). */
    private static double[] expert(MoeLayer moe, int e, float[] x, int t) {
        float[] g = param(moe, "experts." + e + ".gate_proj.weight").data;
        float[] u = param(moe, "experts." + e + ".up_proj.weight").data;
        float[] d = param(moe, "experts." + e + ".down_proj.weight").data;
        int de = g.length / D;
        double[] h = new double[de];
        for (int i = 0; i < de; i++) {
            double a = 0;
            double b = 0;
            for (int j = 0; j < D; j++) {
                a += (double) g[i * D + j] * x[t * D + j];
                b += (double) u[i * D + j] * x[t * D + j];
            }
            h[i] = a / (1 + Math.exp(-a)) * b;
        }
        double[] out = new double[D];
        for (int j = 0; j < D; j++) {
            for (int i = 0; i < de; i++) {
                out[j] += d[j * de + i] * h[i];
            }
        }
        return out;
    }

    /** y from the router's choices and a dense per-token evaluation of each chosen expert. */
    private static void assertOutputIsReference(MoeLayer moe, float[] y, float[] x, int tokens, int k) {
        int[] experts = moe.routing().experts;
        float[] combine = moe.routing().combine;
        for (int t = 0; t < tokens; t++) {
            double[] ref = new double[D];
            for (int j = 0; j < k; j++) {
                double[] o = expert(moe, experts[t * k + j], x, t);
                for (int i = 0; i < D; i++) {
                    ref[i] += combine[t * k + j] * o[i];
                }
            }
            for (int i = 0; i < D; i++) {
                assertEquals(ref[i], y[t * D + i], 1e-5, "token " + t + " dim " + i);
            }
        }
    }

    /** Objective = Σ y⊙r + scale·(aux·L_lb + z·zloss): what backward differentiates. */
    private static double objective(MoeLayer moe, float[] x, float[] r, int tokens, double scale) {
        float[] y = new float[tokens * D];
        moe.forward(y, x, tokens);
        double s = 0;
        for (int i = 0; i < y.length; i++) {
            s += (double) y[i] * r[i];
        }
        return s + scale * moe.weightedAuxLoss();
    }

    @ParameterizedTest(name = "normalizeTopK={0}")
    @ValueSource(booleans = {false, true})
    void backwardMatchesFiniteDifferences(boolean normalize) {
        int tokens = 7;
        int k = 2;
        MoeLayer moe = new MoeLayer(config(4, k, normalize, 0.5, 0.3), D, tokens, 21);
        float[] x = random(tokens * D, 4, 1.0);
        float[] r = random(tokens * D, 5, 1.0);
        spreadRouter(moe, x, tokens, 4, k);
        moe.setAuxGradScale(0.7);
        float[] dx = new float[tokens * D];
        moe.forward(new float[tokens * D], x, tokens);
        moe.backward(dx, r, tokens);
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-3).withFloor(1e-2).withMaxEntries(100);
        for (Parameter p : moe.parameters()) {
            GradCheck.check(p.name, p.data, p.grad, () -> objective(moe, x, r, tokens, 0.7), o);
        }
        GradCheck.check("x", x, dx, () -> objective(moe, x, r, tokens, 0.7), o);
    }

    /**
     * Precondition of a gradient check: eps-sized perturbations must not change the routing. Sets
     * N(0, 1) router weights from the first seed whose k-th and (k+1)-th probabilities differ by
     * more than 0.02 for every token.
     */
    private static void spreadRouter(MoeLayer moe, float[] x, int tokens, int n, int k) {
        float[] w = param(moe, "router.weight").data;
        for (long seed = 0; seed < 200; seed++) {
            System.arraycopy(random(w.length, seed, 1.0), 0, w, 0, w.length);
            moe.forward(new float[tokens * D], x, tokens);
            float[] p = moe.routing().probs;
            boolean ok = true;
            for (int t = 0; t < tokens; t++) {
                float[] row = Arrays.copyOfRange(p, t * n, (t + 1) * n);
                Arrays.sort(row);
                ok &= row[n - k] - row[n - k - 1] > 0.02;
            }
            if (ok) {
                return;
            }
        }
        throw new AssertionError("no router seed with clear routing margins; use fewer tokens");
    }

    @Test
    void routerOnlyGradientIsTheAuxiliaryLosses() {
        // dy = 0: every router gradient comes from coef·L_lb + coef·z alone.
        int tokens = 9;
        MoeLayer moe = new MoeLayer(config(5, 2, false, 1.0, 1.0), D, tokens, 8);
        float[] x = random(tokens * D, 7, 1.0);
        float[] zero = new float[tokens * D];
        spreadRouter(moe, x, tokens, 5, 2);
        moe.forward(new float[tokens * D], x, tokens);
        moe.backward(new float[tokens * D], zero, tokens);
        Parameter router = param(moe, "router.weight");
        assertTrue(Arrays.stream(toDouble(router.grad)).anyMatch(v -> v != 0));
        GradCheck.check("router.weight", router.data, router.grad, () -> objective(moe, x, zero, tokens, 1.0),
                GradCheck.Options.defaults().withFloor(1e-3).withMaxEntries(100));
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Test
    void noTokenIsDroppedWhenEveryTokenPicksTheSameExperts() {
        int tokens = 13;
        int k = 2;
        MoeLayer moe = new MoeLayer(config(4, k, false, 0.01, 0.001), D, tokens, 2);
        float[] w = param(moe, "router.weight").data;
        Arrays.fill(w, 0f);
        float[] pref = {1f, 0f, 2f, -1f};            // logits = pref · x[t,0] with x[t,0] = 1
        for (int e = 0; e < 4; e++) {
            w[e * D] = pref[e];
        }
        float[] x = random(tokens * D, 9, 1.0);
        for (int t = 0; t < tokens; t++) {
            x[t * D] = 1f;
        }
        float[] y = new float[tokens * D];
        moe.forward(y, x, tokens);
        for (int t = 0; t < tokens; t++) {
            assertArrayEquals(new int[] {2, 0}, Arrays.copyOfRange(moe.routing().experts, t * k, t * k + k));
        }
        assertOutputIsReference(moe, y, x, tokens, k);
        assertArrayEquals(new double[] {0.5, 0, 0.5, 0}, moe.diagnostics().expertLoad(), 0.0);
    }

    @ParameterizedTest(name = "normalizeTopK={0}")
    @ValueSource(booleans = {false, true})
    void forwardMatchesDenseReference(boolean normalize) {
        int tokens = 11;
        MoeLayer moe = new MoeLayer(config(6, 3, normalize, 0.01, 0.001), D, tokens, 4);
        float[] x = random(tokens * D, 10, 1.0);
        float[] y = new float[tokens * D];
        moe.forward(y, x, tokens);
        assertOutputIsReference(moe, y, x, tokens, 3);
        float[] c = moe.routing().combine;
        double first = c[0] + c[1] + c[2];
        assertEquals(normalize, Math.abs(first - 1) < 1e-6, "combine weights sum " + first);
    }

    @Test
    void balanceLossEqualsItsFormula() {
        int tokens = 10;
        int n = 5;
        int k = 2;
        MoeLayer moe = new MoeLayer(config(n, k, false, 0.01, 0.001), D, tokens, 6);
        float[] x = random(tokens * D, 12, 3.0);
        moe.forward(new float[tokens * D], x, tokens);
        float[] p = moe.routing().probs;
        float[] logits = moe.routing().logits;
        int[] ex = moe.routing().experts;
        double[] f = new double[n];
        double[] meanP = new double[n];
        double z = 0;
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < k; j++) {
                f[ex[t * k + j]] += 1.0 / (tokens * k);
            }
            double sumExp = 0;
            for (int e = 0; e < n; e++) {
                meanP[e] += p[t * n + e] / (double) tokens;
                sumExp += Math.exp(logits[t * n + e]);
            }
            z += Math.pow(Math.log(sumExp), 2) / tokens;
        }
        double lb = 0;
        for (int e = 0; e < n; e++) {
            lb += n * f[e] * meanP[e];
        }
        assertEquals(lb, moe.balanceLoss(), 1e-6);
        assertEquals(z, moe.zLoss(), 1e-6);
        assertEquals(0.01 * lb + 0.001 * z, moe.weightedAuxLoss(), 1e-8);
        assertArrayEquals(f, moe.diagnostics().expertLoad(), 1e-12);
    }

    @Test
    void uniformRoutingGivesBalanceLossOneAndZLossLogNSquared() {
        // Zero router: p = 1/N for every expert, so L_lb = N·Σ f_e/N = Σ f_e = 1 exactly (for any
        // k; HF's per-token convention would report k), and z = (ln N)².
        int tokens = 8;
        int n = 4;
        MoeLayer moe = new MoeLayer(config(n, 2, false, 0.01, 0.001), D, tokens, 1);
        Arrays.fill(param(moe, "router.weight").data, 0f);
        moe.forward(new float[tokens * D], random(tokens * D, 2, 1.0), tokens);
        assertEquals(1.0, moe.balanceLoss(), 1e-6);
        assertEquals(Math.log(n) * Math.log(n), moe.zLoss(), 1e-6);
        // Ties go to the lower expert id: every token picks experts 0 and 1.
        assertArrayEquals(new double[] {0.5, 0.5, 0, 0}, moe.diagnostics().expertLoad(), 0.0);
    }

    @Test
    void diagnosticsAccumulateAndReset() {
        int tokens = 4;
        MoeLayer moe = new MoeLayer(config(3, 1, false, 0.01, 0.001), D, tokens, 3);
        float[] x = random(tokens * D, 2, 1.0);
        moe.forward(new float[tokens * D], x, tokens);
        double b1 = moe.balanceLoss();
        moe.forward(new float[tokens * D], x, tokens);
        assertEquals(b1, moe.diagnostics().meanBalanceLoss(), 1e-12);
        assertEquals(1.0, Arrays.stream(moe.diagnostics().expertLoad()).sum(), 1e-12);
        assertEquals(List.of("balance_loss", "z_loss", "max_load", "min_load"),
                List.copyOf(moe.diagnostics().summary().keySet()));
        moe.resetDiagnostics();
        assertTrue(Double.isNaN(moe.diagnostics().meanZLoss()));
    }

    @Test
    void resultsDoNotDependOnTheThreadCount() {
        int tokens = 64;
        MoeConfig cfg = config(4, 2, false, 0.01, 0.001);
        float[] x = random(tokens * D, 1, 1.0);
        float[] dy = random(tokens * D, 2, 1.0);
        List<float[]> one = Parallel.withThreads(1, () -> runOnce(cfg, x, dy, tokens));
        List<float[]> two = Parallel.withThreads(2, () -> runOnce(cfg, x, dy, tokens));
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), two.get(i), "output " + i);
        }
    }

    /** y, dx and every parameter gradient of one forward/backward of a fresh layer. */
    private static List<float[]> runOnce(MoeConfig cfg, float[] x, float[] dy, int tokens) {
        MoeLayer moe = new MoeLayer(cfg, D, tokens, 5);
        float[] y = new float[tokens * D];
        float[] dx = new float[tokens * D];
        moe.forward(y, x, tokens);
        moe.backward(dx, dy, tokens);
        List<float[]> out = new ArrayList<>(List.of(y, dx));
        moe.parameters().forEach(p -> out.add(p.grad));
        return out;
    }

    @Test
    void parameterNamesAreHuggingFaceLike() {
        MoeLayer moe = new MoeLayer(config(2, 1, false, 0.01, 0.001), D, 2, 1);
        assertEquals(List.of("router.weight", "experts.0.gate_proj.weight", "experts.0.up_proj.weight",
                        "experts.0.down_proj.weight", "experts.1.gate_proj.weight", "experts.1.up_proj.weight",
                        "experts.1.down_proj.weight"),
                moe.parameters().stream().map(p -> p.name).toList());
        assertArrayEquals(new int[] {D, 5}, param(moe, "experts.1.down_proj.weight").shape);
    }
}
