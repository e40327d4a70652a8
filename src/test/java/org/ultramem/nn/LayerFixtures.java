package org.ultramem.nn;

import java.util.SplittableRandom;

/** Small helpers shared by the layer tests: seeded random buffers and a linear probe loss. */
final class LayerFixtures {

    private LayerFixtures() {
    }

    /** n values uniform in [−scale, scale). */
    static float[] random(SplittableRandom rnd, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) ((rnd.nextDouble() * 2 - 1) * scale);
        }
        return a;
    }

    /** Fills p.data uniformly in [−scale, scale). */
    static void randomize(Parameter p, SplittableRandom rnd, double scale) {
        float[] r = random(rnd, p.numel(), scale);
        System.arraycopy(r, 0, p.data, 0, r.length);
    }

    /** Σ probe[i]·out[i] in double: a scalar loss whose gradient w.r.t. out is the probe. */
    static double probe(float[] out, float[] probe, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
            s += (double) probe[i] * out[i];
        }
        return s;
    }
}
