package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain-loop reference of the segment kernels ({@link SegmentKernels}): the weight matrix W [n, k]
 * lives in a {@link MemorySegment} (little-endian fp32 or bf16), activations in {@code float[]}.
 * Also the fallback when the Vector API is absent.
 */
final class GemvScalar {

    static final ValueLayout.OfFloat F32 =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort BF16 =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private GemvScalar() {
    }

    /** Element i of the row-major matrix at byte offset {@code base}, widened to float. */
    static float load(MemorySegment w, long base, long i, boolean bf16) {
        if (bf16) {
            return Float.intBitsToFloat((w.get(BF16, base + 2 * i) & 0xFFFF) << 16);
        }
        return w.get(F32, base + 4 * i);
    }

    /** out[r·ldo + j] = Σ_i x[r·ldx + i]·W[j, i] for r < rows and j in [nStart, nEnd). */
    static void matmulT(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx, int rows,
                        MemorySegment w, long wOff, boolean bf16, int nStart, int nEnd, int k) {
        for (int r = 0; r < rows; r++) {
            for (int j = nStart; j < nEnd; j++) {
                long row = (long) j * k;
                float acc = 0;
                for (int i = 0; i < k; i++) {
                    acc += x[xOff + r * ldx + i] * load(w, wOff, row + i, bf16);
                }
                out[outOff + r * ldo + j] = acc;
            }
        }
    }

    /** out[outOff + i] = row element i for i < n (the row starts at byte offset {@code base}). */
    static void readRow(float[] out, int outOff, MemorySegment w, long base, boolean bf16, int n) {
        if (!bf16) {
            MemorySegment.copy(w, F32, base, out, outOff, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            out[outOff + i] = Float.intBitsToFloat((w.get(BF16, base + 2L * i) & 0xFFFF) << 16);
        }
    }
}
