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
    private static final int L = S.length();
    /**
     * R[s] moves lane i + s onto lane i (mod L), one constant per tree level. Package-visible for
     * the one site that writes the tree out ({@code VectorRows.expShiftInPlace}).
     */
    static final VectorShuffle<Float> R8 = rotation(8);
    static final VectorShuffle<Float> R4 = rotation(4);
    static final VectorShuffle<Float> R2 = rotation(2);
    static final VectorShuffle<Float> R1 = rotation(1);

    private Lanes() {
    }

    /**
     * The sum of v's lanes as the tree ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)) for L 8.
     * Straight-line over constant shuffles (L folds, so the guards vanish): the earlier loop over
     * a static array of shuffles was sometimes left un-intrinsified by C2 in one JVM and not the
     * next (JFR of `ultramem bench serve --family`: FloatVector.lanewiseTemplate under
     * Lanes.sum, MoE serving 375 vs 1021 tokens/s between runs of the same jar, 2026-12).
     */
    static float sum(FloatVector v) {
        FloatVector t = v;
        if (L >= 16) {
            t = t.add(t.rearrange(R8));
        }
        if (L >= 8) {
            t = t.add(t.rearrange(R4));
        }
        if (L >= 4) {
            t = t.add(t.rearrange(R2));
        }
        t = t.add(t.rearrange(R1));
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

    private static VectorShuffle<Float> rotation(int shift) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            idx[i] = (i + shift) % L;
        }
        return VectorShuffle.fromArray(S, idx, 0);
    }
}
