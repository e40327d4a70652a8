package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * exp(x) on a float vector from adds, multiplies and FMAs only (Cephes {@code expf} scheme: x = n·ln2
 * + r, a degree-6 polynomial for e^r, 2^n through the exponent bits). {@code lanewise(EXP)} is
 * not used because HotSpot computes it with an SVML stub once C2 compiles the caller and with
 * {@code Math.exp} before that, so the same call changed its last bit with the JIT tier and broke
 * bit-exact resume. IEEE adds, multiplies and FMAs are the same in every tier.
 *
 * <p>Accuracy: within 2 ulp of {@code Math.exp} on [−87.3, 88.7]; below −87.33 the result is 0
 * (so exp(−∞) = 0), above 88.72 it is +∞, and NaN stays NaN.
 */
final class VectorExp {

    private VectorExp() {
    }

    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    /** 1.5·2^23: adding it rounds a float below 2^22 in magnitude to an integer (round to nearest). */
    private static final float ROUND = 12582912f;
    private static final float LO = -87.33654f;
    private static final float HI = 88.72283f;

    static FloatVector exp(FloatVector x) {
        VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
        VectorMask<Float> under = x.compare(VectorOperators.LT, LO);
        VectorMask<Float> over = x.compare(VectorOperators.GT, HI);
        FloatVector xc = x.max(LO).min(HI);
        FloatVector t = xc.fma(LOG2E, ROUND);
        FloatVector n = t.sub(ROUND);
        // n·LN2_HI is exact (LN2_HI has 9 significant bits, |n| < 2^8), so this is Cody-Waite exact.
        FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
        FloatVector p = r.broadcast(1.9875691500e-4f);
        p = p.fma(r, r.broadcast(1.3981999507e-3f));
        p = p.fma(r, r.broadcast(8.3334519073e-3f));
        p = p.fma(r, r.broadcast(4.1665795894e-2f));
        p = p.fma(r, r.broadcast(1.6666665459e-1f));
        p = p.fma(r, r.broadcast(5.0000001201e-1f));
        FloatVector r2 = r.mul(r);
        FloatVector e = p.fma(r2, r.add(1f));
        // t's low mantissa bits hold n (offset by ROUND's bits); n·2^23 added to e's bits scales it by 2^n.
        IntVector nBits = t.reinterpretAsInts().sub(Float.floatToRawIntBits(ROUND)).lanewise(VectorOperators.LSHL, 23);
        FloatVector scaled = e.reinterpretAsInts().add(nBits).reinterpretAsFloats();
        return scaled.blend(0f, under).blend(Float.POSITIVE_INFINITY, over).blend(x, nan);
    }
}
