package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.testing.GradCheck;

class TuckerUpdateTest {

    private static double[][] randomMatrix(int r, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        double[][] a = new double[r][r];
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                a[i][j] = rnd.nextGaussian();
            }
        }
        return a;
    }

    private static float[][] randomCores(int cores, int heads, int r, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[][] c = new float[cores][heads * r * r];
        for (float[] core : c) {
            for (int i = 0; i < core.length; i++) {
                core[i] = (float) rnd.nextDouble();
            }
        }
        return c;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 7})
    void svdReconstructsWithOrthonormalFactorsAndSortedValues(int r) {
        double[][] a = randomMatrix(r, 100 + r);
        TuckerUpdate.Svd d = TuckerUpdate.svd(a);
        for (int i = 0; i < r; i++) {
            for (int j = 0; j < r; j++) {
                double rec = 0;
                double uu = 0;
                double vv = 0;
                for (int s = 0; s < r; s++) {
                    rec += d.u()[i][s] * d.s()[s] * d.v()[j][s];
                    uu += d.u()[s][i] * d.u()[s][j];
                    vv += d.v()[s][i] * d.v()[s][j];
                }
                assertEquals(a[i][j], rec, 1e-12);
                assertEquals(i == j ? 1 : 0, uu, 1e-12);
                assertEquals(i == j ? 1 : 0, vv, 1e-12);
            }
        }
        for (int s = 1; s < r; s++) {
            assertTrue(d.s()[s - 1] >= d.s()[s]);
        }
    }

    @Test
    void firstUpdateTakesTheRawSvdSign() {
        float[][] cores = randomCores(2, 1, 3, 5);
        TuckerUpdate.Svd d = TuckerUpdate.svd(TuckerUpdate.coreSum(cores, 0, 3));
        float[] u = new float[3];
        float[] v = new float[3];
        TuckerUpdate.refresh(u, v, cores, 1, 3);
        for (int i = 0; i < 3; i++) {
            assertEquals(d.u()[i][0], u[i], 1e-6);
            assertEquals(d.v()[i][0], v[i], 1e-6);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4})
    void flippingTheSvdSignDoesNotChangeTheUpdate(int r) {
        SplittableRandom rnd = new SplittableRandom(r);
        for (int trial = 0; trial < 50; trial++) {
            double[] u1 = new double[r];
            double[] v1 = new double[r];
            float[] prevU = new float[r];
            float[] prevV = new float[r];
            for (int i = 0; i < r; i++) {
                u1[i] = rnd.nextGaussian();
                v1[i] = rnd.nextGaussian();
                prevU[i] = (float) rnd.nextGaussian();
                prevV[i] = (float) rnd.nextGaussian();
            }
            double[] mu = new double[r];
            double[] mv = new double[r];
            for (int i = 0; i < r; i++) {
                mu[i] = -u1[i];
                mv[i] = -v1[i];
            }
            int s1 = TuckerUpdate.sign(u1, v1, prevU, prevV, 0);
            int s2 = TuckerUpdate.sign(mu, mv, prevU, prevV, 0);
            for (int i = 0; i < r; i++) {
                assertEquals(s1 * u1[i], s2 * mu[i], 0.0);
                assertEquals(s1 * v1[i], s2 * mv[i], 0.0);
            }
        }
    }

    @Test
    void updateStaysContinuousAcrossSmallCoreChanges() {
        int r = 4;
        int heads = 2;
        float[][] cores = randomCores(2, heads, r, 9);
        float[] u = new float[heads * r];
        float[] v = new float[heads * r];
        TuckerUpdate.refresh(u, v, cores, heads, r);
        SplittableRandom rnd = new SplittableRandom(1);
        for (int step = 0; step < 20; step++) {
            for (float[] core : cores) {
                for (int i = 0; i < core.length; i++) {
                    core[i] += (float) (0.01 * rnd.nextGaussian());
                }
            }
            float[] pu = u.clone();
            float[] pv = v.clone();
            TuckerUpdate.refresh(u, v, cores, heads, r);
            double dist = 0;
            for (int i = 0; i < u.length; i++) {
                dist += Math.abs(u[i] - pu[i]) + Math.abs(v[i] - pv[i]);
            }
            assertTrue(dist < 0.5, "step " + step + " jumped by " + dist);
        }
        float[] norms = new float[heads];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < r; i++) {
                norms[h] += u[h * r + i] * u[h * r + i];
            }
        }
        assertArrayEquals(new float[] {1, 1}, norms, 1e-5f);
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void auxLossGradientMatchesFiniteDifferences(int r) {
        int heads = 2;
        float[][] cores = randomCores(2, heads, r, 17 + r);
        float[][] grads = new float[2][heads * r * r];
        double alpha = 0.7;
        double tau = 0.05;
        double loss = TuckerUpdate.auxLoss(cores, grads, heads, r, alpha, tau, 1.0);
        assertTrue(loss > 0, "the test needs active hinge terms");
        GradCheck.Options o = GradCheck.Options.defaults().withEps(1e-3).withTol(2e-3).withFloor(1e-3);
        for (int t = 0; t < 2; t++) {
            GradCheck.check("tucker_core." + t, cores[t], grads[t],
                    () -> TuckerUpdate.auxLoss(cores, null, heads, r, alpha, tau, 1.0), o);
        }
    }

    @Test
    void auxLossIsZeroBelowTheThreshold() {
        float[][] cores = {{1, 0, 0, 0.1f}};
        float[][] grads = {new float[4]};
        assertEquals(0.0, TuckerUpdate.auxLoss(cores, grads, 1, 2, 1.0, 0.15, 1.0));
        assertArrayEquals(new float[4], grads[0]);
        assertEquals(0.01 * 0.5 * 0.5, TuckerUpdate.auxLoss(new float[][] {{1, 0, 0, 0.65f}}, null, 1, 2,
                0.01, 0.15, 1.0), 1e-8);
    }
}
