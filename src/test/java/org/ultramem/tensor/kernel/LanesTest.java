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
    void inPlaceScalarSumEqualsTheVectorTreeBitForBit() {
        SplittableRandom rnd = new SplittableRandom(9);
        int l = VectorKernels.SPECIES.length();
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, -0f, 0f, Float.MIN_VALUE};
        for (int rep = 0; rep < 2000; rep++) {
            float[] a = new float[l + 3];
            for (int i = 0; i < a.length; i++) {
                a[i] = rep % 7 == 6 && rnd.nextInt(6) == 0
                        ? special[rnd.nextInt(special.length)]
                        : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
            }
            float want = Lanes.sum(FloatVector.fromArray(VectorKernels.SPECIES, a, 3));
            float got = Lanes.sumInPlace(a, 3); // at an offset, as a staging row
            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got), "rep " + rep);
        }
    }

    @Test
    void rowSumsEqualOneTreeSumPerRowBitForBit() {
        org.junit.jupiter.api.Assumptions.assumeTrue(Lanes.supported(),
                "sumRows serves 8 or 16 lanes");
        SplittableRandom rnd = new SplittableRandom(8);
        int l = VectorKernels.SPECIES.length();
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -0f, 0f,
                Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE};
        for (int rep = 0; rep < 500; rep++) {
            float[] stage = new float[l * l];
            for (int i = 0; i < stage.length; i++) {
                stage[i] = rep % 5 == 4 && rnd.nextInt(8) == 0
                        ? special[rnd.nextInt(special.length)]
                        : (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-3, 4)));
            }
            float scale = rep % 3 == 0 ? 1f : (float) rnd.nextDouble(-2, 2);
            float[] want = new float[l];
            for (int j = 0; j < l; j++) {
                want[j] = scale * Lanes.sum(FloatVector.fromArray(VectorKernels.SPECIES, stage,
                        j * l));
            }
            float[] out = new float[l + 3];
            Lanes.sumRows(stage.clone(), out, 2, scale);
            for (int j = 0; j < l; j++) {
                assertEquals(Float.floatToIntBits(want[j]), Float.floatToIntBits(out[2 + j]),
                        "rep " + rep + " row " + j);
            }
            assertEquals(0f, out[0]);
            assertEquals(0f, out[1]);
            assertEquals(0f, out[l + 2]);
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
