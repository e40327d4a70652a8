package org.ultramem.tensor.kernel;

import java.lang.foreign.MemorySegment;

/**
 * The numeric vocabulary every layer is written in: fp32 kernels over row-major {@code float[]}
 * buffers addressed by an offset. Two implementations exist, {@link ScalarKernels} (plain loops:
 * the reference and the fallback) and {@link VectorKernels} (Vector API); {@link KernelProvider}
 * chooses once and hands out both. Besides the layer kernels, the vocabulary holds the retrieval
 * kernels of the memory layers ({@link #topK}, {@link #gatherWeightedSum}, {@link #gatherDot},
 * {@link #dotAxpy}, {@link #keyScores}) and the decode kernels over weights in
 * {@link MemorySegment}s ({@code segment*}), so a test can swap every SIMD body at once by passing
 * another {@code Kernels}. Conventions shared by every method:
 * <ul>
 *   <li>Arguments go outputs first, then inputs, then sizes.</li>
 *   <li>Methods named {@code ...Backward} add ({@code +=}) into their gradient outputs; every other
 *       method overwrites ({@code =}) its outputs unless it takes {@code accumulate}.</li>
 *   <li>Results do not depend on the number of threads: work is split by output blocks and every
 *       output element is reduced by one thread in a fixed order.</li>
 *   <li>NaN and infinity propagate as IEEE arithmetic says; nothing is clamped.</li>
 * </ul>
 */
public interface Kernels {

    /**
     * General matrix multiply, BLAS-style, row-major: {@code C[m,n] (+)= op(A)[m,k] · op(B)[k,n]}.
     * op(A) = A stored [m][lda] when {@code !transA}, Aᵀ with A stored [k][lda] when {@code transA};
     * likewise B stored [k][ldb] or [n][ldb]. C is stored [m][ldc]. Covers A·B, A·Bᵀ and Aᵀ·B.
     * With {@code accumulate} false C is overwritten, else added to. Multi-threaded.
     */
    void matmul(boolean transA, boolean transB, int m, int n, int k,
                float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                float[] c, int cOff, int ldc, boolean accumulate);

    /** Σ a[aOff+i]·b[bOff+i] for i < n, accumulated in float in a fixed order. */
    float dot(float[] a, int aOff, float[] b, int bOff, int n);

    /** y[yOff+i] += alpha · x[xOff+i] for i < n. */
    void axpy(float[] y, int yOff, float alpha, float[] x, int xOff, int n);

    /** x[off+i] *= alpha for i < n. */
    void scale(float[] x, int off, float alpha, int n);

    /** out[i] = a[i] + b[i] for i < n (all from offset 0); out may alias a or b. */
    void add(float[] out, float[] a, float[] b, int n);

    /** Σ x[off+i]² for i < n, accumulated in double. */
    double sumOfSquares(float[] x, int off, int n);

    /**
     * RMSNorm forward over {@code rows} rows of width {@code dim}:
     * out[r,:] = x[r,:] · rstd[r] ⊙ weight, rstd[r] = 1/sqrt(mean(x[r,:]²) + eps).
     * out: [rows, dim], rstd: [rows] (saved for backward), x: [rows, dim], weight: [dim].
     */
    void rmsNormForward(float[] out, float[] rstd, float[] x, float[] weight, int rows, int dim, float eps);

    /**
     * RMSNorm backward. dx[r,:] += rstd·(g⊙dOut − x̂·mean(x̂⊙g⊙dOut)) with x̂ = x·rstd;
     * dWeight += Σ_r dOut[r,:] ⊙ x̂[r,:]. dx: [rows, dim], dWeight: [dim].
     */
    void rmsNormBackward(float[] dx, float[] dWeight, float[] dOut, float[] x, float[] weight,
                         float[] rstd, int rows, int dim);

    /** In-place numerically stable softmax of each row: x[off + r·cols + c], r < rows, c < cols. */
    void softmaxRows(float[] x, int off, int rows, int cols);

    /**
     * Fused softmax cross-entropy over logits rows. logits: [rows, vocab], overwritten with
     * d(loss)/d(logits) · gradScale, i.e. (softmax − onehot(target)) · gradScale.
     * Rows whose target is negative are ignored (their gradient is zero).
     * Returns the summed (not averaged) negative log-likelihood in nats, in double.
     */
    double crossEntropyForwardBackward(float[] logits, int[] targets, int rows, int vocab, float gradScale);

    /** Summed negative log-likelihood of logits rows (no gradient); logits are left unchanged. */
    double crossEntropyLoss(float[] logits, int[] targets, int rows, int vocab);

    /**
     * Rotary position embedding, in place, GPT-NeoX half-split pairing (i, i + headDim/2).
     * x: [tokens, heads·headDim]; token t has position positions[t].
     * Angle for pair i: position · theta^(−2i/headDim). {@code inverse} rotates by −angle (backward).
     */
    void rope(float[] x, int tokens, int heads, int headDim, int[] positions, float theta, boolean inverse);

    /**
     * Causal multi-head self-attention forward. q, k, v, out: [batch·seq, heads·headDim]
     * (token-major, head h at columns h·headDim). probs: [batch, heads, seq, seq] softmax weights
     * saved for backward (entries above the diagonal are 0). Scale 1/sqrt(headDim).
     */
    void causalAttentionForward(float[] out, float[] probs, float[] q, float[] k, float[] v,
                                int batch, int seq, int heads, int headDim);

    /** Causal attention backward: adds into dq, dk, dv (shapes as q, k, v). */
    void causalAttentionBackward(float[] dq, float[] dk, float[] dv, float[] dOut, float[] probs,
                                 float[] q, float[] k, float[] v, int batch, int seq, int heads, int headDim);

    /** SwiGLU forward: out[i] = silu(gate[i]) · up[i], silu(z) = z·σ(z). */
    void swigluForward(float[] out, float[] gate, float[] up, int n);

    /** SwiGLU backward: dGate[i] += dOut·up·σ(g)(1+g(1−σ(g))), dUp[i] += dOut·silu(g). */
    void swigluBackward(float[] dGate, float[] dUp, float[] dOut, float[] gate, float[] up, int n);

    /** Embedding gather: out[t,:] = table[ids[t],:] for t < count; out: [count, dim]. */
    void gatherRows(float[] out, float[] table, int[] ids, int count, int dim);

    /** Embedding scatter-add: dTable[ids[t],:] += dOut[t,:] for t < count (duplicates add). */
    void scatterAddRows(float[] dTable, float[] dOut, int[] ids, int count, int dim);

    /**
     * One AdamW step on param[off .. off+n) with decoupled weight decay:
     * m = b1·m + (1−b1)·g; v = b2·v + (1−b2)·g²; p −= lr·(m/bc1 / (sqrt(v/bc2) + eps) + wd·p),
     * where bc1 = 1 − b1^t and bc2 = 1 − b2^t are passed in. grad, m, v share the offset.
     */
    void adamw(float[] param, float[] grad, float[] m, float[] v, int off, int n,
               float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2);

    /**
     * One lazily updated row: first the catch-up and clip scales, param·=paramScale,
     * m·=mScale, v·=vScale, g = grad·gradScale (grad itself is left as it is), then the
     * {@link #adamw} step on [off, off+n) with that g. Equals {@link #scale} on param, m, v and
     * grad followed by {@link #adamw}, bit for bit (scales of 1 change nothing), in one pass
     * over the row instead of five. Serial: callers split rows over the threads.
     */
    void adamwScaled(float[] param, float[] grad, float[] m, float[] v, int off, int n,
                     float gradScale, float paramScale, float mScale, float vScale, float lr,
                     float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2);

    // ---- retrieval kernels of the memory layers (bodies in TopK, GatherWeightedSum, KeyScores)

    /**
     * Top-{@code k} of {@code scores[off .. off+n)}: indices (relative to {@code off}) into
     * {@code idx[idxOff .. idxOff+k)} and their scores into {@code top[topOff .. topOff+k)}, sorted
     * by score descending, ties lower index first. Requires 1 ≤ k ≤ n. Both twins return identical
     * results (see {@link TopK} for NaN behaviour).
     */
    void topK(float[] scores, int off, int n, int k, int[] idx, int idxOff, float[] top,
              int topOff);

    /**
     * out[outOff + p·seg + d] = Σ_i w[s_i·segs + p] · table[rows[s_i]·segs·seg + p·seg + d] over
     * the {@code count} slots s_i = slots[slotsOff + i], in list order (see
     * {@link GatherWeightedSum}). The twins agree to rounding (fused multiply-adds).
     */
    void gatherWeightedSum(float[] out, int outOff, float[] table, int[] rows, float[] w,
                           int[] slots, int slotsOff, int count, int segs, int seg);

    /**
     * out[outOff + i·segs + p] = Σ_d x[xOff + p·xStride + d] ·
     * table[tableOff + rows[rowsOff + i]·segs·seg + p·seg + d] for i < count, p < segs (xStride
     * 0: one x against every segment).
     */
    void gatherDot(float[] out, int outOff, float[] x, int xOff, int xStride, float[] table,
                   int tableOff, int[] rows, int rowsOff, int count, int segs, int seg);

    /**
     * y[yOff+d] += alpha[alphaOff+i] · x[xOffs[i]+d] for i < count in list order, d < n, skipping
     * entries whose alpha is 0 when {@code skipZero}: exactly what {@code count} calls of
     * {@link #axpy} on the same twin do, bit for bit (see {@link AxpyRows}).
     */
    void axpyRows(float[] y, int yOff, float[] alpha, int alphaOff, float[] x, int[] xOffs,
                  int count, int n, boolean skipZero);

    /** Returns Σ a[aOff+d]·x[xOff+d] and does y[yOff+d] += alpha·x[xOff+d], d < n, in one pass. */
    float dotAxpy(float[] y, int yOff, float alpha, float[] a, int aOff, float[] x, int xOff,
                  int n);

    /**
     * Keys [j0, j1) of out [rows, ldo] = q [rows, d] · keysᵀ over n keys packed by
     * {@link KeyScores#pack} at {@code pOff}; j0 a multiple of {@link KeyScores#BLOCK}. Single-
     * threaded; both twins are one fused multiply-add chain per output, so equal bit for bit.
     */
    void keyScores(float[] out, int outOff, int ldo, float[] q, int qOff, int ldq, int rows,
                   float[] packed, int pOff, int n, int d, int j0, int j1);

    // ---- decode kernels over weights in memory segments (bodies in SegmentKernels)

    /**
     * out[outOff + r·ldo + j] = Σ_i x[xOff + r·ldx + i] · W[j, i] for r < rows, j < n, with W
     * [n, k] row-major at byte offset {@code wOff} of {@code w}, little-endian fp32 or bf16
     * (widened exactly, accumulated in fp32). Multi-threaded over column blocks; results do not
     * depend on the thread count.
     */
    void segmentMatmulT(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx, int rows,
                        MemorySegment w, long wOff, boolean bf16, int n, int k);

    /**
     * {@link #segmentMatmulT} for a product whose calls carry a few rows each (an MoE expert's
     * share of a step, ~3 rows at 64 clients): under a fixed {@code SegmentKernels.RowPath}
     * ({@code DOT} or {@code TRANSPOSED}) it takes the per-token dot tiles whatever the fixed
     * path, which are row-independent too but pad no rows (the transposed path pads every call to
     * a group of 2·lanes tokens); under {@code BY_ROWS} it is {@link #segmentMatmulT}.
     */
    void segmentMatmulTFewRows(float[] out, int outOff, int ldo, float[] x, int xOff, int ldx,
                               int rows, MemorySegment w, long wOff, boolean bf16, int n, int k);

    /** out[outOff + i] = row[i], i < n: the row at byte offset {@code base}, widened to fp32. */
    void segmentReadRow(float[] out, int outOff, MemorySegment table, long base, boolean bf16,
                        int n);

    /**
     * Decode attention of one query over one (sequence, head) slice of a KV cache:
     * out[outOff + d] = Σ_t p_t · V[t, d], p = softmax_t(scale · q·K[t]), t < span, K and V
     * [span, hd] at byte offset {@code base}; {@code scores[sOff ..]} is scratch and ends holding
     * p. Single-threaded. A NaN score makes the row's output NaN.
     */
    void segmentAttend(float[] out, int outOff, float[] q, int qOff, MemorySegment k,
                       MemorySegment v, long base, boolean bf16, int span, int hd, float scale,
                       float[] scores, int sOff);
}
