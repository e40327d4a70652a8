package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
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

    /** Lanes of the upper half, and of odd quarters (lane bit L/4 set), for {@link #sum4}. */
    private static final VectorMask<Float> UPPER_HALF = mask(S.length() / 2);
    private static final VectorMask<Float> ODD_QUARTERS = mask(S.length() / 4);
    /** Lane i takes lane i XOR L/2, i XOR L/4, then i XOR L/8 ... 1 (within a quarter). */
    private static final VectorShuffle<Float> SWAP_HALVES = xor(S.length() / 2);
    private static final VectorShuffle<Float> SWAP_QUARTERS = xor(S.length() / 4);
    private static final VectorShuffle<Float>[] IN_QUARTER = inQuarter();

    /**
     * out[off + j] = {@link #sum}(aj) for j < 4, bit for bit, for about half the shuffles of four
     * {@link #sum} calls: the first two tree levels run on two, then one vector holding several
     * keys (half of each vector's lanes are blended with the other's, then halves swapped and
     * added; the same pairs as {@link #sum} meet, and float addition commutes), the last levels
     * on one vector holding the four sums in its quarters (XOR = + within a quarter). Needs
     * L >= 4 (every species {@link VectorKernels} takes).
     */
    static void sum4(FloatVector a0, FloatVector a1, FloatVector a2, FloatVector a3, float[] out,
                     int off) {
        FloatVector b01 = a0.blend(a1, UPPER_HALF)
                .add(a1.blend(a0, UPPER_HALF).rearrange(SWAP_HALVES));
        FloatVector b23 = a2.blend(a3, UPPER_HALF)
                .add(a3.blend(a2, UPPER_HALF).rearrange(SWAP_HALVES));
        // quarters of c: a0, a2, a1, a3 partial sums
        FloatVector c = b01.blend(b23, ODD_QUARTERS)
                .add(b23.blend(b01, ODD_QUARTERS).rearrange(SWAP_QUARTERS));
        for (VectorShuffle<Float> s : IN_QUARTER) {
            c = c.add(c.rearrange(s));
        }
        int l = S.length();
        out[off] = c.lane(0);
        out[off + 1] = c.lane(l / 2);
        out[off + 2] = c.lane(l / 4);
        out[off + 3] = c.lane(3 * l / 4);
    }

    private static VectorMask<Float> mask(int bit) {
        boolean[] m = new boolean[S.length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = (i & bit) != 0;
        }
        return VectorMask.fromArray(S, m, 0);
    }

    private static VectorShuffle<Float> xor(int bit) {
        int[] idx = new int[S.length()];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i ^ bit;
        }
        return VectorShuffle.fromArray(S, idx, 0);
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] inQuarter() {
        int steps = Integer.numberOfTrailingZeros(S.length()) - 2;
        VectorShuffle<Float>[] out = new VectorShuffle[Math.max(0, steps)];
        for (int j = 0, bit = S.length() / 8; j < out.length; j++, bit /= 2) {
            out[j] = xor(bit);
        }
        return out;
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
