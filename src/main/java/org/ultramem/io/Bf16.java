package org.ultramem.io;

/**
 * bfloat16 conversions: a bf16 is the upper 16 bits of an IEEE binary32.
 * Narrowing rounds to nearest, ties to even; NaN stays NaN (quiet), infinities stay infinite,
 * and finite values too large for bf16 round to infinity, as in PyTorch.
 */
public final class Bf16 {

    private Bf16() {
    }

    /** Widens bf16 bits to a float (exact). */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }

    /** Narrows a float to bf16 bits, rounding to nearest even. */
    public static short fromFloat(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040); // NaN: keep sign and payload top, force quiet bit
        }
        int roundingBias = 0x7FFF + ((x >>> 16) & 1);
        return (short) ((x + roundingBias) >>> 16);
    }
}
