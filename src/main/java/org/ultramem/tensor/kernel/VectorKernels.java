package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Kernels} on the Vector API (Lucene's {@code Panama*} twin of {@link ScalarKernels}). Every
 * streaming op is a vector body plus a scalar tail and goes fully scalar below 2 × lanes; matmul is
 * the packed {@link Gemm}; attention is per-(batch, head) GEMMs on {@link VectorAttention}.
 *
 * <p>The species is {@code FloatVector.SPECIES_PREFERRED} (512 bits with AVX-512, 256 with AVX2),
 * or the width named by the system property {@code ultramem.vectorBits} (128, 256 or 512, parsed
 * by {@link KernelProvider}). A width above the CPU's is honoured too, with a note on stderr: the
 * Vector API then emulates it, correct but many times slower, which is what the kernel tests
 * need to cover 512-bit code paths on an AVX2 machine (Lucene's {@code tests.vectorsize}). It
 * must be a {@code static final} constant: C2 only intrinsifies vector ops whose species it can
 * fold.
 */
public final class VectorKernels implements Kernels {

    static final VectorSpecies<Float> SPECIES = chooseSpecies();
    private static final int L = SPECIES.length();

    /** Public no-arg constructor for {@link KernelProvider}'s reflective lookup. */
    public VectorKernels() {
        if (L < 4) {
            throw new UnsupportedOperationException("vector species " + SPECIES
                    + " has fewer than 4 float lanes; the scalar kernels are faster here");
        }
    }

    /** The species {@link KernelProvider} asks for ({@code ultramem.vectorBits}, or the CPU's). */
    private static VectorSpecies<Float> chooseSpecies() {
        int bits = KernelProvider.requestedVectorBits();
        if (bits == 0) {
            return FloatVector.SPECIES_PREFERRED;
        }
        int cpu = FloatVector.SPECIES_PREFERRED.vectorBitSize();
        if (bits > cpu) {
            System.err.println("ultramem: " + KernelProvider.VECTOR_BITS_KEY + "=" + bits
                    + " is wider than this CPU's " + cpu + "-bit vectors; the Vector API emulates"
                    + " it (correct, many times slower); leave it unset for speed");
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }

    @Override
    public void matmul(boolean transA, boolean transB, int m, int n, int k,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        KernelChecks.matmul(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        Gemm.matmul(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc, accumulate);
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        return dotBody(a, aOff, b, bOff, n);
    }

    /** Σ a[aOff+i]·b[bOff+i]: four independent accumulators, reduced in a fixed order. */
    static float dotBody(float[] a, int aOff, float[] b, int bOff, int n) {
        int i = 0;
        float s = 0f;
        if (n >= 2 * L) {
            FloatVector acc0 = FloatVector.zero(SPECIES);
            FloatVector acc1 = FloatVector.zero(SPECIES);
            FloatVector acc2 = FloatVector.zero(SPECIES);
            FloatVector acc3 = FloatVector.zero(SPECIES);
            for (; i <= n - 4 * L; i += 4 * L) {
                acc0 = FloatVector.fromArray(SPECIES, a, aOff + i)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
                acc1 = FloatVector.fromArray(SPECIES, a, aOff + i + L)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + i + L), acc1);
                acc2 = FloatVector.fromArray(SPECIES, a, aOff + i + 2 * L)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * L), acc2);
                acc3 = FloatVector.fromArray(SPECIES, a, aOff + i + 3 * L)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * L), acc3);
            }
            for (; i <= n - L; i += L) {
                acc0 = FloatVector.fromArray(SPECIES, a, aOff + i)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + i), acc0);
            }
            s = Lanes.sum(acc0.add(acc1).add(acc2.add(acc3)));
        }
        for (; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** Σ b[bOff+p]·a[aOff+p·aStride] for p < n; contiguous a takes the vector body. */
    static float dotStrided(float[] b, int bOff, float[] a, int aOff, int aStride, int n) {
        if (aStride == 1) {
            return dotBody(a, aOff, b, bOff, n);
        }
        float s = 0f;
        for (int p = 0; p < n; p++) {
            s += a[aOff + p * aStride] * b[bOff + p];
        }
        return s;
    }

    @Override
    public void axpy(float[] y, int yOff, float alpha, float[] x, int xOff, int n) {
        axpyBody(y, yOff, alpha, x, xOff, n);
    }

    static void axpyBody(float[] y, int yOff, float alpha, float[] x, int xOff, int n) {
        int i = 0;
        if (n >= 2 * L) {
            FloatVector va = FloatVector.broadcast(SPECIES, alpha);
            for (; i <= n - L; i += L) {
                FloatVector.fromArray(SPECIES, x, xOff + i)
                        .fma(va, FloatVector.fromArray(SPECIES, y, yOff + i))
                        .intoArray(y, yOff + i);
            }
        }
        for (; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, float alpha, int n) {
        int i = 0;
        if (n >= 2 * L) {
            for (; i <= n - L; i += L) {
                FloatVector.fromArray(SPECIES, x, off + i).mul(alpha).intoArray(x, off + i);
            }
        }
        for (; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        int i = 0;
        if (n >= 2 * L) {
            for (; i <= n - L; i += L) {
                FloatVector.fromArray(SPECIES, a, i).add(FloatVector.fromArray(SPECIES, b, i))
                        .intoArray(out, i);
            }
        }
        for (; i < n; i++) {
            out[i] = a[i] + b[i];
        }
    }

    /**
     * Σ x² in double: four float-vector accumulators (FMA latency needs ≥ 4 in flight to stream at
     * memory speed) sum 64-vector slices; each slice is reduced and added in double, so the double
     * accumulator carries the long sum and float error stays bounded by one slice.
     */
    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        return sumOfSquaresBody(x, off, n);
    }

    static double sumOfSquaresBody(float[] x, int off, int n) {
        int i = 0;
        double s = 0;
        if (n >= 2 * L) {
            int slice = 64 * L;
            for (; i <= n - slice; i += slice) {
                FloatVector acc0 = FloatVector.zero(SPECIES);
                FloatVector acc1 = FloatVector.zero(SPECIES);
                FloatVector acc2 = FloatVector.zero(SPECIES);
                FloatVector acc3 = FloatVector.zero(SPECIES);
                for (int j = i; j < i + slice; j += 4 * L) {
                    FloatVector v0 = FloatVector.fromArray(SPECIES, x, off + j);
                    FloatVector v1 = FloatVector.fromArray(SPECIES, x, off + j + L);
                    FloatVector v2 = FloatVector.fromArray(SPECIES, x, off + j + 2 * L);
                    FloatVector v3 = FloatVector.fromArray(SPECIES, x, off + j + 3 * L);
                    acc0 = v0.fma(v0, acc0);
                    acc1 = v1.fma(v1, acc1);
                    acc2 = v2.fma(v2, acc2);
                    acc3 = v3.fma(v3, acc3);
                }
                s += Lanes.sum(acc0.add(acc1).add(acc2.add(acc3)));
            }
            FloatVector acc = FloatVector.zero(SPECIES);
            for (; i <= n - L; i += L) {
                FloatVector v = FloatVector.fromArray(SPECIES, x, off + i);
                acc = v.fma(v, acc);
            }
            s += Lanes.sum(acc);
        }
        for (; i < n; i++) {
            double v = x[off + i];
            s += v * v;
        }
        return s;
    }

    @Override
    public void rmsNormForward(float[] out, float[] rstd, float[] x, float[] weight, int rows,
                               int dim, float eps) {
        KernelChecks.rows("rmsNorm x", x, rows, dim);
        Parallel.forRange(rows, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * dim;
                float rs = (float) (1.0 / Math.sqrt(sumOfSquaresBody(x, base, dim) / dim + eps));
                rstd[r] = rs;
                int i = 0;
                if (dim >= 2 * L) {
                    for (; i <= dim - L; i += L) {
                        FloatVector.fromArray(SPECIES, x, base + i).mul(rs)
                                .mul(FloatVector.fromArray(SPECIES, weight, i))
                                .intoArray(out, base + i);
                    }
                }
                for (; i < dim; i++) {
                    out[base + i] = x[base + i] * rs * weight[i];
                }
            }
        });
    }

    @Override
    public void rmsNormBackward(float[] dx, float[] dWeight, float[] dOut, float[] x,
                                float[] weight, float[] rstd, int rows, int dim) {
        KernelChecks.rows("rmsNormBackward x", x, rows, dim);
        Parallel.forRange(rows, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                rmsNormBackwardRow(dx, dOut, x, weight, rstd[r], r * dim, dim);
            }
        });
        // dWeight reduces over rows: split by columns so each column sums its rows in order.
        Parallel.forRange(dim, 64, (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                int base = r * dim;
                float rs = rstd[r];
                int i = c0;
                if (c1 - c0 >= 2 * L) {
                    for (; i <= c1 - L; i += L) {
                        FloatVector.fromArray(SPECIES, dOut, base + i)
                                .mul(FloatVector.fromArray(SPECIES, x, base + i)).mul(rs)
                                .add(FloatVector.fromArray(SPECIES, dWeight, i))
                                .intoArray(dWeight, i);
                    }
                }
                for (; i < c1; i++) {
                    dWeight[i] += dOut[base + i] * x[base + i] * rs;
                }
            }
        });
    }

    private static void rmsNormBackwardRow(float[] dx, float[] dOut, float[] x, float[] weight,
                                           float rs, int base, int dim) {
        int i = 0;
        double meanTerm = 0;
        if (dim >= 2 * L) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (; i <= dim - L; i += L) {
                FloatVector gw = FloatVector.fromArray(SPECIES, weight, i)
                        .mul(FloatVector.fromArray(SPECIES, dOut, base + i));
                acc = FloatVector.fromArray(SPECIES, x, base + i).fma(gw, acc);
            }
            meanTerm = (double) Lanes.sum(acc) * rs;
        }
        for (int j = i; j < dim; j++) {
            meanTerm += (double) x[base + j] * rs * weight[j] * dOut[base + j];
        }
        float mean = (float) (meanTerm / dim);
        i = 0;
        if (dim >= 2 * L) {
            for (; i <= dim - L; i += L) {
                FloatVector gw = FloatVector.fromArray(SPECIES, weight, i)
                        .mul(FloatVector.fromArray(SPECIES, dOut, base + i));
                FloatVector xHat = FloatVector.fromArray(SPECIES, x, base + i).mul(rs);
                gw.sub(xHat.mul(mean)).mul(rs)
                        .add(FloatVector.fromArray(SPECIES, dx, base + i)).intoArray(dx, base + i);
            }
        }
        for (; i < dim; i++) {
            float xHat = x[base + i] * rs;
            dx[base + i] += rs * (weight[i] * dOut[base + i] - xHat * mean);
        }
    }

    @Override
    public void softmaxRows(float[] x, int off, int rows, int cols) {
        KernelChecks.range("softmaxRows x", x, off, (long) rows * cols);
        for (int r = 0; r < rows; r++) {
            VectorRows.softmax(x, off + r * cols, cols);
        }
    }

    @Override
    public double crossEntropyForwardBackward(float[] logits, int[] targets, int rows, int vocab,
                                              float gradScale) {
        return VectorRows.crossEntropy(logits, targets, rows, vocab, gradScale, true);
    }

    @Override
    public double crossEntropyLoss(float[] logits, int[] targets, int rows, int vocab) {
        return VectorRows.crossEntropy(logits, targets, rows, vocab, 0f, false);
    }

    @Override
    public void rope(float[] x, int tokens, int heads, int headDim, int[] positions, float theta,
                     boolean inverse) {
        Rope.apply(x, tokens, heads, headDim, positions, theta, inverse);
    }

    @Override
    public void causalAttentionForward(float[] out, float[] probs, float[] q, float[] k, float[] v,
                                       int batch, int seq, int heads, int headDim) {
        KernelChecks.attention(probs, q, k, v, out, batch, seq, heads, headDim);
        VectorAttention.forward(out, probs, q, k, v, batch, seq, heads, headDim);
    }

    @Override
    public void causalAttentionBackward(float[] dq, float[] dk, float[] dv, float[] dOut,
                                        float[] probs, float[] q, float[] k, float[] v,
                                        int batch, int seq, int heads, int headDim) {
        KernelChecks.attention(probs, q, k, v, dOut, batch, seq, heads, headDim);
        VectorAttention.backward(dq, dk, dv, dOut, probs, q, k, v, batch, seq, heads, headDim);
    }

    @Override
    public void swigluForward(float[] out, float[] gate, float[] up, int n) {
        Parallel.forRange(elementBlocks(n), ELEMENT_BLOCKS_PER_TASK, (b0, b1) ->
                VectorRows.swigluForward(out, gate, up, b0 * ELEMENT_BLOCK,
                        Math.min(n, b1 * ELEMENT_BLOCK)));
    }

    @Override
    public void swigluBackward(float[] dGate, float[] dUp, float[] dOut, float[] gate, float[] up,
            int n) {
        Parallel.forRange(elementBlocks(n), ELEMENT_BLOCKS_PER_TASK, (b0, b1) ->
                VectorRows.swigluBackward(dGate, dUp, dOut, gate, up, b0 * ELEMENT_BLOCK,
                        Math.min(n, b1 * ELEMENT_BLOCK)));
    }

    /**
     * Element-wise kernels split [0, n) into blocks of this many elements (a multiple of every
     * lane count), so each element's arithmetic, and its bits, do not depend on the split. On one
     * thread SwiGLU took 4-5% of a family training step's samples while the other core waited
     * (JFR on `bench train --config configs/family-{dense,ultramem}.json`).
     */
    static final int ELEMENT_BLOCK = 1024;
    /** Fewest blocks a thread takes: below 2 x 16k elements a call stays on one thread. */
    static final int ELEMENT_BLOCKS_PER_TASK = 16;

    static int elementBlocks(int n) {
        return (n + ELEMENT_BLOCK - 1) / ELEMENT_BLOCK;
    }

    @Override
    public void gatherRows(float[] out, float[] table, int[] ids, int count, int dim) {
        KernelChecks.ids("gatherRows", ids, count,
                dim == 0 ? Integer.MAX_VALUE : table.length / dim);
        for (int t = 0; t < count; t++) {
            System.arraycopy(table, ids[t] * dim, out, t * dim, dim);
        }
    }

    @Override
    public void scatterAddRows(float[] dTable, float[] dOut, int[] ids, int count, int dim) {
        KernelChecks.ids("scatterAddRows", ids, count,
                dim == 0 ? Integer.MAX_VALUE : dTable.length / dim);
        // Split by columns: every thread visits all tokens in order, so duplicates add race-free.
        Parallel.forRange(dim, 256, (c0, c1) -> {
            for (int t = 0; t < count; t++) {
                axpyBody(dTable, ids[t] * dim + c0, 1f, dOut, t * dim + c0, c1 - c0);
            }
        });
    }

    @Override
    public void adamw(float[] param, float[] grad, float[] m, float[] v, int off, int n,
                      float lr, float beta1, float beta2, float eps, float weightDecay,
                      float bc1, float bc2) {
        KernelChecks.range("adamw param", param, off, n);
        Parallel.forRange(n, 1 << 15, (s, e) ->
                VectorRows.adamw(param, grad, m, v, off + s, e - s, lr, beta1, beta2, eps,
                        weightDecay, bc1, bc2));
    }

    @Override
    public void adamwScaled(float[] param, float[] grad, float[] m, float[] v, int off, int n,
                            float gradScale, float paramScale, float mScale, float vScale,
                            float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2) {
        KernelChecks.range("adamwScaled param", param, off, n);
        VectorRows.adamwScaled(param, grad, m, v, off, n, gradScale, paramScale, mScale, vScale,
                lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    }

    @Override
    public void topK(float[] scores, int off, int n, int k, int[] idx, int idxOff, float[] top,
                     int topOff) {
        TopK.selectVector(scores, off, n, k, idx, idxOff, top, topOff);
    }

    @Override
    public void gatherWeightedSum(float[] out, int outOff, float[] table, int[] rows, float[] w,
                                  int[] slots, int slotsOff, int count, int segs, int seg) {
        GatherWeightedSum.weightedSumVector(out, outOff, table, rows, w, slots, slotsOff, count,
                segs, seg);
    }

    @Override
    public void gatherDot(float[] out, int outOff, float[] x, int xOff, int xStride, float[] table,
                          int tableOff, int[] rows, int rowsOff, int count, int segs, int seg) {
        GatherWeightedSum.gatherDotVector(out, outOff, x, xOff, xStride, table, tableOff, rows,
                rowsOff, count, segs, seg);
    }

    @Override
    public void axpyRows(float[] y, int yOff, float[] alpha, int alphaOff, float[] x, int[] xOffs,
                         int count, int n, boolean skipZero) {
        AxpyRows.vector(y, yOff, alpha, alphaOff, x, xOffs, count, n, skipZero);
    }

    @Override
    public float dotAxpy(float[] y, int yOff, float alpha, float[] a, int aOff, float[] x,
                         int xOff, int n) {
        return GatherWeightedSum.dotAxpyVector(y, yOff, alpha, a, aOff, x, xOff, n);
    }

    @Override
    public void keyScores(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq, int rows,
                          float[] packed, int pOff, int n, int d, int j0, int j1) {
        KeyScores.scores(true, out, outOff, ldo, q, qOff, ldq, rows, packed, pOff, n, d, j0, j1);
    }

    @Override
    public void segmentMatmulT(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx,
                               int rows, MemorySegment w, long wOff, boolean bf16, int n, int k) {
        SegmentKernels.matmulT(true, false, out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16,
                n, k);
    }

    @Override
    public void segmentMatmulTFewRows(float[] out, int outOff, int ldo, float[] x, int xOff,
                                      int ldx, int rows, MemorySegment w, long wOff, boolean bf16,
                                      int n, int k) {
        SegmentKernels.matmulT(true, true, out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16,
                n, k);
    }

    @Override
    public void segmentReadRow(float[] out, int outOff, MemorySegment table, long base,
                               boolean bf16, int n) {
        SegmentKernels.readRow(true, out, outOff, table, base, bf16, n);
    }

    @Override
    public void segmentAttend(float[] out, int outOff, float[] q, int qOff, MemorySegment k,
                              MemorySegment v, long base, boolean bf16, int span, int hd,
                              float scale, float[] scores, int sOff) {
        SegmentKernels.attend(true, out, outOff, q, qOff, k, v, base, bf16, span, hd, scale, scores,
                sOff);
    }

    /** Names the species in use, for logs and bench reports. */
    @Override
    public String toString() {
        return "VectorKernels[" + SPECIES.vectorBitSize() + "-bit, " + L + " float lanes]";
    }
}
