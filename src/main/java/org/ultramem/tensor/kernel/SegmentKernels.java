package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * Kernels over weights that live in {@link MemorySegment}s (memory-mapped checkpoints, off-heap
 * tables larger than the Java heap), stored little-endian as fp32 or bf16 ({@code bf16} flag;
 * bf16 is widened exactly and accumulated in fp32). Activations stay in {@code float[]}.
 *
 * <p>Two twins as elsewhere in this package: {@link GemvScalar} (plain loops, reference and
 * fallback) and {@link GemvVector} (Vector API), chosen once like {@link TopK}: the vector twin
 * when module {@code jdk.incubator.vector} is present and {@code ultramem.kernels} is not
 * {@code scalar}. Work is split by output columns; every output element is reduced by one thread
 * in a fixed order, so results do not depend on the thread count. NaN and infinity propagate.
 */
public final class SegmentKernels {

    private static final boolean VECTOR = useVector();
    /** Output columns per parallel block (a multiple of the 4-row register tile). */
    private static final int COLUMN_BLOCK = 32;

    private SegmentKernels() {
    }

    /**
     * out[r·ldo + j] = Σ_i x[r·ldx + i] · W[j, i] for r < rows, j < n (both from their offsets):
     * out [rows, n] = x [rows, k] · Wᵀ with W [n, k] row-major at byte offset {@code wOff} of
     * {@code w}. Reads W once for all rows (the batched decode GEMM). Multi-threaded over column
     * blocks; runs inline when called from inside a {@link Parallel} task.
     */
    public static void matmulT(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx,
                               int rows, MemorySegment w, long wOff, boolean bf16, int n, int k) {
        check(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n, k);
        if (rows == 0 || n == 0) {
            return;
        }
        int blocks = (n + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            int n0 = b0 * COLUMN_BLOCK;
            int n1 = Math.min(n, b1 * COLUMN_BLOCK);
            if (VECTOR) {
                GemvVector.matmulT(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n0, n1, k);
            } else {
                GemvScalar.matmulT(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n0, n1, k);
            }
        });
    }

    /** The plain-loop reference of {@link #matmulT} (single-threaded). */
    public static void matmulTScalar(float[] out, int outOff, int ldo, float[] x, int xOff,
                                     int ldx, int rows, MemorySegment w, long wOff, boolean bf16,
                                     int n, int k) {
        check(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n, k);
        GemvScalar.matmulT(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, 0, n, k);
    }

    /** The vector twin of {@link #matmulT} on the calling thread only (for differential tests). */
    static void matmulTVector(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx,
                              int rows, MemorySegment w, long wOff, boolean bf16, int n, int k) {
        check(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n, k);
        GemvVector.matmulT(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, 0, n, k);
    }

    /**
     * out[outOff + i] = row[i] for i < n: one row of a table (an embedding row, a value row) that
     * starts at byte offset {@code base}, widened to fp32 when {@code bf16}.
     */
    public static void readRow(float[] out, int outOff, MemorySegment table, long base,
                               boolean bf16, int n) {
        if (bf16 && VECTOR) {
            GemvVector.readRowBf16(out, outOff, table, base, n);
        } else {
            GemvScalar.readRow(out, outOff, table, base, bf16, n);
        }
    }

    /** Scalar twin of {@link #readRow} (differential tests). */
    public static void readRowScalar(float[] out, int outOff, MemorySegment table, long base,
                                     boolean bf16, int n) {
        GemvScalar.readRow(out, outOff, table, base, bf16, n);
    }

    /** True when the vector twin is in use. */
    public static boolean vectorized() {
        return VECTOR;
    }

    private static void check(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx,
                              int rows, MemorySegment w, long wOff, boolean bf16, int n, int k) {
        if (rows < 0 || n < 0 || k < 0 || ldx < k || (rows > 1 && ldo < n)) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "segment matmulT sizes rows %d, n %d, k %d, ldx %d, ldo %d: need sizes >= 0,"
                            + " ldx >= k and ldo >= n", rows, n, k, ldx, ldo));
        }
        if (rows == 0 || n == 0) {
            return;
        }
        long need = wOff + (long) n * k * (bf16 ? 2 : 4);
        if (wOff < 0 || need > w.byteSize()) {
            throw new IllegalArgumentException("segment matmulT: W [" + n + ", " + k + "] "
                    + (bf16 ? "bf16" : "f32") + " at byte " + wOff + " needs " + need
                    + " bytes but the segment has " + w.byteSize());
        }
        KernelChecks.range("segment matmulT x", x, xOff, (long) (rows - 1) * ldx + k);
        KernelChecks.range("segment matmulT out", out, outOff, (long) (rows - 1) * ldo + n);
    }

    private static boolean useVector() {
        String choice = System.getProperty("ultramem.kernels", "vector").trim()
                .toLowerCase(Locale.ROOT);
        return !choice.equals("scalar")
                && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }
}
