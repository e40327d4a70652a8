package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class Bf16Test {

    /**
     * Reference rounding: pick the nearer of the two neighbouring bf16 values in exact double
     * arithmetic.
     */
    private static short reference(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7FC0;
        }
        int bits = Float.floatToRawIntBits(f);
        int sign = bits & 0x80000000;
        float abs = Math.abs(f);
        int lowBits = Float.floatToRawIntBits(abs) & 0xFFFF0000;
        float low = Float.intBitsToFloat(lowBits);
        if (Float.isInfinite(abs) || abs == low) {
            return (short) ((sign | lowBits) >>> 16);
        }
        double ulp = Math.ulp(low) * 65536.0; // bf16 spacing at this binade (also for subnormals)
        double below = abs - (double) low;
        double above = (double) low + ulp - abs;
        int chosen;
        if (below < above || (below == above && ((lowBits >>> 16) & 1) == 0)) {
            chosen = lowBits;
        } else {
            chosen = lowBits + 0x10000; // may carry into the exponent, up to infinity
        }
        return (short) ((sign | chosen) >>> 16);
    }

    @Test
    void roundsToNearestEvenLikeTheExactReference() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int i = 0; i < 500_000; i++) {
            float f = Float.intBitsToFloat(rnd.nextInt());
            if (Float.isNaN(f)) {
                continue;
            }
            assertEquals(reference(f), Bf16.fromFloat(f), () -> "for " + f);
        }
        for (int low16 : new int[] {0x0000, 0x7FFF, 0x8000, 0x8001, 0xFFFF}) {
            for (int hi : new int[] {0x3F80, 0x3F81, 0x0000, 0x0001, 0x7F7F, 0x8000, 0xBF80,
                    0xFF7F}) {
                float f = Float.intBitsToFloat(hi << 16 | low16);
                assertEquals(reference(f), Bf16.fromFloat(f), () -> "for "
                        + Integer.toHexString(hi << 16 | low16));
            }
        }
    }

    @Test
    void knownValues() {
        assertEquals(1.0f, Bf16.toFloat(Bf16.fromFloat(1.0f + 0x1p-8f))); // tie, 1.0 is even
        // tie, rounds up to the even neighbour
        assertEquals(1.0f + 0x1p-6f, Bf16.toFloat(Bf16.fromFloat(1.0f + 3 * 0x1p-8f)));
        // just above a tie rounds up
        assertEquals(1.0f + 0x1p-7f, Bf16.toFloat(Bf16.fromFloat(1.0f + 0x1p-8f + 0x1p-20f)));
        assertEquals(Float.POSITIVE_INFINITY, Bf16.toFloat(Bf16.fromFloat(Float.MAX_VALUE)));
        assertEquals(Float.NEGATIVE_INFINITY,
                Bf16.toFloat(Bf16.fromFloat(Float.NEGATIVE_INFINITY)));
        assertEquals(Float.floatToRawIntBits(-0.0f),
                Float.floatToRawIntBits(Bf16.toFloat(Bf16.fromFloat(-0.0f))));
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.NaN))));
        // A signalling NaN whose payload lives only in the low 16 bits must not become infinity.
        assertTrue(Float.isNaN(Bf16.toFloat(Bf16.fromFloat(Float.intBitsToFloat(0x7F800001)))));
        assertEquals(3.140625f, Bf16.toFloat(Bf16.fromFloat((float) Math.PI)));
        assertEquals((short) 0x4049, Bf16.fromFloat((float) Math.PI));
    }

    @Test
    void wideningIsExactForEveryBf16Value() {
        for (int b = 0; b < 65536; b++) {
            float f = Bf16.toFloat((short) b);
            if (!Float.isNaN(f)) {
                assertEquals((short) b, Bf16.fromFloat(f));
            }
        }
    }
}
