package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorInfoTest {

    @Test
    void intShapeRejectsADimensionBeyondIntRangeAsAUserError() {
        // [2^31, 0] is a valid empty tensor in a file, but not one this build can index.
        TensorInfo t = new TensorInfo("w", DType.F32, new long[] {1L << 31, 0}, 0, 0);
        var e = assertThrows(IllegalArgumentException.class, t::intShape);
        assertTrue(e.getMessage().contains("tensor `w` dimension 0 (2147483648) does not fit an int"),
                e.getMessage());
        assertArrayEquals(new int[] {3, 4},
                new TensorInfo("v", DType.F32, new long[] {3, 4}, 0, 48).intShape());
    }
}
