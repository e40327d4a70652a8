package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane reductions whose result is the same in every JIT tier. {@code reduceLanes(ADD)} is not:
 * the interpreter adds lanes in one order and C2 in another, so results could differ in the last
 * bit between the first and later calls of a kernel (this broke bit-exact training resume). Here
 * the order is fixed: a pairwise tree of lanewise adds (lane i + lane i+L/2, then i + L/4, ...),
 * each an exact IEEE operation in every tier. Extracting the 8 lanes one by one and adding them
 * made a GEMV of 256-wide rows markedly slower (2026-11, not kept); the tree is three shuffle+add
 * pairs.
 */
final class Lanes {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    /** SHIFTS[j] moves lane i + (L >> (j+1)) onto lane i (mod L). */
    private static final VectorShuffle<Float>[] SHIFTS = shifts();

    private Lanes() {
    }

    /** The sum of v's lanes as the tree ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)) for L 8. */
    static float sum(FloatVector v) {
        FloatVector t = v;
        for (VectorShuffle<Float> s : SHIFTS) {
            t = t.add(t.rearrange(s));
        }
        return t.lane(0);
    }

    /** The same order in plain Java, for tests. */
    static float sumScalar(float[] lanes) {
        float[] t = lanes.clone();
        for (int half = t.length / 2; half >= 1; half /= 2) {
            float[] next = new float[t.length];
            for (int i = 0; i < t.length; i++) {
                next[i] = t[i] + t[(i + half) % t.length];
            }
            t = next;
        }
        return t[0];
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] shifts() {
        int l = S.length();
        int steps = Integer.numberOfTrailingZeros(l);
        VectorShuffle<Float>[] out = new VectorShuffle[steps];
        for (int j = 0, half = l / 2; half >= 1; j++, half /= 2) {
            int[] idx = new int[l];
            for (int i = 0; i < l; i++) {
                idx[i] = (i + half) % l;
            }
            out[j] = VectorShuffle.fromArray(S, idx, 0);
        }
        return out;
    }
}
