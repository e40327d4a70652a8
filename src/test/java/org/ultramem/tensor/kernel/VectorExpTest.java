package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.junit.jupiter.api.Test;

class VectorExpTest {

    /** The kernels' species, so the width executions (ultramem.vectorBits) cover exp too. */
    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;

    private static float[] expOf(float[] x) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i += S.length()) {
            VectorExp.exp(FloatVector.fromArray(S, x, i)).intoArray(out, i);
        }
        return out;
    }

    @Test
    void withinTwoUlpOfMathExpOverTheNormalRange() {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] x = new float[S.length() * 4096];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (-87.3 + rnd.nextDouble() * (88.7 + 87.3));
        }
        x[0] = 0f;
        x[1] = -0f;
        x[2] = 1f;
        x[3] = -1e-9f;
        float[] y = expOf(x);
        double worst = 0;
        for (int i = 0; i < x.length; i++) {
            double ref = Math.exp(x[i]);
            double ulps = Math.abs(y[i] - ref) / Math.ulp((float) ref);
            worst = Math.max(worst, ulps);
        }
        assertTrue(worst <= 2.0, "worst error " + worst + " ulp");
        assertEquals(1f, y[0]);
        assertEquals(1f, y[1]);
    }

    @Test
    void specialValuesFollowIeee() {
        float[] x = new float[S.length() * 2];
        float[] special = {Float.NEGATIVE_INFINITY, -1000f, -87.5f, 89f, Float.POSITIVE_INFINITY,
            Float.NaN, -100f, 1000f};
        for (int i = 0; i < x.length; i++) {
            x[i] = special[i % special.length];
        }
        float[] y = expOf(x);
        for (int i = 0; i < x.length; i++) {
            float want = (float) Math.exp(x[i]);
            if (x[i] < -87.33654f) {
                assertEquals(0f, y[i], "exp(" + x[i] + ") is flushed to 0 below the normal range");
            } else {
                assertEquals(want, y[i], "exp(" + x[i] + ")");
            }
        }
    }
}
