package org.ultramem.infer;

import java.util.List;
import org.ultramem.nn.Parameter;

/** Builds in-memory weight stores from training-side parameters (test helper). */
final class InferenceFixtures {

    private InferenceFixtures() {
    }

    /** Adds every parameter under {@code prefix + name} as F32 with its shape. */
    static void put(MemoryWeightStore store, String prefix, List<Parameter> params) {
        for (Parameter p : params) {
            long[] shape = new long[p.shape.length];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = p.shape[i];
            }
            store.putF32(prefix + p.name, p.data, shape);
        }
    }

    /** Largest |a − b| / (1 + |a|) over n elements. */
    static double maxRelDiff(float[] a, int aOff, float[] b, int bOff, int n) {
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double d = Math.abs(a[aOff + i] - b[bOff + i]) / (1 + Math.abs(a[aOff + i]));
            worst = Math.max(worst, d);
        }
        return worst;
    }
}
