package org.ultramem.tensor.kernel;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row-wise and element-wise vector kernels that need {@code exp}/{@code sqrt} (softmax,
 * cross-entropy, SwiGLU, AdamW): the {@link VectorKernels} bodies, kept apart so each file stays
 * readable. Each is a vector body plus a scalar tail, scalar below 2 × lanes; exp is
 * {@link VectorExp} (≤ 2 ulp from {@code Math.exp}, identical in every JIT tier).
 */
final class VectorRows {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();

    private VectorRows() {
    }

    static float max(float[] x, int base, int n) {
        int i = 0;
        float max = Float.NEGATIVE_INFINITY;
        if (n >= 2 * L) {
            FloatVector acc = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i <= n - L; i += L) {
                acc = acc.max(FloatVector.fromArray(S, x, base + i));
            }
            max = acc.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[base + i]);
        }
        return max;
    }

    /** x[i] = exp(x[i] − shift) for i < n; returns the float sum of the new values. */
    static float expShiftInPlace(float[] x, int base, int n, float shift) {
        int i = 0;
        float sum = 0f;
        if (n >= 2 * L) {
            FloatVector acc = FloatVector.zero(S);
            for (; i <= n - L; i += L) {
                FloatVector e = VectorExp.exp(FloatVector.fromArray(S, x, base + i).sub(shift));
                e.intoArray(x, base + i);
                acc = acc.add(e);
            }
            // Lanes.sum written out: after the inlined exp, C2's inlining budget was spent
            // (NodeCountInliningCutoff) and it boxed acc for the call, once per softmax row
            // (~8.6 MB per dense-256x6 training step; `ultramem bench train` prints the bytes).
            // The shuffles and adds are JDK methods C2 inlines past that budget.
            if (L >= 16) {
                acc = acc.add(acc.rearrange(Lanes.R8));
            }
            if (L >= 8) {
                acc = acc.add(acc.rearrange(Lanes.R4));
            }
            if (L >= 4) {
                acc = acc.add(acc.rearrange(Lanes.R2));
            }
            sum = acc.add(acc.rearrange(Lanes.R1)).lane(0);
        }
        for (; i < n; i++) {
            float e = (float) Math.exp(x[base + i] - shift);
            x[base + i] = e;
            sum += e;
        }
        return sum;
    }

    static void scale(float[] x, int base, int n, float alpha) {
        int i = 0;
        if (n >= 2 * L) {
            for (; i <= n - L; i += L) {
                FloatVector.fromArray(S, x, base + i).mul(alpha).intoArray(x, base + i);
            }
        }
        for (; i < n; i++) {
            x[base + i] *= alpha;
        }
    }

    /** In-place stable softmax of x[base .. base+n). */
    static void softmax(float[] x, int base, int n) {
        float max = max(x, base, n);
        float sum = expShiftInPlace(x, base, n, max);
        scale(x, base, n, 1f / sum);
    }

    /** Fused softmax cross-entropy; see {@link Kernels#crossEntropyForwardBackward}. */
    static double crossEntropy(float[] logits, int[] targets, int rows, int vocab, float gradScale,
                               boolean writeGrad) {
        KernelChecks.rows("cross-entropy logits", logits, rows, vocab);
        KernelChecks.targets(targets, rows, vocab);
        double[] rowLoss = new double[rows];
        // Rows are independent; per-row losses are summed in row order below, thread-count free.
        Parallel.forRange(rows, 4, (r0, r1) -> {
            float[] scratch = writeGrad ? null : new float[vocab];
            for (int r = r0; r < r1; r++) {
                int base = r * vocab;
                int target = targets[r];
                if (target < 0) {
                    if (writeGrad) {
                        Arrays.fill(logits, base, base + vocab, 0f);
                    }
                    continue;
                }
                float max = max(logits, base, vocab);
                float targetLogit = logits[base + target];
                float sum;
                if (writeGrad) {
                    sum = expShiftInPlace(logits, base, vocab, max);
                    scale(logits, base, vocab, gradScale / sum);
                    logits[base + target] -= gradScale;
                } else {
                    System.arraycopy(logits, base, scratch, 0, vocab);
                    sum = expShiftInPlace(scratch, 0, vocab, max);
                }
                rowLoss[r] = max + Math.log(sum) - targetLogit;
            }
        });
        double total = 0;
        for (double l : rowLoss) {
            total += l;
        }
        return total;
    }

    /**
     * out = silu(gate)·up. Every element goes through the same vector arithmetic (the tail under a
     * mask), so an element's result does not depend on n or its position: a decode row's FFN
     * output is the same whatever other rows share the call (batch invariance, BatchInvarianceTest).
     */
    static void swigluForward(float[] out, float[] gate, float[] up, int from, int to) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = from; i < to; i += L) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, gate, i, m);
            FloatVector sig = one.div(VectorExp.exp(g.neg()).add(1f));
            g.mul(sig).mul(FloatVector.fromArray(S, up, i, m)).intoArray(out, i, m);
        }
    }

    /** The gradients of {@link #swigluForward}, with the same per-element arithmetic (masked tail). */
    static void swigluBackward(float[] dGate, float[] dUp, float[] dOut, float[] gate, float[] up,
            int from, int to) {
        FloatVector one = FloatVector.broadcast(S, 1f);
        for (int i = from; i < to; i += L) {
            VectorMask<Float> m = S.indexInRange(i, to);
            FloatVector g = FloatVector.fromArray(S, gate, i, m);
            FloatVector d = FloatVector.fromArray(S, dOut, i, m);
            FloatVector sig = one.div(VectorExp.exp(g.neg()).add(1f));
            FloatVector silu = g.mul(sig);
            // σ(g)(1 + g(1 − σ(g))) = σ + silu·(1 − σ)
            FloatVector dSilu = sig.add(silu.mul(sig.neg().add(1f)));
            d.mul(FloatVector.fromArray(S, up, i, m)).mul(dSilu)
                    .add(FloatVector.fromArray(S, dGate, i, m)).intoArray(dGate, i, m);
            d.mul(silu).add(FloatVector.fromArray(S, dUp, i, m)).intoArray(dUp, i, m);
        }
    }

    /**
     * AdamW on [from, from+n); see {@link Kernels#adamw}. It is {@link #adamwScaled} with unit
     * scales: x·1f = x, so the bits are those of the unscaled update.
     */
    static void adamw(float[] param, float[] grad, float[] m, float[] v, int from, int n,
                      float lr, float beta1, float beta2, float eps, float weightDecay,
                      float bc1, float bc2) {
        adamwScaled(param, grad, m, v, from, n, 1f, 1f, 1f, 1f, lr, beta1, beta2, eps,
                weightDecay, bc1, bc2);
    }

    /**
     * {@link #adamw} after the scales of {@link Kernels#adamwScaled}: the same vector/tail split
     * as {@link #scale} and {@link #adamw} (vector below n − L + 1 when n ≥ 2·L), so each element
     * gets the same operations as scale-then-adamw, in one pass.
     */
    static void adamwScaled(float[] param, float[] grad, float[] m, float[] v, int from, int n,
                            float gradScale, float paramScale, float mScale, float vScale,
                            float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2) {
        int i = 0;
        float invBc1 = 1f / bc1;
        if (n >= 2 * L) {
            for (; i <= n - L; i += L) {
                int o = from + i;
                FloatVector g = FloatVector.fromArray(S, grad, o).mul(gradScale);
                FloatVector mi = FloatVector.fromArray(S, m, o).mul(mScale).mul(beta1)
                        .add(g.mul(1f - beta1));
                FloatVector vi = FloatVector.fromArray(S, v, o).mul(vScale).mul(beta2)
                        .add(g.mul(g).mul(1f - beta2));
                mi.intoArray(m, o);
                vi.intoArray(v, o);
                FloatVector p = FloatVector.fromArray(S, param, o).mul(paramScale);
                FloatVector update = mi.mul(invBc1).div(vi.div(bc2).sqrt().add(eps));
                p.sub(update.add(p.mul(weightDecay)).mul(lr)).intoArray(param, o);
            }
        }
        for (; i < n; i++) {
            int o = from + i;
            float g = grad[o] * gradScale;
            float p = param[o] * paramScale;
            float mi = beta1 * (m[o] * mScale) + (1f - beta1) * g;
            float vi = beta2 * (v[o] * vScale) + (1f - beta2) * g * g;
            m[o] = mi;
            v[o] = vi;
            float update = (mi * invBc1) / ((float) Math.sqrt(vi / bc2) + eps);
            param[o] = p - lr * (update + weightDecay * p);
        }
    }
}
