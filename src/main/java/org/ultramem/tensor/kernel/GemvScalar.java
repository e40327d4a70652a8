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
    /** Scalar twin of {@link SegmentKernels#attend}: dots, stable softmax, weighted sum. */
    static void attend(float[] out, int outOff, float[] q, int qOff, MemorySegment k,
                       MemorySegment v, long base, boolean bf16, int span, int hd, float scale,
                       float[] scores, int sOff) {
        long rowBytes = (long) hd * (bf16 ? 2 : 4);
        float max = Float.NEGATIVE_INFINITY;
        for (int t = 0; t < span; t++) {
            float acc = 0;
            for (int i = 0; i < hd; i++) {
                acc += q[qOff + i] * load(k, base + t * rowBytes, i, bf16);
            }
            scores[sOff + t] = scale * acc;
            max = Math.max(max, scores[sOff + t]);
        }
        float sum = 0;
        for (int t = 0; t < span; t++) {
            float e = (float) Math.exp(scores[sOff + t] - max);
            scores[sOff + t] = e;
            sum += e;
        }
        float inv = 1f / sum;
        for (int t = 0; t < span; t++) {
            scores[sOff + t] *= inv;
        }
        for (int d = 0; d < hd; d++) {
            float acc = 0;
            for (int t = 0; t < span; t++) {
                acc += scores[sOff + t] * load(v, base + t * rowBytes, d, bf16);
            }
            out[outOff + d] = acc;
        }
    }

    /** dst row at byte {@code base} = src[off .. off+n), narrowed to bf16 (nearest even). */
    static void writeRow(MemorySegment dst, long base, float[] src, int off, boolean bf16, int n) {
        if (!bf16) {
            MemorySegment.copy(src, off, dst, F32, base, n);
            return;
        }
        for (int i = 0; i < n; i++) {
            dst.set(BF16, base + 2L * i, toBf16(src[off + i]));
        }
    }

    /** float → bf16 bits, round to nearest even; NaN stays a quiet NaN (as io.Bf16). */
    static short toBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        if ((x & 0x7FFFFFFF) > 0x7F800000) {
            return (short) ((x >>> 16) | 0x0040);
        }
        return (short) ((x + 0x7FFF + ((x >>> 16) & 1)) >>> 16);
    }
}
