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
 * and, within a block, 2×4 register tiles (2 tokens × 4 weight rows, 8 accumulators; a 4×4 tile
 * spilled AVX2's 16 registers and ran ~10× slower) stream k.
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
    /** Weight rows per cache block: 32 rows of k ≤ 2048 floats is ≤ 256 KiB, inside L2. */
    static final int BLOCK = 32;

    private GemvVector() {
    }

    /** Rows [nStart, nEnd) of the output columns, single-threaded. */
    static void matmulT(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx, int rows,
                        MemorySegment w, long wOff, boolean bf16, int nStart, int nEnd, int k) {
        long es = bf16 ? 2 : 4;
        for (int n0 = nStart; n0 < nEnd; n0 += BLOCK) {
            int n1 = Math.min(nEnd, n0 + BLOCK);
            int r = 0;
            for (; r + 2 <= rows; r += 2) {
                int j = n0;
                for (; j + 4 <= n1; j += 4) {
                    long wb = wOff + (long) j * k * es;
                    int xb = xOff + r * ldx;
                    int ob = outOff + r * ldo + j;
                    if (bf16) {
                        tile2x4Bf16(out, ob, ldo, x, xb, ldx, w, wb, (long) k * 2, k);
                    } else {
                        tile2x4F32(out, ob, ldo, x, xb, ldx, w, wb, (long) k * 4, k);
                    }
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
                        tile1x4Bf16(out, ob, x, xOff + r * ldx, w, wb, (long) k * 2, k);
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

    /**
     * Columns [nStart, nEnd) of out [rows, n] = x · Wᵀ for a batch of tokens, from xT [k][ldt]
     * (x transposed; tokens padded with zeros to ldt, a multiple of {@link #TT}). Each 4-row tile
     * of W (kept in L1/L2) meets every TT-token group: per k step two xT vectors, four broadcast
     * W elements and 8 FMAs into 8 accumulators (11 of AVX2's 16 registers). No reduction
     * across lanes, no packing of W.
     */
    static void matmulTTransposed(float[] out, int outOff, int ldo, float[] xT, int ldt, int rows,
                                  MemorySegment w, long wOff, boolean bf16, int nStart, int nEnd,
                                  int k, float[] tile, float[] panel) {
        long rowBytes = (long) k * (bf16 ? 2 : 4);
        int j = nStart;
        for (; j + 4 <= nEnd; j += 4) {
            // The 4 W rows go to a heap panel first (bulk copy or bf16 widening): broadcasts
            // from the heap ran ~1.5x faster than per-element segment reads.
            for (int c = 0; c < 4; c++) {
                long wb = wOff + (j + c) * rowBytes;
                if (bf16) {
                    readRowBf16(panel, c * k, w, wb, k);
                } else {
                    MemorySegment.copy(w, GemvScalar.F32, wb, panel, c * k, k);
                }
            }
            for (int t0 = 0; t0 < rows; t0 += TT) {
                tileT4(xT, ldt, t0, panel, k, tile);
                scatterTile(out, outOff, ldo, j, 4, t0, rows, tile);
            }
        }
        for (; j < nEnd; j++) {
            long wb = wOff + j * rowBytes;
            for (int t0 = 0; t0 < rows; t0 += TT) {
                tileT1(xT, ldt, t0, w, wb, bf16, k, tile);
                scatterTile(out, outOff, ldo, j, 1, t0, rows, tile);
            }
        }
    }

    /** tile [4][TT] = panel [4, k] · xT[:, t0 .. t0+TT). */
    private static void tileT4(float[] xT, int ldt, int t0, float[] panel, int k, float[] tile) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a10 = a00, a11 = a00;
        FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
        for (int i = 0; i < k; i++) {
            int xo = i * ldt + t0;
            FloatVector x0 = FloatVector.fromArray(S, xT, xo);
            FloatVector x1 = FloatVector.fromArray(S, xT, xo + L);
            FloatVector w0 = FloatVector.broadcast(S, panel[i]);
            a00 = x0.fma(w0, a00); a01 = x1.fma(w0, a01);
            FloatVector w1 = FloatVector.broadcast(S, panel[k + i]);
            a10 = x0.fma(w1, a10); a11 = x1.fma(w1, a11);
            FloatVector w2 = FloatVector.broadcast(S, panel[2 * k + i]);
            a20 = x0.fma(w2, a20); a21 = x1.fma(w2, a21);
            FloatVector w3 = FloatVector.broadcast(S, panel[3 * k + i]);
            a30 = x0.fma(w3, a30); a31 = x1.fma(w3, a31);
        }
        a00.intoArray(tile, 0); a01.intoArray(tile, L);
        a10.intoArray(tile, TT); a11.intoArray(tile, TT + L);
        a20.intoArray(tile, 2 * TT); a21.intoArray(tile, 2 * TT + L);
        a30.intoArray(tile, 3 * TT); a31.intoArray(tile, 3 * TT + L);
    }

    /** One W row against one TT-token group (column edges). */
    private static void tileT1(float[] xT, int ldt, int t0, MemorySegment w, long wb,
                               boolean bf16, int k, float[] tile) {
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        for (int i = 0; i < k; i++) {
            int xo = i * ldt + t0;
            FloatVector wi = FloatVector.broadcast(S, GemvScalar.load(w, wb, i, bf16));
            a0 = FloatVector.fromArray(S, xT, xo).fma(wi, a0);
            a1 = FloatVector.fromArray(S, xT, xo + L).fma(wi, a1);
        }
        a0.intoArray(tile, 0);
        a1.intoArray(tile, L);
    }

    /** out[(t0 + t)·ldo + j + c] = tile[c·TT + t] for the group's real tokens. */
    private static void scatterTile(float[] out, int outOff, int ldo, int j, int cols, int t0,
                                    int rows, float[] tile) {
        int tokens = Math.min(TT, rows - t0);
        for (int t = 0; t < tokens; t++) {
            int o = outOff + (t0 + t) * ldo + j;
            for (int c = 0; c < cols; c++) {
                out[o + c] = tile[c * TT + t];
            }
        }
    }

    static FloatVector widen(MemorySegment w, long byteOff) {
        ShortVector s = ShortVector.fromMemorySegment(SS, w, byteOff, LE);
        IntVector i = (IntVector) s.convertShape(VectorOperators.S2I, IS, 0);
        return i.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static void tile2x4F32(float[] out, int ob, int ldo, float[] x, int xb, int ldx,
                                   MemorySegment w, long wb, long rowBytes, int k) {
        FloatVector a00 = FloatVector.zero(S), a01 = a00, a02 = a00, a03 = a00;
        FloatVector a10 = a00, a11 = a00, a12 = a00, a13 = a00;
        int kv = k - k % L;
        for (int i = 0; i < kv; i += L) {
            long o = wb + 4L * i;
            FloatVector w0 = FloatVector.fromMemorySegment(S, w, o, LE);
            FloatVector w1 = FloatVector.fromMemorySegment(S, w, o + rowBytes, LE);
            FloatVector w2 = FloatVector.fromMemorySegment(S, w, o + 2 * rowBytes, LE);
            FloatVector w3 = FloatVector.fromMemorySegment(S, w, o + 3 * rowBytes, LE);
            FloatVector x0 = FloatVector.fromArray(S, x, xb + i);
            a00 = x0.fma(w0, a00); a01 = x0.fma(w1, a01); a02 = x0.fma(w2, a02); a03 = x0.fma(w3, a03);
            FloatVector x1 = FloatVector.fromArray(S, x, xb + ldx + i);
            a10 = x1.fma(w0, a10); a11 = x1.fma(w1, a11); a12 = x1.fma(w2, a12); a13 = x1.fma(w3, a13);
        }
        store4(out, ob, a00, a01, a02, a03);
        store4(out, ob + ldo, a10, a11, a12, a13);
        tail4x4(out, ob, ldo, x, xb, ldx, w, wb, false, k, kv, 2);
    }

    private static void tile2x4Bf16(float[] out, int ob, int ldo, float[] x, int xb, int ldx,
                                    MemorySegment w, long wb, long rowBytes, int k) {
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
        store4(out, ob, a00, a01, a02, a03);
        store4(out, ob + ldo, a10, a11, a12, a13);
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
        store4(out, ob, a0, a1, a2, a3);
        tail4x4(out, ob, 0, x, xb, 0, w, wb, false, k, kv, 1);
    }

    private static void tile1x4Bf16(float[] out, int ob, float[] x, int xb, MemorySegment w,
                                    long wb, long rowBytes, int k) {
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
        store4(out, ob, a0, a1, a2, a3);
        tail4x4(out, ob, 0, x, xb, 0, w, wb, true, k, kv, 1);
    }

    private static void store4(float[] out, int o, FloatVector a0, FloatVector a1, FloatVector a2,
                               FloatVector a3) {
        out[o] = Lanes.sum(a0);
        out[o + 1] = Lanes.sum(a1);
        out[o + 2] = Lanes.sum(a2);
        out[o + 3] = Lanes.sum(a3);
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
