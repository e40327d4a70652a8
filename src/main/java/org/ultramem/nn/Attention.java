package org.ultramem.nn;

import java.util.Arrays;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Causal multi-head self-attention with rotary positions (GPT-NeoX half-split) and separate
 * bias-free q/k/v/o projections. Shapes, with rows = batch·seq and D = heads·headDim:
 * x, out [rows, D]; q, k, v, ctx [rows, D] (head h in columns h·headDim); probs
 * [batch, heads, seq, seq]. Token {@code b·seq + t} has position t.
 * <pre>
 *   q = rope(x·Wqᵀ)   k = rope(x·Wkᵀ)   v = x·Wvᵀ
 *   ctx = softmax(q·kᵀ/√headDim + causal mask) · v      (per batch row and head)
 *   out = ctx·Woᵀ
 * </pre>
 * Forward saves q, k (after rotation), v, probs and ctx; backward needs x again from the caller.
 * Gradient scratch ({@link Grads}) is shared by all layers of a model, as backward runs one layer
 * at a time.
 */
public final class Attention {

    public final Linear qProj;
    public final Linear kProj;
    public final Linear vProj;
    public final Linear oProj;
    public final int dModel;
    public final int heads;
    public final int headDim;
    public final float ropeTheta;
    private final float[] q;
    private final float[] k;
    private final float[] v;
    private final float[] ctx;
    private final float[] probs;
    private final int[] positions;
    private final Grads grads;
    private final Kernels kernels = KernelProvider.get();

    /** Gradient scratch, [maxRows, D] each; one instance may serve every layer of a model. */
    public record Grads(float[] dq, float[] dk, float[] dv, float[] dCtx) {
        public static Grads allocate(int maxRows, int dModel) {
            int n = Math.multiplyExact(maxRows, dModel);
            return new Grads(new float[n], new float[n], new float[n], new float[n]);
        }
    }

    /**
     * One attention layer; {@code prefix} is the parameter name prefix (e.g.
     * {@code model.layers.3.self_attn.}). Activations are sized for maxBatch × maxSeq tokens.
     */
    public Attention(String prefix, int dModel, int heads, float ropeTheta, int maxBatch,
            int maxSeq,
                     Grads grads) {
        if (heads <= 0 || dModel % heads != 0 || (dModel / heads) % 2 != 0) {
            throw new IllegalArgumentException("attention width " + dModel + " must split into "
                    + heads + " heads of even width (RoPE rotates pairs)");
        }
        this.dModel = dModel;
        this.heads = heads;
        this.headDim = dModel / heads;
        this.ropeTheta = ropeTheta;
        this.qProj = new Linear(prefix + "q_proj.weight", dModel, dModel);
        this.kProj = new Linear(prefix + "k_proj.weight", dModel, dModel);
        this.vProj = new Linear(prefix + "v_proj.weight", dModel, dModel);
        this.oProj = new Linear(prefix + "o_proj.weight", dModel, dModel);
        int rows = Math.multiplyExact(maxBatch, maxSeq);
        int n = Math.multiplyExact(rows, dModel);
        this.q = new float[n];
        this.k = new float[n];
        this.v = new float[n];
        this.ctx = new float[n];
        long probCount = (long) maxBatch * heads * maxSeq * maxSeq;
        if (probCount > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("attention probabilities for batch " + maxBatch
                    + " × heads " + heads + " × seq² " + maxSeq + "² need " + probCount
                    + " floats, more than one array holds; lower the batch size or sequence"
                    + " length");
        }
        this.probs = new float[(int) probCount];
        this.positions = new int[rows];
        if (grads.dq().length < n) {
            throw new IllegalArgumentException("attention gradient scratch holds "
                    + grads.dq().length
                    + " floats, needs " + n);
        }
        this.grads = grads;
    }

    /** out [batch·seq, D] = attention(x [batch·seq, D]); saves what {@link #backward} needs. */
    public void forward(float[] out, float[] x, int batch, int seq) {
        int rows = batch * seq;
        for (int r = 0; r < rows; r++) {
            positions[r] = r % seq;
        }
        qProj.forward(q, x, rows);
        kProj.forward(k, x, rows);
        vProj.forward(v, x, rows);
        kernels.rope(q, rows, heads, headDim, positions, ropeTheta, false);
        kernels.rope(k, rows, heads, headDim, positions, ropeTheta, false);
        kernels.causalAttentionForward(ctx, probs, q, k, v, batch, seq, heads, headDim);
        oProj.forward(out, ctx, rows);
    }

    /**
     * dX [batch·seq, D] += ∂L/∂x given dOut [batch·seq, D]; adds into all four weight gradients.
     * Reverse of forward: o-projection, attention core, inverse rotation (RoPE is orthogonal, so
     * its gradient is the rotation by −angle), then the q/k/v projections. x must be the input of
     * the last {@link #forward}.
     */
    public void backward(float[] dX, float[] dOut, float[] x, int batch, int seq) {
        int rows = batch * seq;
        int n = rows * dModel;
        float[] dCtx = grads.dCtx();
        float[] dq = grads.dq();
        float[] dk = grads.dk();
        float[] dv = grads.dv();
        Arrays.fill(dCtx, 0, n, 0f);
        oProj.backward(dCtx, dOut, ctx, rows);
        Arrays.fill(dq, 0, n, 0f);
        Arrays.fill(dk, 0, n, 0f);
        Arrays.fill(dv, 0, n, 0f);
        kernels.causalAttentionBackward(dq, dk, dv, dCtx, probs, q, k, v, batch, seq, heads,
                headDim);
        kernels.rope(dq, rows, heads, headDim, positions, ropeTheta, true);
        kernels.rope(dk, rows, heads, headDim, positions, ropeTheta, true);
        qProj.backward(dX, dq, x, rows);
        kProj.backward(dX, dk, x, rows);
        vProj.backward(dX, dv, x, rows);
    }
}
