package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Locale;

/**
 * Kernels over weights that live in {@link MemorySegment}s (memory-mapped checkpoints, off-heap
 * tables larger than the Java heap), stored little-endian as fp32 or bf16 ({@code bf16} flag;
 * bf16 is widened exactly and accumulated in fp32). Activations stay in {@code float[]}.
 *
 * <p>Two twins as elsewhere in this package: {@link GemvScalar} (plain loops, reference and
 * fallback) and {@link GemvVector} (Vector API); the {@code vector} flag of each entry point says
 * which, and callers reach them through {@link Kernels#segmentMatmulT},
 * {@link Kernels#segmentReadRow} and {@link Kernels#segmentAttend} ({@link KernelProvider}
 * chooses). {@link #writeRow} (storage only, no arithmetic) has no twin. Work is split by output
 * columns; every output element is reduced by one thread in a fixed order, so results do not
 * depend on the thread count. NaN and infinity propagate.
 */
public final class SegmentKernels {

    /** Output columns per parallel block (a multiple of the 4-row register tile). */
    private static final int COLUMN_BLOCK = 32;
    /**
     * Rows from which the transposed broadcast path wins (measured on AVX2 for the decode
     * benchmark's shapes, {@code ultramem bench decode --batches 1,2,4,8,16}: it costs the same
     * for 8..16 rows, since tokens pad to 16; below 8 the per-token dot tiles, which read each W
     * block from DRAM once and from L2 after, win).
     */
    private static final int TRANSPOSED_MIN_ROWS = 8;

    /**
     * How {@link #matmulT} picks its vector path. {@code BY_ROWS} (the default) takes the faster
     * path for the row count; the two paths sum in different orders, so a row's result then
     * depends on how many rows share the call (last bits only). {@code DOT} and
     * {@code TRANSPOSED} take one path for every row count, so each row's result depends on that
     * row alone: batch invariance, which a server batching unrelated requests needs (a seeded
     * request must give the same text whatever else runs with it).
     */
    public enum RowPath { BY_ROWS, DOT, TRANSPOSED }

    private static volatile RowPath rowPath = RowPath.BY_ROWS;
    /**
     * Multiply-adds a parallel task gets at least: a {@link Parallel#forRange} region costs a
     * few µs with the spinning pool ({@code ultramem bench kernels --case parallel-region}), about
     * what one thread needs to stream 16 K fp32 weights (64 KB at the ~37 GB/s streaming read of
     * {@code ultramem bench kernels}).
     */
    private static final long MIN_TASK_MACS = 1L << 14;

    private SegmentKernels() {
    }

    /**
     * Sets the process-wide {@link RowPath} (a serving process runs one model; set it before
     * decoding and restore it after) and returns the previous one.
     */
    public static RowPath setRowPath(RowPath path) {
        RowPath previous = rowPath;
        rowPath = java.util.Objects.requireNonNull(path, "row path");
        return previous;
    }

    /** The process-wide {@link RowPath} in force. */
    public static RowPath rowPath() {
        return rowPath;
    }

    /**
     * Fewest rows for which {@link RowPath#BY_ROWS} takes the transposed path. A caller that
     * merges the rows of several calls into one (packed prompts) keeps every row's result bit
     * for bit under that path only when each merged call had at least this many rows, and keeps
     * calls of fewer rows (one-row logits) in calls of fewer rows.
     */
    public static int transposedMinRows() {
        return TRANSPOSED_MIN_ROWS;
    }

    /** The fixed path that suits batches of up to {@code maxRows} rows best. */
    public static RowPath fixedRowPath(int maxRows) {
        return maxRows >= TRANSPOSED_MIN_ROWS ? RowPath.TRANSPOSED : RowPath.DOT;
    }

    /**
     * Whether a call of {@code rows} takes the transposed path. A {@code fewRows} call (MoE
     * experts) keeps to the per-token dot tiles under a fixed path: they are row-independent as
     * well, and the transposed path would pad its ~3 rows to a group of {@link GemvVector#TT}
     * tokens (~90% of an expert's FLOPs at 64 clients were padding, 2026-12).
     */
    private static boolean transposed(int rows, boolean fewRows) {
        return switch (rowPath) {
            case BY_ROWS -> rows >= TRANSPOSED_MIN_ROWS;
            case DOT -> false;
            case TRANSPOSED -> !fewRows;
        };
    }

    /**
     * out[r·ldo + j] = Σ_i x[r·ldx + i] · W[j, i] for r < rows, j < n (both from their offsets):
     * out [rows, n] = x [rows, k] · Wᵀ with W [n, k] row-major at byte offset {@code wOff} of
     * {@code w}. Reads W once for all rows (the batched decode GEMM). Multi-threaded over column
     * blocks (small products run inline); runs inline when called from inside a {@link Parallel}
     * task. {@code fewRows}: see {@link Kernels#segmentMatmulTFewRows}.
     */
    static void matmulT(boolean vector, boolean fewRows, float[] out, int outOff, int ldo,
                        float[] x, int xOff, int ldx, int rows, MemorySegment w, long wOff,
                        boolean bf16, int n, int k) {
        check(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n, k);
        if (rows == 0 || n == 0) {
            return;
        }
        int blocks = (n + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        int minBlocks = (int) Math.max(1, Math.min(blocks,
                MIN_TASK_MACS / ((long) COLUMN_BLOCK * Math.max(1, k) * rows)));
        if (vector && transposed(rows, fewRows)) {
            // Batched decode: x packed once per token group, then broadcast tiles (no lane
            // reductions).
            float[] xP = packed(x, xOff, ldx, rows, k);
            int lda = GemvVector.paddedRows(rows);
            // Pieces of at least one accumulator group's columns (and minBlocks), claimed by
            // whichever core is free.
            int piece = Math.max(GemvVector.COLUMN_GROUP / COLUMN_BLOCK, minBlocks);
            Parallel.forChunks(blocks, piece, (b0, b1) -> {
                float[][] scratch = TILE.get();
                if (scratch[0].length < GemvVector.COLUMN_GROUP * lda) {
                    scratch[0] = new float[GemvVector.COLUMN_GROUP * lda];
                }
                GemvVector.matmulTTransposed(out, outOff, ldo, xP, rows, w, wOff, bf16,
                        b0 * COLUMN_BLOCK, Math.min(n, b1 * COLUMN_BLOCK), k, scratch[0],
                        scratch[1]);
            });
            return;
        }
        // Pieces of at least minBlocks blocks, claimed by whichever core is free.
        Parallel.forChunks(blocks, Parallel.piece(blocks, minBlocks), (b0, b1) -> {
            int n0 = b0 * COLUMN_BLOCK;
            int n1 = Math.min(n, b1 * COLUMN_BLOCK);
            if (vector) {
                GemvVector.matmulT(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n0, n1, k);
            } else {
                GemvScalar.matmulT(out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16, n0, n1, k);
            }
        });
    }

    /** Per-thread x-packing buffer of the batched path (grown on demand, never shrunk). */
    private static final ThreadLocal<float[][]> PACKED =
            ThreadLocal.withInitial(() -> new float[][] {new float[0]});
    /**
     * Per-thread scratch of the batched path: accumulator [COLUMN_GROUP][paddedRows], panel
     * [4][KC].
     */
    private static final ThreadLocal<float[][]> TILE =
            ThreadLocal.withInitial(() -> new float[][] {new float[0],
                    new float[4 * GemvVector.KC]});

    /**
     * xP [groups][k][width] = x [rows, k] per group of TT tokens (group g from g·k·TT; a last
     * group of at most L tokens is L wide, {@link GemvVector#groupWidth}), padding tokens zero.
     */
    private static float[] packed(float[] x, int xOff, int ldx, int rows, int k) {
        int tt = GemvVector.TT;
        int groups = (rows + tt - 1) / tt;
        float[][] holder = PACKED.get();
        int need = groups * k * tt;
        if (holder[0].length < need) {
            holder[0] = new float[need];
        }
        float[] xP = holder[0];
        // Both cores pack (token group, k slice) units: packing is serial work ahead of the
        // GEMM's parallel region, and the down projection's x is [73, 2016] at 64 clients.
        int slices = (k + PACK_SLICE - 1) / PACK_SLICE;
        int units = groups * slices;
        int minUnits = (int) Math.max(1, Math.min(units, MIN_PACK / ((long) PACK_SLICE * tt)));
        Parallel.forRange(units, minUnits, (u0, u1) -> {
            for (int u = u0; u < u1; u++) {
                int g = u / slices;
                int i0 = u % slices * PACK_SLICE;
                packSlice(xP, x, xOff, ldx, rows, k, g, i0, Math.min(k, i0 + PACK_SLICE));
            }
        });
        return xP;
    }

    /** k per packing unit (a unit moves at most PACK_SLICE × TT elements). */
    private static final int PACK_SLICE = 128;
    /** Elements a packing task moves at least (smaller packings run on the calling thread). */
    private static final long MIN_PACK = 1L << 14;

    /** xP of token group g, k in [i0, i1) (see {@link #packed}). */
    private static void packSlice(float[] xP, float[] x, int xOff, int ldx, int rows, int k,
                                  int g, int i0, int i1) {
        int tt = GemvVector.TT;
        int base = g * k * tt;
        int width = GemvVector.groupWidth(g, rows);
        for (int t = 0; t < width; t++) {
            int r = g * tt + t;
            if (r < rows) {
                int src = xOff + r * ldx;
                for (int i = i0; i < i1; i++) {
                    xP[base + i * width + t] = x[src + i];
                }
            } else {
                for (int i = i0; i < i1; i++) {
                    xP[base + i * width + t] = 0f;
                }
            }
        }
    }

    /** The plain-loop reference of {@link #matmulT} (single-threaded, for differential tests). */
    static void matmulTScalar(float[] out, int outOff, int ldo, float[] x, int xOff,
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
    static void readRow(boolean vector, float[] out, int outOff, MemorySegment table, long base,
                        boolean bf16, int n) {
        if (bf16 && vector) {
            GemvVector.readRowBf16(out, outOff, table, base, n);
        } else {
            GemvScalar.readRow(out, outOff, table, base, bf16, n);
        }
    }

    /**
     * Decode attention of one query row over one (sequence, head) slice of a KV cache:
     * out[outOff + d] = Σ_t p_t · V[t, d] with p = softmax_t(scale · q·K[t]), t < span, where
     * K and V [span, hd] are row-major at byte offset {@code base} of {@code k} and {@code v}
     * (fp32 or bf16; accumulation in fp32). {@code scores[sOff .. sOff+span)} is scratch and ends
     * holding p. Single-threaded (callers parallelize over sequences and heads). A NaN in a
     * score makes that row's output NaN.
     */
    static void attend(boolean vector, float[] out, int outOff, float[] q, int qOff,
                       MemorySegment k, MemorySegment v, long base, boolean bf16, int span, int hd,
                       float scale, float[] scores, int sOff) {
        checkAttend(out, outOff, q, qOff, k, v, base, bf16, span, hd, scores, sOff);
        if (vector) {
            SegmentAttentionVector.attend(out, outOff, q, qOff, k, v, base, bf16, span, hd, scale,
                    scores, sOff);
        } else {
            GemvScalar.attend(out, outOff, q, qOff, k, v, base, bf16, span, hd, scale, scores,
                    sOff);
        }
    }

    /**
     * Stores src[off .. off+n) as one row at byte offset {@code base} of {@code dst}: fp32 as is,
     * or narrowed to bf16 rounding to nearest even (the KV cache's storage).
     */
    public static void writeRow(MemorySegment dst, long base, float[] src, int off, boolean bf16,
                                int n) {
        GemvScalar.writeRow(dst, base, src, off, bf16, n);
    }

    private static void checkAttend(float[] out, int outOff, float[] q, int qOff, MemorySegment k,
                                    MemorySegment v, long base, boolean bf16, int span, int hd,
                                    float[] scores, int sOff) {
        if (span < 1 || hd < 1) {
            throw new IllegalArgumentException("segment attend: span (" + span + ") and head"
                    + " dim (" + hd + ") must be >= 1");
        }
        long need = base + (long) span * hd * (bf16 ? 2 : 4);
        if (base < 0 || need > k.byteSize() || need > v.byteSize()) {
            throw new IllegalArgumentException("segment attend: K/V [" + span + ", " + hd
                    + "] at byte " + base + " needs " + need + " bytes but K has " + k.byteSize()
                    + " and V " + v.byteSize());
        }
        KernelChecks.range("segment attend out", out, outOff, hd);
        KernelChecks.range("segment attend q", q, qOff, hd);
        KernelChecks.range("segment attend scores", scores, sOff, span);
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
}
