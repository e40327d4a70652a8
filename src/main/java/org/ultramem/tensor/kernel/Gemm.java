package org.ultramem.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packed, register-tiled single-precision GEMM (the GotoBLAS/BLIS loop nest) on the Vector API:
 * {@code C[m,n] (+)= op(A)[m,k] · op(B)[k,n]}, row-major, any strides, any transposes.
 *
 * <p>Loop nest per thread: for each column block (at most NC wide) B is packed, every KC-deep
 * slice of it, into NR-wide panels; for each MC-tall row block and then each KC slice A is packed
 * row-major (kept in L2); then each MR-row A micro-panel (L1) meets every B panel of the slice in
 * turn (streamed from L2) with all accumulators in registers (see {@link #multiplyColumnBlock}).
 * The KC loop sits inside the MC loop so the MC×NC block of C (192 KiB) stays in L2 across the
 * slices that add into it; with the slices outside, C (4 MiB at 1024²) came back from L3 once per
 * slice and each tile stalled on it. Re-measure the kept code with {@code ultramem bench kernels}
 * (add {@code JDK_JAVA_OPTIONS=-XX:UseAVX=2} for the 256-bit path), which prints the GEMM figures
 * as fractions of the FMA peak measured in the same run.
 * Packing absorbs the transposes and the leading dimensions and pads edges with zeros; edge tiles
 * go through a scratch tile, so the micro-kernel has no edge cases.
 *
 * <p>When C is at least as tall as wide the threads share one packed B and claim row pieces of
 * C one at a time ({@link #rowsSharingB}); else each thread takes a column range and packs its
 * own B (a column piece would pack all of A again). Every element is reduced over k in the same
 * KC slices and the same FMA order whatever the split (and whatever the tile height), so results
 * are bit-identical for any thread count. A single-row A (decode) takes a GEMV path
 * that reads B once; with B stored [k][n] it matches the packed path bit for bit.
 *
 * <p>Measured on the project machine (Zen 3 EPYC, AVX2 256-bit, 2 vCPUs shared by ~7 users,
 * GFLOP/s per CPU-second, best (median) of 5-60 runs, 1 thread, 2026-11) against a 97 GFLOP/s
 * FMA loop: 1024³ 80 (70), 2048³ 68 (55), A·Bᵀ 2048×256×256 86 (78), logits A·Bᵀ
 * 2048×8192×256 76 (62), Aᵀ·B 256×256×2048 71 (42), 8192×256×2048 53 (48), A·B 2048×256×8192
 * 60 (56); re-measure with {@code ultramem bench kernels --case gemm-shapes} (the same shapes,
 * wall-clock medians, each as a fraction of the FMA peak measured in the same run). What remains
 * is the transposing packs and cache traffic (see {@link #block} and {@link #packTransposedA}).
 */
final class Gemm {

    static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    static final int L = S.length();
    /**
     * Vectors of columns per micro-tile: 2 at 512 bits (the 6×2 tile), 3 at 256 (the 3×3 tile,
     * see {@link #MR_PREFERRED}).
     */
    static final int NV = L == 8 ? 3 : 2;
    /** Micro-tile width: NV vectors of columns (32 at 512 bits, 24 at 256 bits). */
    static final int NR = NV * L;
    /**
     * Micro-tile height: 6 rows × 2 vectors (12 accumulators) at 512 bits, 3 × 3 (9) at 256.
     * With 32 vector registers (AVX-512) the 6-row tile, its 2 B vectors and all six broadcasts
     * sit in registers: whole GEMMs 1024³/2048³ at 0.83-0.91 of the FMA peak on 1 and 2 threads.
     * With 16 (AVX2) C2 may load all of a tile's broadcasts at the top of the loop body; for
     * 6×2 that leaves 8 registers for 12 accumulators, and in the GEMM it spilled 5 of them
     * through the stack on every iteration (JIT hex dump, 2026-12): 0.42-0.45 of the peak. The
     * 3×3 tile needs 9 + 3 + 3 = 15 registers however C2 orders its loads, and has 9 FMA chains
     * (2 FMA pipes × 4 cycles need 8). The 4×2 tile (14 registers, 8 chains) reached 0.70-0.73.
     * A 6-row figure of ~0.9 at 256 bits measured earlier in 2026-12 came from a kernel that
     * boxed its C vectors (see {@link #kernel6}), which changed C2's schedule by accident. The
     * Zen 3 AVX2 machine of 2026-11 ran 4×2 fastest of 6×2, 8×1, 12×1, 16×1, 5×2 and 4×3.
     * Re-measure with {@code ultramem bench kernels} (and {@code JDK_JAVA_OPTIONS=-XX:UseAVX=2}).
     */
    static final int MR_PREFERRED = NV == 3 ? 3 : 6;
    /** The tile heights this species has kernels for (tests run each). */
    static final int[] HEIGHTS = NV == 3 ? new int[] {3} : new int[] {4, 6};
    static final int MR_MAX = 6;
    /**
     * Depth of one packed slice: an A micro-panel (6 KiB) sits in L1d (32 KiB) beside the B
     * panel being read; KC = 128 (half the A micro-panel, twice the C passes) ran slower at
     * 512 bits (2026-12, scratch harness, not kept).
     */
    static final int KC = 256;
    /**
     * Rows of A packed at once (a multiple of 4 and 6): 96×256 floats = 96 KiB, inside L2 (1 MiB
     * per core on the EPYC, 512 KiB on Zen 3) beside a B slice (KC × NC = 512 KiB) and the C
     * block.
     */
    static final int MC = 96;
    /**
     * Widest column block of B packed at once (all of k deep, see {@link #columnBlock}). With A
     * packed by row copies re-packing A per column block is cheap; 256 and 512 were within noise
     * of each other and 1024 slower on most shapes (loaded machine, 2026-11; NC is a constant, so
     * trying another value means editing it and running {@code ultramem bench kernels --case
     * gemm-shapes}). NC = 256 with MC = 192 ran slower than 512/96 at 1024³ and 2048³ on 1 and 2
     * threads (512 bits, 2026-12).
     */
    static final int NC = 512 / NR * NR;
    /**
     * Cap on one thread's packed B (k × column block floats): 8 MiB. It is streamed once per MC
     * row block (~2 GB/s at the FMA peak), so it need not fit a cache; the cap keeps NC at 256 or
     * more up to k = 8192, since narrower blocks re-pack A once more per block.
     */
    static final int B_PACK_FLOATS = 1 << 21;

    /**
     * Per-thread packing buffers, reused across calls (a matmul never nests inside itself): packed
     * A, the GEMV row accumulator, the edge tile, the transposing stage, packed B (grown on
     * demand).
     */
    private static final ThreadLocal<float[][]> BUFFERS =
            ThreadLocal.withInitial(() -> new float[][] {new float[MC * KC], new float[KC * NC],
                    new float[MR_MAX * NR], new float[MC * KC], new float[0]});

    private Gemm() {
    }

    /** Same contract as {@link Kernels#matmul}; arguments already checked. */
    static void matmul(boolean transA, boolean transB, int m, int n, int k,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        matmul(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate,
                MR_PREFERRED);
    }

    /**
     * As above with an explicit micro-tile height {@code mr}, one of {@link #HEIGHTS} (4 or 6 at
     * 512 bits, 3 at 256), so tests cover every kernel. The kernels' widths differ per species,
     * so another height would compute only part of each tile: refused.
     */
    static void matmul(boolean transA, boolean transB, int m, int n, int k,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate, int mr) {
        if (NV == 3 ? mr != 3 : mr != 4 && mr != 6) {
            throw new IllegalArgumentException("GEMM micro-tile height " + mr + " has no kernel at "
                    + L * 32 + " bits; use one of " + Arrays.toString(HEIGHTS));
        }
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                for (int i = 0; i < m; i++) {
                    Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
                }
            }
            return;
        }
        if (m == 1) {
            gemvRow(transA, transB, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, accumulate);
            return;
        }
        // Aim for >= ~4 MFLOP per block so the pool's hand-off (a few µs: `ultramem bench kernels
        // --case parallel-region`) stays under a few percent. Split the longer side of C: each
        // thread then re-reads (and for B, re-packs) only the shorter operand; m = 2048,
        // n = 256 splits rows.
        int threads = Parallel.threads();
        int rowPanels = (m + mr - 1) / mr;
        int colPanels = (n + NR - 1) / NR;
        boolean byRows = rowPanels >= 2 * threads && (m >= n || colPanels < 2 * threads);
        if (byRows && threads > 1) {
            rowsSharingB(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                    accumulate, mr);
        } else if (!byRows) {
            long flopsPerPanel = 2L * m * k * NR;
            int minPanels = (int) Math.max(1, (1L << 22) / flopsPerPanel + 1);
            Parallel.forRange(colPanels, minPanels, (p0, p1) -> block(transA, transB, 0, m,
                    p0 * NR, Math.min(n, p1 * NR), k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                    accumulate, mr));
        } else {
            block(transA, transB, 0, m, 0, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc,
                    accumulate, mr);
        }
    }

    /**
     * Threads share one packed B per column block: they first pack its KC slices between them,
     * then claim row pieces of C ({@link Parallel#piece}, capped at MC rows) and run the
     * loop nest over them against it. A is packed per MC rows either way, so pieces cost no
     * packing. On a shared VM one vCPU often runs slower for seconds at a time, and with fixed
     * halves the fast thread then waited for the slow one: claimed pieces ran 2-thread GEMMs at a
     * median of 0.99-1.17x the halves' rate per shape (pieces of MC rows; three runs of five
     * shapes, interleaved in one JVM, AVX2, 2026-12-08; 1.14-1.17x on the logits' Aᵀ·B
     * 8192×256×2048; docs/results/speed-2026-12-08). Each thread packing all of B for itself
     * doubled the packing work and the packed B's footprint in the shared L3.
     */
    private static void rowsSharingB(boolean transA, boolean transB, int m, int n, int k,
                                     float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                     float[] c, int cOff, int ldc, boolean accumulate, int mr) {
        int rowPanels = (m + mr - 1) / mr;
        int ncBlock = columnBlock(k);
        float[] bPack = packedB(k, Math.min(ncBlock, n));
        int slices = (k + KC - 1) / KC;
        for (int jc = 0; jc < n; jc += ncBlock) {
            int col = jc;
            int nc = Math.min(ncBlock, n - jc);
            long sliceFloats = (long) KC * nc;
            int minSlices = (int) Math.max(1, (1L << 16) / sliceFloats);
            Parallel.forRange(slices, minSlices, (s0, s1) -> {
                for (int s = s0; s < s1; s++) {
                    int pc = s * KC;
                    packB(bPack, pc * padded(nc), transB, b, bOff, ldb, pc, Math.min(KC, k - pc),
                            col, nc);
                }
            });
            long flopsPerPanel = 2L * mr * nc * k;
            int minPanels = (int) Math.max(1, (1L << 22) / flopsPerPanel + 1);
            int piece = Math.min(Parallel.piece(rowPanels, minPanels),
                    Math.max(minPanels, MC / mr));
            Parallel.forChunks(rowPanels, piece, (r0, r1) ->
                    multiplyColumnBlock(transA, r0 * mr, Math.min(m, r1 * mr), col, nc, k, a,
                            aOff, lda, bPack, c, cOff, ldc, accumulate, mr));
        }
    }

    /** The calling thread's packed-B buffer, grown to hold k × (cols rounded up to NR) floats. */
    private static float[] packedB(int k, int cols) {
        float[][] buffers = BUFFERS.get();
        int need = k * padded(cols);
        if (buffers[4].length < need) {
            buffers[4] = new float[need];
        }
        return buffers[4];
    }

    private static int padded(int cols) {
        return (cols + NR - 1) / NR * NR;
    }

    /**
     * The sequential loop nest over C[i0..i1, j0..j1). A is packed per MC×KC block into row-major
     * [mr-padded rows][kc] form, which the micro-kernel reads as rows of kc floats: for A stored
     * [m][lda] that is a row copy (a scalar transposing pack, replaced in 2026-11, was a sizeable
     * part of A·Bᵀ 2048×256×256); the copy also keeps four rows 1 KiB apart instead of lda apart
     * (reading A in place ran 2048³ slower: L1 set aliasing). The kept code's figures for these
     * shapes: {@code ultramem bench kernels --case gemm-shapes}.
     */
    private static void block(boolean transA, boolean transB, int i0, int i1, int j0, int j1, int k,
                              float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float[] c, int cOff, int ldc, boolean accumulate, int mrTile) {
        int ncBlock = columnBlock(k);
        float[] bPack = packedB(k, Math.min(ncBlock, j1 - j0));
        for (int jc = j0; jc < j1; jc += ncBlock) {
            int nc = Math.min(ncBlock, j1 - jc);
            for (int pc = 0; pc < k; pc += KC) {
                packB(bPack, pc * padded(nc), transB, b, bOff, ldb, pc, Math.min(KC, k - pc), jc,
                        nc);
            }
            multiplyColumnBlock(transA, i0, i1, jc, nc, k, a, aOff, lda, bPack, c, cOff, ldc,
                    accumulate, mrTile);
        }
    }

    /**
     * Rows [i0, i1) of C against one packed column block of B (columns [jc, jc + nc), all of k
     * deep). For each MC row block and KC slice A is packed into L2, then each MR-row A
     * micro-panel (≤ 12 KiB, L1) meets every NR-wide B micro-panel of the slice in turn, streamed
     * from L2 (KC × NC floats = 512 KiB). The other order (one B micro-panel against all A
     * micro-panels) kept 32 KiB of B (KC × NR at 512 bits) in a 32 KiB L1d beside the A stream.
     */
    private static void multiplyColumnBlock(boolean transA, int i0, int i1, int jc, int nc,
                                            int k, float[] a, int aOff, int lda, float[] bPack,
                                            float[] c, int cOff, int ldc, boolean accumulate,
                                            int mrTile) {
        float[][] buffers = BUFFERS.get();
        float[] aPack = buffers[0];
        float[] tile = buffers[2];
        int ncPadded = padded(nc);
        for (int ic = i0; ic < i1; ic += MC) {
            int mc = Math.min(MC, i1 - ic);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                boolean overwrite = pc == 0 && !accumulate;
                if (transA) {
                    packTransposedA(aPack, buffers[3], mrTile, a, aOff, lda, ic, mc, pc, kc);
                } else {
                    packRowsA(aPack, mrTile, a, aOff + ic * lda + pc, lda, mc, kc);
                }
                int slice = pc * ncPadded;
                for (int ir = 0; ir < mc; ir += mrTile) {
                    int mr = Math.min(mrTile, mc - ir);
                    int aIdx = ir * kc;
                    for (int jr = 0; jr < nc; jr += NR) {
                        int nr = Math.min(NR, nc - jr);
                        int bp = slice + (jr / NR) * kc * NR;
                        int cIdx = cOff + (ic + ir) * ldc + jc + jr;
                        if (mr == mrTile && nr == NR) {
                            kernel(mrTile, aPack, aIdx, kc, bPack, bp, kc, c, cIdx, ldc, overwrite);
                        } else {
                            edgeKernel(mrTile, aPack, aIdx, kc, bPack, bp, kc, tile, c, cIdx, ldc,
                                    mr, nr, overwrite);
                        }
                    }
                }
            }
        }
    }

    /**
     * Column block width for depth k: NC, narrowed (to a multiple of NR, at least NR) so that the
     * whole-depth packed B stays within {@link #B_PACK_FLOATS}.
     */
    static int columnBlock(int k) {
        return Math.max(NR, Math.min(NC, B_PACK_FLOATS / k / NR * NR));
    }

    /**
     * Packs op(A)[ic..ic+mc, pc..pc+kc) for A stored transposed ([k][lda]) as a row-major
     * [mc rounded up to mr][kc] block, padding rows zero. The kc source row segments are first
     * copied into a contiguous staging block (each cache line read once, in order), then transposed
     * from there. Transposing straight from A was many times slower per element at
     * lda >= 2048 than at lda 256-683 in most runs (rows a page or more apart landing in the same
     * L2 sets: the logits gradient, lda 8192); staged, the cost per element no longer depends on
     * lda (2026-11). The effect shows as the gap between the Aᵀ·B shapes at lda 256 and 8192 in
     * {@code ultramem bench kernels --case gemm-shapes}.
     */
    private static void packTransposedA(float[] dst, float[] stage, int mr, float[] a, int aOff,
                                        int lda, int ic, int mc, int pc, int kc) {
        for (int p = 0; p < kc; p++) {
            System.arraycopy(a, aOff + (pc + p) * lda + ic, stage, p * mc, mc);
        }
        int r = 0;
        // Eight rows at a time: reads 32 contiguous bytes per staged row, writes eight sequential
        // streams; p-outer over all mc rows (writes 1 KiB apart) ran slower (2026-11, not kept).
        for (; r <= mc - 8; r += 8) {
            int d0 = r * kc;
            for (int p = 0; p < kc; p++) {
                int s = p * mc + r;
                int d = d0 + p;
                dst[d] = stage[s];
                dst[d + kc] = stage[s + 1];
                dst[d + 2 * kc] = stage[s + 2];
                dst[d + 3 * kc] = stage[s + 3];
                dst[d + 4 * kc] = stage[s + 4];
                dst[d + 5 * kc] = stage[s + 5];
                dst[d + 6 * kc] = stage[s + 6];
                dst[d + 7 * kc] = stage[s + 7];
            }
        }
        for (; r < mc; r++) {
            int d = r * kc;
            for (int p = 0; p < kc; p++) {
                dst[d + p] = stage[p * mc + r];
            }
        }
        int padded = (mc + mr - 1) / mr * mr;
        Arrays.fill(dst, mc * kc, padded * kc, 0f);
    }

    /**
     * Packs A stored [m][lda] rows [src, src + rows·lda) of kc floats each into a row-major
     * [rows rounded up to mr][kc] block, padding rows zero: plain row copies at memcpy speed.
     */
    private static void packRowsA(float[] dst, int mr, float[] a, int src, int lda, int rows,
                                  int kc) {
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, src + r * lda, dst, r * kc, kc);
        }
        int padded = (rows + mr - 1) / mr * mr;
        Arrays.fill(dst, rows * kc, padded * kc, 0f);
    }

    /**
     * Packs op(B)[pc..pc+kc, jc..jc+nc) at dst[dOff..] as NR-column panels, p-major inside a
     * panel, zero-padded. B stored [k][n] is read row by row across all full panels (one
     * contiguous row segment per p); panel by panel it walked kc rows ldb apart per panel, a
     * new cache line and often a new page per 128 bytes copied.
     */
    private static void packB(float[] dst, int dOff, boolean transB, float[] b, int bOff, int ldb,
                              int pc, int kc, int jc, int nc) {
        if (!transB) {
            int full = nc / NR * NR;
            for (int p = 0; p < kc; p++) {
                int src = bOff + (pc + p) * ldb + jc;
                for (int jr = 0; jr < full; jr += NR) {
                    int d = dOff + (jr / NR) * kc * NR + p * NR;
                    FloatVector.fromArray(S, b, src + jr).intoArray(dst, d);
                    FloatVector.fromArray(S, b, src + jr + L).intoArray(dst, d + L);
                    if (NV == 3) {
                        FloatVector.fromArray(S, b, src + jr + 2 * L).intoArray(dst, d + 2 * L);
                    }
                }
            }
        }
        for (int jr = 0; jr < nc; jr += NR) {
            int base = dOff + (jr / NR) * kc * NR;
            int cols = Math.min(NR, nc - jr);
            if (transB) {
                for (int col = 0; col < NR; col++) {
                    if (col < cols) {
                        int src = bOff + (jc + jr + col) * ldb + pc;
                        for (int p = 0; p < kc; p++) {
                            dst[base + p * NR + col] = b[src + p];
                        }
                    } else {
                        for (int p = 0; p < kc; p++) {
                            dst[base + p * NR + col] = 0f;
                        }
                    }
                }
            } else if (cols == NR) {
                continue;
            } else {
                for (int p = 0; p < kc; p++) {
                    int src = bOff + (pc + p) * ldb + jc + jr;
                    int d = base + p * NR;
                    for (int col = 0; col < NR; col++) {
                        dst[d + col] = col < cols ? b[src + col] : 0f;
                    }
                }
            }
        }
    }

    /** Runs the micro-kernel for tile height {@code mr} (6 or 4; 3 at 256 bits) on a full tile. */
    private static void kernel(int mr, float[] a, int aIdx, int rs, float[] bp, int bOff, int kc,
                               float[] c, int cIdx, int ldc, boolean overwrite) {
        if (mr == 3) {
            kernel3(a, aIdx, rs, bp, bOff, kc, c, cIdx, ldc, overwrite);
        } else if (mr == 6) {
            kernel6(a, aIdx, rs, bp, bOff, kc, c, cIdx, ldc, overwrite);
        } else {
            kernel4(a, aIdx, rs, bp, bOff, kc, c, cIdx, ldc, overwrite);
        }
    }

    /**
     * The 3×NR micro-kernel of 256-bit vectors (NR = 3 vectors, see {@link #MR_PREFERRED}): 9
     * named accumulators, 3 B vectors, 3 broadcasts; C is loaded after the k loop, only when
     * adding into it.
     */
    private static void kernel3(float[] a, int aIdx, int rs, float[] bp, int bOff, int kc,
                                float[] c, int cIdx, int ldc, boolean overwrite) {
        int r0 = aIdx;
        int r1 = aIdx + rs;
        int r2 = aIdx + 2 * rs;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00;
        FloatVector c20 = c00, c21 = c00, c22 = c00;
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector b2 = FloatVector.fromArray(S, bp, bi + 2 * L);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            c02 = a0.fma(b2, c02);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            c12 = a1.fma(b2, c12);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            c22 = a2.fma(b2, c22);
        }
        int c1 = cIdx + ldc;
        int c2 = cIdx + 2 * ldc;
        if (overwrite) {
            c00.intoArray(c, cIdx);
            c01.intoArray(c, cIdx + L);
            c02.intoArray(c, cIdx + 2 * L);
            c10.intoArray(c, c1);
            c11.intoArray(c, c1 + L);
            c12.intoArray(c, c1 + 2 * L);
            c20.intoArray(c, c2);
            c21.intoArray(c, c2 + L);
            c22.intoArray(c, c2 + 2 * L);
        } else {
            c00.add(FloatVector.fromArray(S, c, cIdx)).intoArray(c, cIdx);
            c01.add(FloatVector.fromArray(S, c, cIdx + L)).intoArray(c, cIdx + L);
            c02.add(FloatVector.fromArray(S, c, cIdx + 2 * L)).intoArray(c, cIdx + 2 * L);
            c10.add(FloatVector.fromArray(S, c, c1)).intoArray(c, c1);
            c11.add(FloatVector.fromArray(S, c, c1 + L)).intoArray(c, c1 + L);
            c12.add(FloatVector.fromArray(S, c, c1 + 2 * L)).intoArray(c, c1 + 2 * L);
            c20.add(FloatVector.fromArray(S, c, c2)).intoArray(c, c2);
            c21.add(FloatVector.fromArray(S, c, c2 + L)).intoArray(c, c2 + L);
            c22.add(FloatVector.fromArray(S, c, c2 + 2 * L)).intoArray(c, c2 + 2 * L);
        }
    }

    /**
     * The 6×NR micro-kernel (512 bits): 12 named accumulators, straight-line, one A panel
     * against one B panel, always a full tile. Helper calls for the stores would push the method
     * past C2's inlining node budget, leaving boxed vectors (many times slower, see
     * java-engineering.md); hence explicit stores.
     * C is loaded after the k loop, only when adding into it. Loaded before the loop on one branch
     * and merged with null on the other, the twelve C vectors could not stay in registers and C2
     * boxed them on every call: ~150 MB of garbage per 2048³ GEMM, which evicted the packed panels
     * from L2 (2048³ on 1 thread at 0.58 of the FMA peak with {@code -XX:+UseParallelGC}, 0.90
     * without the boxing; {@code ultramem bench kernels} prints the bytes a GEMM allocates).
     */
    private static void kernel6(float[] a, int aIdx, int rs, float[] bp, int bOff, int kc,
                                float[] c, int cIdx, int ldc, boolean overwrite) {
        int r0 = aIdx + 0 * rs;
        int r1 = aIdx + 1 * rs;
        int r2 = aIdx + 2 * rs;
        int r3 = aIdx + 3 * rs;
        int r4 = aIdx + 4 * rs;
        int r5 = aIdx + 5 * rs;

        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        FloatVector c40 = FloatVector.zero(S), c41 = FloatVector.zero(S);
        FloatVector c50 = FloatVector.zero(S), c51 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
            FloatVector a4 = FloatVector.broadcast(S, a[r4 + p]);
            c40 = a4.fma(b0, c40);
            c41 = a4.fma(b1, c41);
            FloatVector a5 = FloatVector.broadcast(S, a[r5 + p]);
            c50 = a5.fma(b0, c50);
            c51 = a5.fma(b1, c51);
        }
        if (overwrite) {
            c00.intoArray(c, cIdx);
            c01.intoArray(c, cIdx + L);
            c10.intoArray(c, cIdx + ldc);
            c11.intoArray(c, cIdx + ldc + L);
            c20.intoArray(c, cIdx + 2 * ldc);
            c21.intoArray(c, cIdx + 2 * ldc + L);
            c30.intoArray(c, cIdx + 3 * ldc);
            c31.intoArray(c, cIdx + 3 * ldc + L);
            c40.intoArray(c, cIdx + 4 * ldc);
            c41.intoArray(c, cIdx + 4 * ldc + L);
            c50.intoArray(c, cIdx + 5 * ldc);
            c51.intoArray(c, cIdx + 5 * ldc + L);
        } else {
            c00.add(FloatVector.fromArray(S, c, cIdx)).intoArray(c, cIdx);
            c01.add(FloatVector.fromArray(S, c, cIdx + L)).intoArray(c, cIdx + L);
            c10.add(FloatVector.fromArray(S, c, cIdx + ldc)).intoArray(c, cIdx + ldc);
            c11.add(FloatVector.fromArray(S, c, cIdx + ldc + L)).intoArray(c, cIdx + ldc + L);
            c20.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc)).intoArray(c, cIdx + 2 * ldc);
            c21.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc + L))
                    .intoArray(c, cIdx + 2 * ldc + L);
            c30.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc)).intoArray(c, cIdx + 3 * ldc);
            c31.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc + L))
                    .intoArray(c, cIdx + 3 * ldc + L);
            c40.add(FloatVector.fromArray(S, c, cIdx + 4 * ldc)).intoArray(c, cIdx + 4 * ldc);
            c41.add(FloatVector.fromArray(S, c, cIdx + 4 * ldc + L))
                    .intoArray(c, cIdx + 4 * ldc + L);
            c50.add(FloatVector.fromArray(S, c, cIdx + 5 * ldc)).intoArray(c, cIdx + 5 * ldc);
            c51.add(FloatVector.fromArray(S, c, cIdx + 5 * ldc + L))
                    .intoArray(c, cIdx + 5 * ldc + L);
        }
    }

    /**
     * The 4×NR micro-kernel of 512-bit vectors (for {@code Gemm.matmul(..., 4)}, see
     * {@link #MR_PREFERRED}): 8
     * named accumulators, just enough FMA chains for 2 FMA units × 4-cycle latency, no spills.
     */
    private static void kernel4(float[] a, int aIdx, int rs, float[] bp, int bOff, int kc,
                                float[] c, int cIdx, int ldc, boolean overwrite) {
        int r0 = aIdx + 0 * rs;
        int r1 = aIdx + 1 * rs;
        int r2 = aIdx + 2 * rs;
        int r3 = aIdx + 3 * rs;

        FloatVector c00 = FloatVector.zero(S), c01 = FloatVector.zero(S);
        FloatVector c10 = FloatVector.zero(S), c11 = FloatVector.zero(S);
        FloatVector c20 = FloatVector.zero(S), c21 = FloatVector.zero(S);
        FloatVector c30 = FloatVector.zero(S), c31 = FloatVector.zero(S);
        for (int p = 0; p < kc; p++) {
            int bi = bOff + p * NR;
            FloatVector b0 = FloatVector.fromArray(S, bp, bi);
            FloatVector b1 = FloatVector.fromArray(S, bp, bi + L);
            FloatVector a0 = FloatVector.broadcast(S, a[r0 + p]);
            c00 = a0.fma(b0, c00);
            c01 = a0.fma(b1, c01);
            FloatVector a1 = FloatVector.broadcast(S, a[r1 + p]);
            c10 = a1.fma(b0, c10);
            c11 = a1.fma(b1, c11);
            FloatVector a2 = FloatVector.broadcast(S, a[r2 + p]);
            c20 = a2.fma(b0, c20);
            c21 = a2.fma(b1, c21);
            FloatVector a3 = FloatVector.broadcast(S, a[r3 + p]);
            c30 = a3.fma(b0, c30);
            c31 = a3.fma(b1, c31);
        }
        if (overwrite) {
            c00.intoArray(c, cIdx);
            c01.intoArray(c, cIdx + L);
            c10.intoArray(c, cIdx + ldc);
            c11.intoArray(c, cIdx + ldc + L);
            c20.intoArray(c, cIdx + 2 * ldc);
            c21.intoArray(c, cIdx + 2 * ldc + L);
            c30.intoArray(c, cIdx + 3 * ldc);
            c31.intoArray(c, cIdx + 3 * ldc + L);
        } else {
            c00.add(FloatVector.fromArray(S, c, cIdx)).intoArray(c, cIdx);
            c01.add(FloatVector.fromArray(S, c, cIdx + L)).intoArray(c, cIdx + L);
            c10.add(FloatVector.fromArray(S, c, cIdx + ldc)).intoArray(c, cIdx + ldc);
            c11.add(FloatVector.fromArray(S, c, cIdx + ldc + L)).intoArray(c, cIdx + ldc + L);
            c20.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc)).intoArray(c, cIdx + 2 * ldc);
            c21.add(FloatVector.fromArray(S, c, cIdx + 2 * ldc + L))
                    .intoArray(c, cIdx + 2 * ldc + L);
            c30.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc)).intoArray(c, cIdx + 3 * ldc);
            c31.add(FloatVector.fromArray(S, c, cIdx + 3 * ldc + L))
                    .intoArray(c, cIdx + 3 * ldc + L);
        }
    }

    /**
     * An edge tile (fewer than mr rows or NR columns left): the same micro-kernel writes the full
     * tile into a scratch tile, then the valid part is stored or added, so edge elements see
     * exactly the same arithmetic as interior ones.
     */
    private static void edgeKernel(int mrTile, float[] a, int aIdx, int rs, float[] bp, int bOff,
                                   int kc, float[] tile, float[] c, int cIdx, int ldc, int mr,
                                   int nr, boolean overwrite) {
        kernel(mrTile, a, aIdx, rs, bp, bOff, kc, tile, 0, NR, true);
        for (int r = 0; r < mr; r++) {
            int row = cIdx + r * ldc;
            for (int j = 0; j < nr; j++) {
                c[row + j] = overwrite ? tile[r * NR + j] : c[row + j] + tile[r * NR + j];
            }
        }
    }

    /**
     * One output row (decode): c[0, n) (+)= op(A)[0, :] · op(B). With B stored [k][n] it streams B
     * rows once, KC slices and FMA order matching the packed path; with B stored [n][k] (Linear
     * weights) it takes one dot product per column, split over threads by columns.
     */
    private static void gemvRow(boolean transA, boolean transB, int n, int k,
                                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                float[] c, int cOff, boolean accumulate) {
        int aStride = transA ? lda : 1;
        int minCols = (int) Math.max(NR, (1L << 17) / Math.max(1, k));
        Parallel.forRange(n, minCols, (j0, j1) -> {
            if (transB) {
                for (int j = j0; j < j1; j++) {
                    float s = VectorKernels.dotStrided(b, bOff + j * ldb, a, aOff, aStride, k);
                    c[cOff + j] = accumulate ? c[cOff + j] + s : s;
                }
            } else {
                gemvColumns(j0, j1, k, a, aOff, aStride, b, bOff, ldb, c, cOff, accumulate);
            }
        });
    }

    /**
     * c[j0..j1) (+)= Σ_p a[p]·B[p, j], streaming B row by row (axpy order) into a per-thread row
     * accumulator, in the same KC slices and FMA order per element as the packed path.
     */
    private static void gemvColumns(int j0, int j1, int k, float[] a, int aOff, int aStride,
                                    float[] b, int bOff, int ldb, float[] c, int cOff,
                                    boolean accumulate) {
        float[] acc = BUFFERS.get()[1];
        int width = acc.length;
        for (int js = j0; js < j1; js += width) {
            int w = Math.min(width, j1 - js);
            for (int pc = 0; pc < k; pc += KC) {
                int kc = Math.min(KC, k - pc);
                Arrays.fill(acc, 0, w, 0f);
                for (int p = pc; p < pc + kc; p++) {
                    float ap = a[aOff + p * aStride];
                    int row = bOff + p * ldb + js;
                    int j = 0;
                    FloatVector va = FloatVector.broadcast(S, ap);
                    for (; j <= w - L; j += L) {
                        FloatVector prev = FloatVector.fromArray(S, acc, j);
                        va.fma(FloatVector.fromArray(S, b, row + j), prev).intoArray(acc, j);
                    }
                    for (; j < w; j++) {
                        acc[j] = Math.fma(ap, b[row + j], acc[j]);
                    }
                }
                boolean overwrite = pc == 0 && !accumulate;
                for (int j = 0; j < w; j++) {
                    c[cOff + js + j] = overwrite ? acc[j] : c[cOff + js + j] + acc[j];
                }
            }
        }
    }
}
