package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;

/**
 * Horizontal sums with one fixed order. {@code reduceLanes(ADD)} leaves the order of a float sum
 * unspecified, and HotSpot uses a different order in the interpreter (sequential) than in C2
 * (a tree): a kernel called before and after JIT compilation then differs in the last bit, which
 * broke bit-exact resume. Summing lane by lane in index order is the same in every tier.
 */
final class Lanes {

    private Lanes() {
    }

    /** v[0] + v[1] + ... + v[n-1], left to right, in float. */
    static float sum(FloatVector v) {
        float s = v.lane(0);
        for (int i = 1; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }
}
