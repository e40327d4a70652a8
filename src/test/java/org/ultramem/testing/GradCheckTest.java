package org.ultramem.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/**
 * The gradient oracle itself: a correct gradient of a float loss passes the noise-aware check, and
 * wrong ones (scaled by 1.05, or one entry off) fail it. The loss is softmax regression computed
 * in float like a model's forward, with its exact gradient computed in double.
 */
class GradCheckTest {

    private static final int CLASSES = 5;
    private static final int FEATURES = 6;
    private static final int ROWS = 8;

    /** Weights W [CLASSES, FEATURES], inputs [ROWS, FEATURES] and targets of one problem. */
    private record Problem(float[] w, float[] x, int[] targets) {
        static Problem random(long seed) {
            SplittableRandom rnd = new SplittableRandom(seed);
            float[] w = new float[CLASSES * FEATURES];
            float[] x = new float[ROWS * FEATURES];
            int[] t = new int[ROWS];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) rnd.nextGaussian();
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            for (int r = 0; r < ROWS; r++) {
                t[r] = rnd.nextInt(CLASSES);
            }
            return new Problem(w, x, t);
        }

        /** Σ_r logsumexp(W·x_r) − (W·x_r)[t_r]: float per row, summed in double. */
        double floatLoss() {
            double total = 0;
            float[] z = new float[CLASSES];
            for (int r = 0; r < ROWS; r++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < CLASSES; j++) {
                    float s = 0;
                    for (int f = 0; f < FEATURES; f++) {
                        s += w[j * FEATURES + f] * x[r * FEATURES + f];
                    }
                    z[j] = s;
                    max = Math.max(max, s);
                }
                float sum = 0;
                for (int j = 0; j < CLASSES; j++) {
                    sum += (float) Math.exp(z[j] - max);
                }
                total += max + (float) Math.log(sum) - z[targets[r]];
            }
            return total;
        }

        /** The exact gradient dW = Σ_r (softmax(W·x_r) − onehot(t_r)) ⊗ x_r, in double. */
        float[] gradient() {
            double[] g = new double[w.length];
            for (int r = 0; r < ROWS; r++) {
                double[] z = new double[CLASSES];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < CLASSES; j++) {
                    for (int f = 0; f < FEATURES; f++) {
                        z[j] += (double) w[j * FEATURES + f] * x[r * FEATURES + f];
                    }
                    max = Math.max(max, z[j]);
                }
                double sum = 0;
                for (int j = 0; j < CLASSES; j++) {
                    sum += Math.exp(z[j] - max);
                }
                for (int j = 0; j < CLASSES; j++) {
                    double dz = Math.exp(z[j] - max) / sum - (j == targets[r] ? 1 : 0);
                    for (int f = 0; f < FEATURES; f++) {
                        g[j * FEATURES + f] += dz * x[r * FEATURES + f];
                    }
                }
            }
            float[] out = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                out[i] = (float) g[i];
            }
            return out;
        }
    }

    private static final GradCheck.NoiseOptions OPTIONS =
            GradCheck.NoiseOptions.defaults().withEps(1e-2);

    @Test
    void correctGradientOfAFloatLossPasses() {
        for (long seed = 1; seed <= 5; seed++) {
            Problem p = Problem.random(seed);
            GradCheck.checkNoiseAware("W", p.w(), p.gradient(), p::floatLoss, OPTIONS);
        }
    }

    @Test
    void gradientScaledBy105IsCaughtByTheDirectionsAlone() {
        Problem p = Problem.random(1);
        float[] g = p.gradient();
        for (int i = 0; i < g.length; i++) {
            g[i] *= 1.05f;
        }
        GradCheck.NoiseOptions directionsOnly = OPTIONS.withMaxEntries(0);
        assertThrows(AssertionFailedError.class,
                () -> GradCheck.checkNoiseAware("W", p.w(), g, p::floatLoss, directionsOnly));
        GradCheck.checkNoiseAware("W", p.w(), p.gradient(), p::floatLoss, directionsOnly);
    }

    @Test
    void oneWrongEntryIsCaught() {
        Problem p = Problem.random(2);
        float[] g = p.gradient();
        int worst = 0;
        for (int i = 0; i < g.length; i++) {
            worst = Math.abs(g[i]) > Math.abs(g[worst]) ? i : worst;
        }
        // An indexing slip: one entry gets a tenth of the largest gradient added.
        int wrong = (worst + 7) % g.length;
        g[wrong] += 0.1f * Math.abs(g[worst]);
        AssertionFailedError e = assertThrows(AssertionFailedError.class,
                () -> GradCheck.checkNoiseAware("W", p.w(), g, p::floatLoss, OPTIONS));
        assertTrue(e.getMessage().contains("W[" + wrong + "]"), e.getMessage());
    }

    /**
     * A loss rounded to float around 10⁴ (quantum 9.8e-4, like a long float sum) makes a finite
     * difference at eps = 1e-2 off by up to 0.05: the fixed-tolerance per-entry check fails a
     * correct gradient, the noise-aware one measures the noise and passes it.
     */
    @Test
    void noiseAwareCheckPassesWhereAFixedToleranceFailsOnNoise() {
        Problem p = Problem.random(3);
        DoubleSupplier coarse = () -> (float) (1e4 + p.floatLoss());
        float[] g = p.gradient();
        assertThrows(AssertionFailedError.class, () -> GradCheck.check("W", p.w(), g, coarse,
                GradCheck.Options.defaults().withEps(1e-2)));
        GradCheck.checkNoiseAware("W", p.w(), g, coarse, OPTIONS);
        double sigma = GradCheck.lossNoise(p.w(), coarse, 1);
        assertTrue(sigma >= Math.ulp(1e4f) / 2, "noise of a float-rounded loss: " + sigma);
    }

    @Test
    void lossNoiseSeesFloatRoundingAndNotDoubleRounding() {
        Problem p = Problem.random(4);
        double floatNoise = GradCheck.lossNoise(p.w(), p::floatLoss, 1);
        assertTrue(floatNoise > 1e-9 && floatNoise < 1e-5, "float loss noise " + floatNoise);
        DoubleSupplier exact = () -> {
            double s = 0;
            for (float v : p.w()) {
                s += 0.5 * v * v;
            }
            return s;
        };
        double doubleNoise = GradCheck.lossNoise(p.w(), exact, 1);
        // What remains for a double loss is second order in the float rounding of x ± s·r.
        assertTrue(doubleNoise < floatNoise / 1000, "double loss noise " + doubleNoise
                + ", float loss noise " + floatNoise);
    }
}
