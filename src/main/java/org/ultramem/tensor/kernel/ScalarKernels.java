package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Plain-loop {@link Kernels}: the numerical reference every fast kernel is tested against, and the
 * fallback when the Vector API is missing (llm.c's {@code _naive} functions play both roles).
 * Loops are written for clarity first; the heavy ones (matmul, attention, cross-entropy, norms,
 * AdamW) are split over {@link Parallel} by output rows, so results do not depend on thread count.
 */
public final class ScalarKernels implements Kernels {

    static final ScalarKernels INSTANCE = new ScalarKernels();

    ScalarKernels() {
    }

    @Override
    public void matmul(boolean transA, boolean transB, int m, int n, int k,
                       float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                       float[] c, int cOff, int ldc, boolean accumulate) {
        KernelChecks.matmul(transA, transB, m, n, k, a, aOff, lda, b, bOff, ldb, c, cOff, ldc);
        if (m == 0 || n == 0) {
            return;
        }
        int minRows = Math.max(1, (1 << 16) / Math.max(1, n * Math.max(1, k)));
        Parallel.forRange(m, minRows, (i0, i1) -> {
            float[] acc = new float[n];
            for (int i = i0; i < i1; i++) {
                Arrays.fill(acc, 0f);
                for (int p = 0; p < k; p++) {
                    float aip = transA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    if (transB) {
                        for (int j = 0; j < n; j++) {
                            acc[j] += aip * b[bOff + j * ldb + p];
                        }
                    } else {
                        int row = bOff + p * ldb;
                        for (int j = 0; j < n; j++) {
                            acc[j] += aip * b[row + j];
                        }
                    }
                }
                int ci = cOff + i * ldc;
                for (int j = 0; j < n; j++) {
                    c[ci + j] = accumulate ? c[ci + j] + acc[j] : acc[j];
                }
            }
        });
    }

    @Override
    public float dot(float[] a, int aOff, float[] b, int bOff, int n) {
        float s = 0f;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    @Override
    public void axpy(float[] y, int yOff, float alpha, float[] x, int xOff, int n) {
        for (int i = 0; i < n; i++) {
            y[yOff + i] += alpha * x[xOff + i];
        }
    }

    @Override
    public void scale(float[] x, int off, float alpha, int n) {
        for (int i = 0; i < n; i++) {
            x[off + i] *= alpha;
        }
    }

    @Override
    public void add(float[] out, float[] a, float[] b, int n) {
        for (int i = 0; i < n; i++) {
            out[i] = a[i] + b[i];
        }
    }

    @Override
    public double sumOfSquares(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) {
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
                float rs = (float) (1.0 / Math.sqrt(sumOfSquares(x, base, dim) / dim + eps));
                rstd[r] = rs;
                for (int i = 0; i < dim; i++) {
                    out[base + i] = x[base + i] * rs * weight[i];
                }
            }
        });
    }

    @Override
    public void rmsNormBackward(float[] dx, float[] dWeight, float[] dOut, float[] x,
                                float[] weight, float[] rstd, int rows, int dim) {
        KernelChecks.rows("rmsNormBackward x", x, rows, dim);
        // dx rows are independent; dWeight reduces over rows, so it gets a column split (pass 2).
        Parallel.forRange(rows, 16, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * dim;
                float rs = rstd[r];
                double meanTerm = 0;
                for (int i = 0; i < dim; i++) {
                    meanTerm += (double) x[base + i] * rs * weight[i] * dOut[base + i];
                }
                float mean = (float) (meanTerm / dim);
                for (int i = 0; i < dim; i++) {
                    float xHat = x[base + i] * rs;
                    dx[base + i] += rs * (weight[i] * dOut[base + i] - xHat * mean);
                }
            }
        });
        Parallel.forRange(dim, 64, (c0, c1) -> {
            for (int r = 0; r < rows; r++) {
                int base = r * dim;
                float rs = rstd[r];
                for (int i = c0; i < c1; i++) {
                    dWeight[i] += dOut[base + i] * x[base + i] * rs;
                }
            }
        });
    }

    @Override
    public void softmaxRows(float[] x, int off, int rows, int cols) {
        KernelChecks.range("softmaxRows x", x, off, (long) rows * cols);
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, x[base + c]);
            }
            float sum = 0f;
            for (int c = 0; c < cols; c++) {
                float e = (float) Math.exp(x[base + c] - max);
                x[base + c] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int c = 0; c < cols; c++) {
                x[base + c] *= inv;
            }
        }
    }

    @Override
    public double crossEntropyForwardBackward(float[] logits, int[] targets, int rows, int vocab,
                                              float gradScale) {
        return crossEntropy(logits, targets, rows, vocab, gradScale, true);
    }

    @Override
    public double crossEntropyLoss(float[] logits, int[] targets, int rows, int vocab) {
        return crossEntropy(logits, targets, rows, vocab, 0f, false);
    }

    private double crossEntropy(float[] logits, int[] targets, int rows, int vocab, float gradScale,
                                boolean writeGrad) {
        KernelChecks.rows("cross-entropy logits", logits, rows, vocab);
        KernelChecks.targets(targets, rows, vocab);
        double[] rowLoss = new double[rows];
        Parallel.forRange(rows, 4, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                int base = r * vocab;
                int target = targets[r];
                if (target < 0) {
                    if (writeGrad) {
                        Arrays.fill(logits, base, base + vocab, 0f);
                    }
                    continue;
                }
                float max = Float.NEGATIVE_INFINITY;
                for (int c = 0; c < vocab; c++) {
                    max = Math.max(max, logits[base + c]);
                }
                float sum = 0f;
                for (int c = 0; c < vocab; c++) {
                    sum += (float) Math.exp(logits[base + c] - max);
                }
                rowLoss[r] = max + Math.log(sum) - logits[base + target];
                if (writeGrad) {
                    float inv = gradScale / sum;
                    for (int c = 0; c < vocab; c++) {
                        logits[base + c] = (float) Math.exp(logits[base + c] - max) * inv;
                    }
                    logits[base + target] -= gradScale;
                }
            }
        });
        double total = 0;
        for (double l : rowLoss) {
            total += l;
        }
        return total;
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
        int stride = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        Parallel.forRange(batch * heads, 1, (bh0, bh1) -> {
            for (int bh = bh0; bh < bh1; bh++) {
                int b = bh / heads;
                int col = (bh % heads) * headDim;
                for (int i = 0; i < seq; i++) {
                    int qi = (b * seq + i) * stride + col;
                    int pRow = (bh * seq + i) * seq;
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        float s = dot(q, qi, k, (b * seq + j) * stride + col, headDim) * scale;
                        probs[pRow + j] = s;
                        max = Math.max(max, s);
                    }
                    float sum = 0f;
                    for (int j = 0; j <= i; j++) {
                        float e = (float) Math.exp(probs[pRow + j] - max);
                        probs[pRow + j] = e;
                        sum += e;
                    }
                    float inv = 1f / sum;
                    Arrays.fill(out, qi, qi + headDim, 0f);
                    for (int j = 0; j <= i; j++) {
                        float p = probs[pRow + j] * inv;
                        probs[pRow + j] = p;
                        axpy(out, qi, p, v, (b * seq + j) * stride + col, headDim);
                    }
                    Arrays.fill(probs, pRow + i + 1, pRow + seq, 0f);
                }
            }
        });
    }

    @Override
    public void causalAttentionBackward(float[] dq, float[] dk, float[] dv, float[] dOut,
                                        float[] probs, float[] q, float[] k, float[] v,
                                        int batch, int seq, int heads, int headDim) {
        KernelChecks.attention(probs, q, k, v, dOut, batch, seq, heads, headDim);
        int stride = heads * headDim;
        float scale = (float) (1.0 / Math.sqrt(headDim));
        // Each (batch, head) pair owns its columns of dq, dk, dv: a race-free output split.
        Parallel.forRange(batch * heads, 1, (bh0, bh1) -> {
            float[] dS = new float[seq];
            for (int bh = bh0; bh < bh1; bh++) {
                int b = bh / heads;
                int col = (bh % heads) * headDim;
                for (int i = 0; i < seq; i++) {
                    int oi = (b * seq + i) * stride + col;
                    int pRow = (bh * seq + i) * seq;
                    float rowDot = 0f;
                    for (int j = 0; j <= i; j++) {
                        int vj = (b * seq + j) * stride + col;
                        float dP = dot(dOut, oi, v, vj, headDim);
                        float p = probs[pRow + j];
                        dS[j] = dP;
                        rowDot += p * dP;
                        axpy(dv, vj, p, dOut, oi, headDim);
                    }
                    for (int j = 0; j <= i; j++) {
                        int kj = (b * seq + j) * stride + col;
                        float ds = probs[pRow + j] * (dS[j] - rowDot) * scale;
                        axpy(dq, oi, ds, k, kj, headDim);
                        axpy(dk, kj, ds, q, oi, headDim);
                    }
                }
            }
        });
    }

    @Override
    public void swigluForward(float[] out, float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-g)));
            out[i] = g * sig * up[i];
        }
    }

    @Override
    public void swigluBackward(float[] dGate, float[] dUp, float[] dOut, float[] gate, float[] up,
            int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            float sig = (float) (1.0 / (1.0 + Math.exp(-g)));
            float d = dOut[i];
            dGate[i] += d * up[i] * sig * (1f + g * (1f - sig));
            dUp[i] += d * g * sig;
        }
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
                int dst = ids[t] * dim;
                int src = t * dim;
                for (int c = c0; c < c1; c++) {
                    dTable[dst + c] += dOut[src + c];
                }
            }
        });
    }

    @Override
    public void adamw(float[] param, float[] grad, float[] m, float[] v, int off, int n,
                      float lr, float beta1, float beta2, float eps, float weightDecay,
                      float bc1, float bc2) {
        KernelChecks.range("adamw param", param, off, n);
        Parallel.forRange(n, 1 << 15, (s, e) -> adamwLoop(param, grad, m, v, off + s, e - s, 1f,
                1f, 1f, 1f, lr, beta1, beta2, eps, weightDecay, bc1, bc2));
    }

    @Override
    public void adamwScaled(float[] param, float[] grad, float[] m, float[] v, int off, int n,
                            float gradScale, float paramScale, float mScale, float vScale,
                            float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2) {
        KernelChecks.range("adamwScaled param", param, off, n);
        adamwLoop(param, grad, m, v, off, n, gradScale, paramScale, mScale, vScale, lr, beta1,
                beta2, eps, weightDecay, bc1, bc2);
    }

    /** The AdamW element loop of both entry points; unit scales leave every bit as it is. */
    private static void adamwLoop(float[] param, float[] grad, float[] m, float[] v, int off, int n,
                                  float gradScale, float paramScale, float mScale, float vScale,
                                  float lr, float beta1, float beta2, float eps, float weightDecay,
                                  float bc1, float bc2) {
        for (int i = off; i < off + n; i++) {
            float g = grad[i] * gradScale;
            float p = param[i] * paramScale;
            float mi = beta1 * (m[i] * mScale) + (1f - beta1) * g;
            float vi = beta2 * (v[i] * vScale) + (1f - beta2) * g * g;
            m[i] = mi;
            v[i] = vi;
            float update = (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps);
            param[i] = p - lr * (update + weightDecay * p);
        }
    }

    @Override
    public String toString() {
        return "ScalarKernels";
    }
    @Override
    public void topK(float[] scores, int off, int n, int k, int[] idx, int idxOff, float[] top,
                     int topOff) {
        TopK.selectScalar(scores, off, n, k, idx, idxOff, top, topOff);
    }

    @Override
    public void gatherWeightedSum(float[] out, int outOff, float[] table, int[] rows, float[] w,
                                  int[] slots, int slotsOff, int count, int segs, int seg) {
        GatherWeightedSum.weightedSumScalar(out, outOff, table, rows, w, slots, slotsOff, count,
                segs, seg);
    }

    @Override
    public void gatherDot(float[] out, int outOff, float[] x, int xOff, int xStride, float[] table,
                          int tableOff, int[] rows, int rowsOff, int count, int segs, int seg) {
        GatherWeightedSum.gatherDotScalar(out, outOff, x, xOff, xStride, table, tableOff, rows,
                rowsOff, count, segs, seg);
    }

    @Override
    public void axpyRows(float[] y, int yOff, float[] alpha, int alphaOff, float[] x, int[] xOffs,
                         int count, int n, boolean skipZero) {
        AxpyRows.scalar(y, yOff, alpha, alphaOff, x, xOffs, count, n, skipZero);
    }

    @Override
    public float dotAxpy(float[] y, int yOff, float alpha, float[] a, int aOff, float[] x,
                         int xOff, int n) {
        return GatherWeightedSum.dotAxpyScalar(y, yOff, alpha, a, aOff, x, xOff, n);
    }

    @Override
    public void keyScores(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq, int rows,
                          float[] packed, int pOff, int n, int d, int j0, int j1) {
        KeyScores.scores(false, out, outOff, ldo, q, qOff, ldq, rows, packed, pOff, n, d, j0, j1);
    }

    @Override
    public void segmentMatmulT(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx,
                               int rows, MemorySegment w, long wOff, boolean bf16, int n, int k) {
        SegmentKernels.matmulT(false, false, out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16,
                n, k);
    }

    @Override
    public void segmentMatmulTFewRows(float[] out, int outOff, int ldo, float[] x, int xOff,
                                      int ldx, int rows, MemorySegment w, long wOff, boolean bf16,
                                      int n, int k) {
        SegmentKernels.matmulT(false, true, out, outOff, ldo, x, xOff, ldx, rows, w, wOff, bf16,
                n, k);
    }

    @Override
    public void segmentReadRow(float[] out, int outOff, MemorySegment table, long base,
                               boolean bf16, int n) {
        SegmentKernels.readRow(false, out, outOff, table, base, bf16, n);
    }

    @Override
    public void segmentAttend(float[] out, int outOff, float[] q, int qOff, MemorySegment k,
                              MemorySegment v, long base, boolean bf16, int span, int hd,
                              float scale, float[] scores, int sOff) {
        SegmentKernels.attend(false, out, outOff, q, qOff, k, v, base, bf16, span, hd, scale,
                scores, sOff);
    }
}
