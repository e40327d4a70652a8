package org.ultramem.infer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.ultramem.io.Bf16;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.tensor.kernel.Kernels;

/**
 * A row-major weight matrix [rows, cols] in a {@link MemorySegment}, fp32 or bf16 (what the
 * segment kernels read). Linear weights are stored [out, in] as Hugging Face stores them, so
 * {@code y = x · Wᵀ} is {@link #apply}. Every product runs on the {@link Kernels} it is given
 * ({@link Kernels#segmentMatmulT}), so a decoder's kernels (and a test's) reach every weight read.
 */
public record Matrix(String name, MemorySegment data, int rows, int cols, boolean bf16) {

    /** Bytes one full read of this matrix streams. */
    public long bytes() {
        return (long) rows * cols * (bf16 ? 2 : 4);
    }

    /** Bytes of one row. */
    public long rowBytes() {
        return (long) cols * (bf16 ? 2 : 4);
    }

    /** out [n, rows] = x [n, cols] · Wᵀ (offsets 0, dense rows), on {@code kern}. */
    public void apply(Kernels kern, float[] out, float[] x, int n) {
        kern.segmentMatmulT(out, 0, rows, x, 0, cols, n, data, 0, bf16, rows, cols);
    }

    /** out[outOff + t·ldo ..] = x[xOff + t·ldx ..] · Wᵀ for t < n, on {@code kern}. */
    public void apply(Kernels kern, float[] out, int outOff, int ldo, float[] x, int xOff, int ldx,
                      int n) {
        kern.segmentMatmulT(out, outOff, ldo, x, xOff, ldx, n, data, 0, bf16, rows, cols);
    }

    /**
     * As {@link #apply(Kernels, float[], int, int, float[], int, int, int)} for calls of a few
     * rows each (an MoE expert's rows of a step), {@link Kernels#segmentMatmulTFewRows}.
     */
    public void applyFewRows(Kernels kern, float[] out, int outOff, int ldo, float[] x, int xOff,
                             int ldx, int n) {
        kern.segmentMatmulTFewRows(out, outOff, ldo, x, xOff, ldx, n, data, 0, bf16, rows, cols);
    }

    /** out[outOff ..] = row {@code r} widened to fp32, on {@code kern}. */
    public void readRow(Kernels kern, float[] out, int outOff, int r) {
        kern.segmentReadRow(out, outOff, data, r * rowBytes(), bf16, cols);
    }

    /**
     * The tensor {@code name} of {@code store} as a [rows, cols] matrix in {@code precision}: the
     * stored bytes themselves when the dtype already matches (a mapped file stays mapped), else a
     * converted copy allocated in {@code arena}. Fails naming the tensor when the shape differs.
     */
    public static Matrix load(WeightStore store, String name, int rows, int cols,
                              Precision precision, Arena arena) {
        long[] shape = store.shape(name);
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        if (numel != (long) rows * cols || shape[0] != rows) {
            throw new IllegalArgumentException("tensor `" + name + "` has shape "
                    + java.util.Arrays.toString(shape) + " but the config needs [" + rows + ", "
                    + cols + "]; the checkpoint and config.json belong to different models");
        }
        DType stored = store.dtype(name);
        MemorySegment src = store.segment(name);
        if (stored == precision.dtype()) {
            return new Matrix(name, src, rows, cols, precision == Precision.BF16);
        }
        MemorySegment dst = arena.allocate(numel * precision.bytes(), 64);
        for (long i = 0; i < numel; i++) {
            float v = stored == DType.F32 ? src.getAtIndex(SafeTensorsFile.F32_LE, i)
                    : stored == DType.BF16 ? Bf16.toFloat(src.getAtIndex(SafeTensorsFile.I16_LE, i))
                    : Float.NaN;
            if (stored != DType.F32 && stored != DType.BF16) {
                throw new IllegalArgumentException("tensor `" + name + "` is " + stored
                        + "; weights must be F32 or BF16");
            }
            if (precision == Precision.BF16) {
                dst.setAtIndex(SafeTensorsFile.I16_LE, i, Bf16.fromFloat(v));
            } else {
                dst.setAtIndex(SafeTensorsFile.F32_LE, i, v);
            }
        }
        return new Matrix(name, dst, rows, cols, precision == Precision.BF16);
    }
}
