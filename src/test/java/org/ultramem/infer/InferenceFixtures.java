package org.ultramem.infer;

import java.util.List;
import java.util.SplittableRandom;
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

    /**
     * An UltraMem layer's tensors under {@code prefix}, as a checkpoint holds them: parameters,
     * Tucker u and v, and the value shuffle π ({@code shuffle}, normally the layer's own).
     */
    static void putUltraMem(MemoryWeightStore store, String prefix,
                            org.ultramem.nn.memory.UltraMemLayer layer,
                            org.ultramem.nn.memory.UltraMemConfig cfg, int[] shuffle) {
        put(store, prefix, layer.parameters());
        store.putF32(prefix + "tucker_u", layer.tuckerU(), cfg.heads(), cfg.tuckerRank());
        store.putF32(prefix + "tucker_v", layer.tuckerV(), cfg.heads(), cfg.tuckerRank());
        store.putI32(prefix + "shuffle_index", shuffle, shuffle.length);
    }

    /** rows × width standard-normal floats from {@code seed}: decoder inputs. */
    static float[] randomRows(int rows, int width, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] x = new float[rows * width];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
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
