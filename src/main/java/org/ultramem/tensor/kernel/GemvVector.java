package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API bodies of {@link SegmentKernels#matmulT}: out [rows, n] = x [rows, k] · Wᵀ with W
 * [n, k] read straight from a {@link MemorySegment} (fp32, or bf16 widened in registers: shorts →
 * ints, shift left 16, reinterpret, rule 7 of java-engineering.md). The decode step reads each
 * weight once per step for all B tokens: W is walked in blocks of {@link #BLOCK} rows (kept in L2)
 * and, within a block, the first token reads the rows one after another (the block comes from
 * memory), then 1×4 register tiles (1 token × 4 weight rows) stream k, one token after the other
 * while the block sits in L1/L2 (bf16 pairs tokens in 2×4 tiles; for fp32 the 2×4 tile's speed
 * depended on C2's register allocation, see {@link #matmulT}). Every output gets the same FMA
 * chain and lane sum whichever token slot it has.
 * Token and row edges go through 1×4 and 1×1 tiles; k tails through a scalar tail. Results equal
 * {@link GemvScalar} up to float summation order.
 */
final class GemvVector {

    static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    static final int L = S.length();
    static final VectorSpecies<Short> SS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(L * 16));
    static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, S.vectorShape());
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Per thread: [max(8, L)][L] floats, the bf16 tiles' accumulators ({@link #storeSums}). */
    private static final ThreadLocal<float[]> STAGED =
            ThreadLocal.withInitial(() -> new float[Math.max(8, L) * L]);
    /** Weight rows per cache block: 32 rows of k ≤ 2048 floats is ≤ 256 KiB, inside L2. */
    static final int BLOCK = 32;

    private GemvVector() {
    }

    /** Rows [nStart, nEnd) of the output columns, single-threaded. */
    static void matmulT(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx, int rows,
                        MemorySegment w, long wOff, boolean bf16, int nStart, int nEnd, int k) {
        if (rows == 0) {
            return;
        }
        long es = bf16 ? 2 : 4;
        float[] staged = bf16 && rows > 1 ? STAGED.get() : null;
        for (int n0 = nStart; n0 < nEnd; n0 += BLOCK) {
            int n1 = Math.min(nEnd, n0 + BLOCK);
            // The first token meets the block in memory: it reads the rows one after another,
            // one stream the hardware prefetcher follows. A 1×4 tile reads four rows at once,
            // four streams of k floats each, too short for the prefetcher to pick up: the
            // batch-1 dense step (23 MB of fp32 weights) took 1.24-1.47 ms that way and
            // 0.77-0.94 ms this way (`ultramem bench decode --batches 1`, AVX-512, 2 threads).
            // Later tokens find the block in L1/L2.
            int j0 = n0;
            for (; j0 + 4 <= n1; j0 += 4) {
                tile1x4RowByRow(out, outOff + j0, x, xOff, w, wOff + (long) j0 * k * es,
                        (long) k * es, bf16, k);
            }
            for (; j0 < n1; j0++) {
                out[outOff + j0] = dot(x, xOff, w, wOff + (long) j0 * k * es, bf16, k);
            }
            int r = 1;
            // fp32 takes one token at a time against the L1/L2-resident W block: the 2-token
            // tile's batch-2 step time varied about threefold between JVMs with C2's register
            // allocation (spills), the 1-token tile runs steadily (`ultramem bench decode
            // --batches 2`; the 2-token fp32 tile is not kept).
            for (; bf16 && r + 2 <= rows; r += 2) {
                int j = n0;
                for (; j + 4 <= n1; j += 4) {
                    long wb = wOff + (long) j * k * es;
                    int xb = xOff + r * ldx;
                    int ob = outOff + r * ldo + j;
                    tile2x4Bf16(out, ob, ldo, x, xb, ldx, w, wb, (long) k * 2, k, staged);
                }
                for (; j < n1; j++) {
                    for (int rr = r; rr < r + 2; rr++) {
                        out[outOff + rr * ldo + j] = dot(x, xOff + rr * ldx, w,
                                wOff + (long) j * k * es, bf16, k);
                    }
                }
            }
            for (; r < rows; r++) {
                int j = n0;
                for (; j + 4 <= n1; j += 4) {
                    long wb = wOff + (long) j * k * es;
                    int ob = outOff + r * ldo + j;
                    if (bf16) {
                        tile1x4Bf16(out, ob, x, xOff + r * ldx, w, wb, (long) k * 2, k, staged);
                    } else {
                        tile1x4F32(out, ob, x, xOff + r * ldx, w, wb, (long) k * 4, k);
                    }
                }
                for (; j < n1; j++) {
                    out[outOff + r * ldo + j] = dot(x, xOff + r * ldx, w, wOff + (long) j * k * es,
                            bf16, k);
                }
            }
        }
    }

    /** Tokens per transposed tile: two vectors of tokens. */
    static final int TT = 2 * L;
    /** Whether full token groups go in pairs ({@link #tileT4Pair}): 512-bit vectors only. */
    static final boolean PAIR_TILES = L == 16;

    /**
     * Token lanes of transposed group {@code g} of a call of {@code rows}: {@link #TT}, except a
     * last group of at most {@link #L} tokens, which takes one vector ({@link #tileT4One}), so a
     * call pads to a multiple of L lanes rather than of TT (74 rows: 80 lanes, not 96).
     */
    static int groupWidth(int g, int rows) {
        int rest = rows - g * TT;
        return rest <= L ? L : TT;
    }

    /** Token lanes of a call of {@code rows} on the transposed path: rows rounded up to L. */
    static int paddedRows(int rows) {
        return (rows + L - 1) / L * L;
    }

    /** Output columns whose partial sums stay in a thread's accumulator between k chunks. */
    static final int COLUMN_GROUP = 64;
    /** k per chunk: a chunk of xP (KC × 16 tokens × 4 B per group) stays in L1/L2. */
    static final int KC = 512;

    /**
     * Columns [nStart, nEnd) of out [rows, n] = x · Wᵀ for a batch of tokens, from xP: x packed
     * per group of {@link #TT} tokens as [groups][k][TT] (tokens padded with zeros), so a tile
     * reads 16 consecutive floats per k step. Columns go in groups of {@link #COLUMN_GROUP} and
     * k in chunks of {@link #KC}: each chunk of W rows is copied to a heap panel once and meets
     * every token group while that group's xP chunk is still in cache (without k chunks the
     * down projection, k 2560, re-streamed 655 KB of x per 4 W rows from L3 and ran far below
     * the FMA peak, 2026-12). Per k step: two xP vectors, four broadcast W elements and 8 FMAs
     * into 8 accumulators; partial sums wait in {@code acc} [COLUMN_GROUP][groups·TT] between
     * chunks, so every output is one sequential FMA chain over k whatever the chunking. A last
     * group of at most L tokens ({@link #groupWidth}) is packed [k][L] and takes the one-vector
     * tile, whose per-lane chain is the same, so a row's bits do not depend on the group width.
     */
    static void matmulTTransposed(float[] out, int outOff, int ldo, float[] xP, int rows,
                                  MemorySegment w, long wOff, boolean bf16, int nStart, int nEnd,
                                  int k, float[] acc, float[] panel) {
        long rowBytes = (long) k * (bf16 ? 2 : 4);
        int groups = (rows + TT - 1) / TT;
        int lda = paddedRows(rows);
        for (int g0 = nStart; g0 < nEnd; g0 += COLUMN_GROUP) {
            int g1 = Math.min(nEnd, g0 + COLUMN_GROUP);
            for (int k0 = 0; k0 < k; k0 += KC) {
                int kc = Math.min(KC, k - k0);
                boolean first = k0 == 0;
                int j = g0;
                for (; j < g1; j += 4) {
                    int cols = Math.min(4, g1 - j);
                    for (int c = 0; c < cols; c++) {
                        long wb = wOff + (j + c) * rowBytes + (long) k0 * (bf16 ? 2 : 4);
                        if (bf16) {
                            readRowBf16(panel, c * kc, w, wb, kc);
                        } else {
                            MemorySegment.copy(w, GemvScalar.F32, wb, panel, c * kc, kc);
                        }
                    }
                    for (int c = cols; c < 4; c++) {
                        java.util.Arrays.fill(panel, c * kc, (c + 1) * kc, 0f);
                    }
                    int accRow = (j - g0) * lda;
                    int g = 0;
                    while (PAIR_TILES && g + 1 < groups && groupWidth(g + 1, rows) == TT) {
                        if (g + 3 == groups && groupWidth(g + 2, rows) == L) {
                            // The narrow last group rides with the pair (73 rows: one tile).
                            tileT4PairNarrow(xP, (g * k + k0) * TT, ((g + 1) * k + k0) * TT,
                                    (g + 2) * k * TT + k0 * L, panel, kc, acc, accRow + g * TT,
                                    lda, first);
                            g += 3;
                        } else {
                            tileT4Pair(xP, (g * k + k0) * TT, ((g + 1) * k + k0) * TT, panel,
                                    kc, acc, accRow + g * TT, lda, first);
                            g += 2;
                        }
                    }
                    for (; g < groups; g++) {
                        if (groupWidth(g, rows) == TT) {
                            tileT4(xP, (g * k + k0) * TT, panel, kc, acc, accRow + g * TT, lda,
                                    first);
                        } else {
                            tileT4One(xP, g * k * TT + k0 * L, panel, kc, acc, accRow + g * TT,
                                    lda, first);
                        }
                    }
                }
            }
            // By whole rows of a block of L tokens (not column by column: a power-of-two ldo,
            // the logits' V 4096, put all rows in one cache set, and the logits GEMM ran at ~0.4
            // of the FMA peak, `ultramem bench kernels --case decode-gemm`, 2026-12); element by
            // element the copy cost a fifth of the tiles' time at batch 64 (BlockTranspose).
            BlockTranspose.transpose(out, outOff + g0, ldo, acc, 0, lda, rows, g1 - g0);
        }
    }

    /**
     * acc[accOff + c·lda .. + TT) (+)= Σ_i panel[c·kc + i] · xP[xOff + i·TT .. + TT) for the 4
     * panel rows c (padding rows are zero and land in acc rows the caller never reads).
     */
    private static void tileT4(float[] xP, int xOff, float[] panel, int kc, float[] acc,
                               int accOff, int lda, boolean first) {
        FloatVector a00, a01, a10, a11, a20, a21, a30, a31;
        int o1 = accOff + lda;
        int o2 = accOff + 2 * lda;
        int o3 = accOff + 3 * lda;
        if (first) {
            a00 = FloatVector.zero(S);
            a01 = a00; a10 = a00; a11 = a00; a20 = a00; a21 = a00; a30 = a00; a31 = a00;
        } else {
            a00 = FloatVector.fromArray(S, acc, accOff); a01 = FloatVector.fromArray(S, acc, accOff + L);
            a10 = FloatVector.fromArray(S, acc, o1); a11 = FloatVector.fromArray(S, acc, o1 + L);
            a20 = FloatVector.fromArray(S, acc, o2); a21 = FloatVector.fromArray(S, acc, o2 + L);
            a30 = FloatVector.fromArray(S, acc, o3); a31 = FloatVector.fromArray(S, acc, o3 + L);
        }
        for (int i = 0; i < kc; i++) {
            int xo = xOff + i * TT;
            FloatVector x0 = FloatVector.fromArray(S, xP, xo);
            FloatVector x1 = FloatVector.fromArray(S, xP, xo + L);
            FloatVector w0 = FloatVector.broadcast(S, panel[i]);
            a00 = x0.fma(w0, a00); a01 = x1.fma(w0, a01);
            FloatVector w1 = FloatVector.broadcast(S, panel[kc + i]);
            a10 = x0.fma(w1, a10); a11 = x1.fma(w1, a11);
            FloatVector w2 = FloatVector.broadcast(S, panel[2 * kc + i]);
            a20 = x0.fma(w2, a20); a21 = x1.fma(w2, a21);
            FloatVector w3 = FloatVector.broadcast(S, panel[3 * kc + i]);
            a30 = x0.fma(w3, a30); a31 = x1.fma(w3, a31);
        }
        a00.intoArray(acc, accOff); a01.intoArray(acc, accOff + L);
        a10.intoArray(acc, o1); a11.intoArray(acc, o1 + L);
        a20.intoArray(acc, o2); a21.intoArray(acc, o2 + L);
        a30.intoArray(acc, o3); a31.intoArray(acc, o3 + L);
    }

    /**
     * Two token groups at once in {@link #tileT4}'s pattern (16 accumulators: 4 token vectors ×
     * 4 panel rows), only with 512-bit vectors: AVX-512 has 32 registers, and per k step the 4
     * broadcasts and 4 token loads feed 16 FMAs instead of 8 (AVX2's 16 registers would spill).
     * Each lane's FMA chain over k is {@link #tileT4}'s, so the bits do not change.
     */
    private static void tileT4Pair(float[] xP, int xOffA, int xOffB, float[] panel, int kc,
                                   float[] acc, int accOff, int lda, boolean first) {
        FloatVector a00, a01, a02, a03, a10, a11, a12, a13;
        FloatVector a20, a21, a22, a23, a30, a31, a32, a33;
        int o1 = accOff + lda;
        int o2 = accOff + 2 * lda;
        int o3 = accOff + 3 * lda;
        if (first) {
            a00 = FloatVector.zero(S);
            a01 = a00; a02 = a00; a03 = a00; a10 = a00; a11 = a00; a12 = a00; a13 = a00;
            a20 = a00; a21 = a00; a22 = a00; a23 = a00; a30 = a00; a31 = a00; a32 = a00; a33 = a00;
        } else {
            a00 = FloatVector.fromArray(S, acc, accOff);
            a01 = FloatVector.fromArray(S, acc, accOff + L);
            a02 = FloatVector.fromArray(S, acc, accOff + 2 * L);
            a03 = FloatVector.fromArray(S, acc, accOff + 3 * L);
            a10 = FloatVector.fromArray(S, acc, o1); a11 = FloatVector.fromArray(S, acc, o1 + L);
            a12 = FloatVector.fromArray(S, acc, o1 + 2 * L);
            a13 = FloatVector.fromArray(S, acc, o1 + 3 * L);
            a20 = FloatVector.fromArray(S, acc, o2); a21 = FloatVector.fromArray(S, acc, o2 + L);
            a22 = FloatVector.fromArray(S, acc, o2 + 2 * L);
            a23 = FloatVector.fromArray(S, acc, o2 + 3 * L);
            a30 = FloatVector.fromArray(S, acc, o3); a31 = FloatVector.fromArray(S, acc, o3 + L);
            a32 = FloatVector.fromArray(S, acc, o3 + 2 * L);
            a33 = FloatVector.fromArray(S, acc, o3 + 3 * L);
        }
        for (int i = 0; i < kc; i++) {
            int xa = xOffA + i * TT;
            int xb = xOffB + i * TT;
            FloatVector x0 = FloatVector.fromArray(S, xP, xa);
            FloatVector x1 = FloatVector.fromArray(S, xP, xa + L);
            FloatVector x2 = FloatVector.fromArray(S, xP, xb);
            FloatVector x3 = FloatVector.fromArray(S, xP, xb + L);
            FloatVector w0 = FloatVector.broadcast(S, panel[i]);
            a00 = x0.fma(w0, a00); a01 = x1.fma(w0, a01); a02 = x2.fma(w0, a02); a03 = x3.fma(w0, a03);
            FloatVector w1 = FloatVector.broadcast(S, panel[kc + i]);
            a10 = x0.fma(w1, a10); a11 = x1.fma(w1, a11); a12 = x2.fma(w1, a12); a13 = x3.fma(w1, a13);
            FloatVector w2 = FloatVector.broadcast(S, panel[2 * kc + i]);
            a20 = x0.fma(w2, a20); a21 = x1.fma(w2, a21); a22 = x2.fma(w2, a22); a23 = x3.fma(w2, a23);
            FloatVector w3 = FloatVector.broadcast(S, panel[3 * kc + i]);
            a30 = x0.fma(w3, a30); a31 = x1.fma(w3, a31); a32 = x2.fma(w3, a32); a33 = x3.fma(w3, a33);
        }
        a00.intoArray(acc, accOff); a01.intoArray(acc, accOff + L);
        a02.intoArray(acc, accOff + 2 * L); a03.intoArray(acc, accOff + 3 * L);
        a10.intoArray(acc, o1); a11.intoArray(acc, o1 + L);
        a12.intoArray(acc, o1 + 2 * L); a13.intoArray(acc, o1 + 3 * L);
        a20.intoArray(acc, o2); a21.intoArray(acc, o2 + L);
        a22.intoArray(acc, o2 + 2 * L); a23.intoArray(acc, o2 + 3 * L);
        a30.intoArray(acc, o3); a31.intoArray(acc, o3 + L);
        a32.intoArray(acc, o3 + 2 * L); a33.intoArray(acc, o3 + 3 * L);
    }

    /**
     * {@link #tileT4Pair} and the narrow last group ({@link #tileT4One}'s [kc][L] layout from
     * {@code xOffC}) in one tile: 20 accumulators, 5 token loads and 4 broadcasts per 20 FMAs,
     * where the narrow group alone takes 5 loads per 4 FMAs (73 rows, the serving pass at 64
     * clients: `ultramem bench kernels --case decode-gemm`). Per-lane FMA chains as
     * {@link #tileT4}'s, so the bits do not change.
     */
    private static void tileT4PairNarrow(float[] xP, int xOffA, int xOffB, int xOffC,
                                         float[] panel, int kc, float[] acc, int accOff, int lda,
                                         boolean first) {
        FloatVector a00, a01, a02, a03, a04, a10, a11, a12, a13, a14;
        FloatVector a20, a21, a22, a23, a24, a30, a31, a32, a33, a34;
        int o1 = accOff + lda;
        int o2 = accOff + 2 * lda;
        int o3 = accOff + 3 * lda;
        if (first) {
            a00 = FloatVector.zero(S);
            a01 = a00; a02 = a00; a03 = a00; a04 = a00; a10 = a00; a11 = a00; a12 = a00;
            a13 = a00; a14 = a00; a20 = a00; a21 = a00; a22 = a00; a23 = a00; a24 = a00;
            a30 = a00; a31 = a00; a32 = a00; a33 = a00; a34 = a00;
        } else {
            a00 = FloatVector.fromArray(S, acc, accOff);
            a01 = FloatVector.fromArray(S, acc, accOff + L);
            a02 = FloatVector.fromArray(S, acc, accOff + 2 * L);
            a03 = FloatVector.fromArray(S, acc, accOff + 3 * L);
            a04 = FloatVector.fromArray(S, acc, accOff + 4 * L);
            a10 = FloatVector.fromArray(S, acc, o1); a11 = FloatVector.fromArray(S, acc, o1 + L);
            a12 = FloatVector.fromArray(S, acc, o1 + 2 * L);
            a13 = FloatVector.fromArray(S, acc, o1 + 3 * L);
            a14 = FloatVector.fromArray(S, acc, o1 + 4 * L);
            a20 = FloatVector.fromArray(S, acc, o2); a21 = FloatVector.fromArray(S, acc, o2 + L);
            a22 = FloatVector.fromArray(S, acc, o2 + 2 * L);
            a23 = FloatVector.fromArray(S, acc, o2 + 3 * L);
            a24 = FloatVector.fromArray(S, acc, o2 + 4 * L);
            a30 = FloatVector.fromArray(S, acc, o3); a31 = FloatVector.fromArray(S, acc, o3 + L);
            a32 = FloatVector.fromArray(S, acc, o3 + 2 * L);
            a33 = FloatVector.fromArray(S, acc, o3 + 3 * L);
            a34 = FloatVector.fromArray(S, acc, o3 + 4 * L);
        }
        for (int i = 0; i < kc; i++) {
            int xa = xOffA + i * TT;
            int xb = xOffB + i * TT;
            FloatVector x0 = FloatVector.fromArray(S, xP, xa);
            FloatVector x1 = FloatVector.fromArray(S, xP, xa + L);
            FloatVector x2 = FloatVector.fromArray(S, xP, xb);
            FloatVector x3 = FloatVector.fromArray(S, xP, xb + L);
            FloatVector x4 = FloatVector.fromArray(S, xP, xOffC + i * L);
            FloatVector w0 = FloatVector.broadcast(S, panel[i]);
            a00 = x0.fma(w0, a00); a01 = x1.fma(w0, a01); a02 = x2.fma(w0, a02);
            a03 = x3.fma(w0, a03); a04 = x4.fma(w0, a04);
            FloatVector w1 = FloatVector.broadcast(S, panel[kc + i]);
            a10 = x0.fma(w1, a10); a11 = x1.fma(w1, a11); a12 = x2.fma(w1, a12);
            a13 = x3.fma(w1, a13); a14 = x4.fma(w1, a14);
            FloatVector w2 = FloatVector.broadcast(S, panel[2 * kc + i]);
            a20 = x0.fma(w2, a20); a21 = x1.fma(w2, a21); a22 = x2.fma(w2, a22);
            a23 = x3.fma(w2, a23); a24 = x4.fma(w2, a24);
            FloatVector w3 = FloatVector.broadcast(S, panel[3 * kc + i]);
            a30 = x0.fma(w3, a30); a31 = x1.fma(w3, a31); a32 = x2.fma(w3, a32);
            a33 = x3.fma(w3, a33); a34 = x4.fma(w3, a34);
        }
        a00.intoArray(acc, accOff); a01.intoArray(acc, accOff + L);
        a02.intoArray(acc, accOff + 2 * L); a03.intoArray(acc, accOff + 3 * L);
        a04.intoArray(acc, accOff + 4 * L);
        a10.intoArray(acc, o1); a11.intoArray(acc, o1 + L);
        a12.intoArray(acc, o1 + 2 * L); a13.intoArray(acc, o1 + 3 * L);
        a14.intoArray(acc, o1 + 4 * L);
        a20.intoArray(acc, o2); a21.intoArray(acc, o2 + L);
        a22.intoArray(acc, o2 + 2 * L); a23.intoArray(acc, o2 + 3 * L);
        a24.intoArray(acc, o2 + 4 * L);
        a30.intoArray(acc, o3); a31.intoArray(acc, o3 + L);
        a32.intoArray(acc, o3 + 2 * L); a33.intoArray(acc, o3 + 3 * L);
        a34.intoArray(acc, o3 + 4 * L);
    }

    /**
     * {@link #tileT4} for a group of one vector of tokens, xP [kc][L] from {@code xOff}: each
     * lane's FMA chain over k is the one {@link #tileT4} runs.
     */
    private static void tileT4One(float[] xP, int xOff, float[] panel, int kc, float[] acc,
                                  int accOff, int lda, boolean first) {
        FloatVector a0, a1, a2, a3;
        int o1 = accOff + lda;
        int o2 = accOff + 2 * lda;
        int o3 = accOff + 3 * lda;
        if (first) {
            a0 = FloatVector.zero(S);
            a1 = a0; a2 = a0; a3 = a0;
        } else {
            a0 = FloatVector.fromArray(S, acc, accOff); a1 = FloatVector.fromArray(S, acc, o1);
            a2 = FloatVector.fromArray(S, acc, o2); a3 = FloatVector.fromArray(S, acc, o3);
        }
        for (int i = 0; i < kc; i++) {
            FloatVector x0 = FloatVector.fromArray(S, xP, xOff + i * L);
            a0 = x0.fma(FloatVector.broadcast(S, panel[i]), a0);
            a1 = x0.fma(FloatVector.broadcast(S, panel[kc + i]), a1);
            a2 = x0.fma(FloatVector.broadcast(S, panel[2 * kc + i]), a2);
            a3 = x0.fma(FloatVector.broadcast(S, panel[3 * kc + i]), a3);
        }
        a0.intoArray(acc, accOff); a1.intoArray(acc, o1);
        a2.intoArray(acc, o2); a3.intoArray(acc, o3);
    }

    static FloatVector widen(MemorySegment w, long byteOff) {
        return bf16Bits((IntVector) ShortVector.fromMemorySegment(SS, w, byteOff, LE)
                .convertShape(VectorOperators.S2I, IS, 0));
    }

    // widen in two methods, each under C2's 35-byte MaxInlineSize so it is inlined whatever the
    // profile says (one 42-byte method could be called out of line, its vector boxed; Lanes.sum).
    private static FloatVector bf16Bits(IntVector i) {
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static void tile2x4Bf16(float[] out, int ob, int ldo, float[] x, int xb, int ldx,
                                    MemorySegment w, long wb, long rowBytes, int k,
                                    float[] staged) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long o = wb + 2L * i;
            FloatVector w0 = widen(w, o);
            FloatVector w1 = widen(w, o + rowBytes);
            FloatVector w2 = widen(w, o + 2 * rowBytes);
            FloatVector w3 = widen(w, o + 3 * rowBytes);
            FloatVector x0 = FloatVector.fromArray(S, x, xb + i);
            a00 = x0.fma(w0, a00); a01 = x0.fma(w1, a01); a02 = x0.fma(w2, a02); a03 = x0.fma(w3, a03);
            FloatVector x1 = FloatVector.fromArray(S, x, xb + ldx + i);
            a10 = x1.fma(w0, a10); a11 = x1.fma(w1, a11); a12 = x1.fma(w2, a12); a13 = x1.fma(w3, a13);
        }
        a00.intoArray(staged, 0); a01.intoArray(staged, L);
        a02.intoArray(staged, 2 * L); a03.intoArray(staged, 3 * L);
        a10.intoArray(staged, 4 * L); a11.intoArray(staged, 5 * L);
        a12.intoArray(staged, 6 * L); a13.intoArray(staged, 7 * L);
        storeSums(staged, out, ob, ldo, 2);
        tail4x4(out, ob, ldo, x, xb, ldx, w, wb, true, k, kv, 2);
    }

    private static void tile1x4F32(float[] out, int ob, float[] x, int xb, MemorySegment w,
                                   long wb, long rowBytes, int k) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long o = wb + 4L * i;
            FloatVector x0 = FloatVector.fromArray(S, x, xb + i);
            a0 = x0.fma(FloatVector.fromMemorySegment(S, w, o, LE), a0);
            a1 = x0.fma(FloatVector.fromMemorySegment(S, w, o + rowBytes, LE), a1);
            a2 = x0.fma(FloatVector.fromMemorySegment(S, w, o + 2 * rowBytes, LE), a2);
            a3 = x0.fma(FloatVector.fromMemorySegment(S, w, o + 3 * rowBytes, LE), a3);
        }
        out[ob] = Lanes.sum(a0);
        out[ob + 1] = Lanes.sum(a1);
        out[ob + 2] = Lanes.sum(a2);
        out[ob + 3] = Lanes.sum(a3);
        tail4x4(out, ob, 0, x, xb, 0, w, wb, false, k, kv, 1);
    }

    /**
     * The {@link #tile1x4F32} / {@link #tile1x4Bf16} tile with its four rows read one after the
     * other: each row's FMA chain and lane sum ({@link #dot} over the vector part) are the
     * tile's, and so is the k tail, so the bits are too.
     */
    private static void tile1x4RowByRow(float[] out, int ob, float[] x, int xb, MemorySegment w,
                                        long wb, long rowBytes, boolean bf16, int k) {
        int kv = k - k % L;
        for (int j = 0; j < 4; j++) {
            out[ob + j] = dot(x, xb, w, wb + j * rowBytes, bf16, kv);
        }
        tail4x4(out, ob, 0, x, xb, 0, w, wb, bf16, k, kv, 1);
    }

    private static void tile1x4Bf16(float[] out, int ob, float[] x, int xb, MemorySegment w,
                                    long wb, long rowBytes, int k, float[] staged) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long o = wb + 2L * i;
            FloatVector x0 = FloatVector.fromArray(S, x, xb + i);
            a0 = x0.fma(widen(w, o), a0);
            a1 = x0.fma(widen(w, o + rowBytes), a1);
            a2 = x0.fma(widen(w, o + 2 * rowBytes), a2);
            a3 = x0.fma(widen(w, o + 3 * rowBytes), a3);
        }
        a0.intoArray(staged, 0); a1.intoArray(staged, L);
        a2.intoArray(staged, 2 * L); a3.intoArray(staged, 3 * L);
        storeSums(staged, out, ob, 0, 1);
        tail4x4(out, ob, 0, x, xb, 0, w, wb, true, k, kv, 1);
    }

    /**
     * out[ob + t·ldo + j] = the lane sum of staged row 4t + j, t < tokens (1 or 2), j < 4, bit
     * for bit {@link Lanes#sum}: the bf16 tiles' accumulators, stored and reduced here. With a
     * {@code Lanes.sum} per accumulator inline, C2 spent the tiles' inlining budget and compiled
     * {@code tile2x4Bf16} with the Vector API's Java fallback, boxing every vector (JFR
     * allocation samples): the MoE model allocated 5,987-6,921 KB per batch-64 step in seven of
     * seven JVMs, 1,076-1,863 KB in four with this (`ultramem bench decode --batches 1,64
     * --precision bf16`, AVX2, 2026-12-07; where the rest comes from is not traced).
     */
    private static void storeSums(float[] staged, float[] out, int ob, int ldo, int tokens) {
        int rows = 4 * tokens;
        if (Lanes.supported()) {
            // Rows past `rows` hold stale sums; each lane's result depends on its row only.
            int last = (L - 1) * L;
            Lanes.sumRows(staged, staged, last, 1f);
            for (int r = 0; r < rows; r++) {
                out[ob + r / 4 * ldo + r % 4] = staged[last + r];
            }
        } else {
            for (int r = 0; r < rows; r++) {
                out[ob + r / 4 * ldo + r % 4] = Lanes.sumInPlace(staged, r * L);
            }
        }
    }

    /** Adds the scalar k tail [kv, k) into a tokens×4 tile already holding the vector sums. */
    private static void tail4x4(float[] out, int ob, int ldo, float[] x, int xb, int ldx,
                                MemorySegment w, long wb, boolean bf16, int k, int kv, int tokens) {
        if (kv == k) {
            return;
        }
        for (int t = 0; t < tokens; t++) {
            for (int j = 0; j < 4; j++) {
                float acc = 0;
                for (int i = kv; i < k; i++) {
                    acc += x[xb + t * ldx + i] * GemvScalar.load(w, wb, (long) j * k + i, bf16);
                }
                out[ob + t * ldo + j] += acc;
            }
        }
    }

    /** One dot product x[xb ..] · W row at byte offset wb, vector body and scalar tail. */
    static float dot(float[] x, int xb, MemorySegment w, long wb, boolean bf16, int k) {
        FloatVector acc = FloatVector.zero(S);
        int kv = k - k % L;
        if (bf16) {
            for (int i = 0; i < kv; i += L) {
                acc = FloatVector.fromArray(S, x, xb + i).fma(widen(w, wb + 2L * i), acc);
            }
        } else {
            for (int i = 0; i < kv; i += L) {
                acc = FloatVector.fromArray(S, x, xb + i)
                        .fma(FloatVector.fromMemorySegment(S, w, wb + 4L * i, LE), acc);
            }
        }
        float sum = Lanes.sum(acc);
        for (int i = kv; i < k; i++) {
            sum += x[xb + i] * GemvScalar.load(w, wb, i, bf16);
        }
        return sum;
    }

    /** out[outOff + i] = bf16 row widened, vector body and scalar tail. */
    static void readRowBf16(float[] out, int outOff, MemorySegment w, long base, int n) {
        int nv = n - n % L;
        for (int i = 0; i < nv; i += L) {
            widen(w, base + 2L * i).intoArray(out, outOff + i);
        }
        for (int i = nv; i < n; i++) {
            out[outOff + i] = GemvScalar.load(w, base, i, true);
        }
    }
}
