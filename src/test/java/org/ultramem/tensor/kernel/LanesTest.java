package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class LanesTest {

    @Test
    void vectorTreeSumEqualsThePlainTreeBitForBit() {
        SplittableRandom rnd = new SplittableRandom(7);
        int l = VectorKernels.SPECIES.length();
        for (int rep = 0; rep < 2000; rep++) {
            float[] lanes = new float[l];
            for (int i = 0; i < l; i++) {
                // Mixed magnitudes, so a different summation order would change the bits.
                lanes[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
            }
            float got = Lanes.sum(FloatVector.fromArray(VectorKernels.SPECIES, lanes, 0));
            assertEquals(Float.floatToIntBits(Lanes.sumScalar(lanes)), Float.floatToIntBits(got),
                    "lanes " + java.util.Arrays.toString(lanes));
        }
    }

    @Test
    void plainTreeAddsPairsHalfAVectorApart() {
        float[] lanes = {1e8f, 1f, -1e8f, 1f, 1f, 0f, 1f, 0f};
        if (VectorKernels.SPECIES.length() == 8) {
            // ((1e8 + 1) + (-1e8 + 1)) + ((1 + 0) + (1 + 0)) = (1e8 + -1e8) + 2 = 2 in float
            assertEquals(2f, Lanes.sumScalar(lanes));
        }
    }
}
