package org.ultramem.nn.memory;

import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;

/**
 * The output gate of an UltraMem layer ({@code output_gate}, {@link RetrievalRemedies}), applied
 * to the layer's output o = W_o·P [B, D] before it joins the residual stream; x [B, D] is the
 * layer's input (the source block's normalized FFN input).
 * <pre>
 *   "scale": y = γ ⊙ o                      γ = {@code output_scale} [D], init output_gate_init
 *   "silu":  y = o ⊙ SiLU(a),  a = x·W_gᵀ    W_g = {@code output_gate.weight} [D, D]
 * </pre>
 * "silu" is Memory+'s input-dependent gate (Berges et al. 2024, "Memory Layers at Scale" §3.1:
 * out = (mem(x) ⊙ SiLU(xᵀW₁))ᵀW₂, W₁, W₂ ∈ R^{D×D}). UltraMem already projects the pooled values
 * with W_o, so the gate multiplies the projected output and no second projection W₂ is added
 * (it would add D² parameters and 2·D² FLOPs per token). W_g is initialized like the query
 * projection, N(0, 1/√D_k). The "scale" gate is the cheaper alternative: a learnable per-channel
 * scale initialized small, so the memory starts as a small residual branch.
 *
 * <p>Forward saves o (and a); backward: "scale" dγ += Σ_b dy ⊙ o, do = dy ⊙ γ; "silu"
 * do = dy ⊙ SiLU(a), da = dy ⊙ o ⊙ SiLU'(a) with SiLU'(a) = σ(a)·(1 + a·(1 − σ(a))),
 * dW_g += daᵀ·x, dx += da·W_g. Sums over tokens run in token order.
 */
public final class OutputGate {

    private final Kernels kern;
    private final boolean silu;
    private final int dModel;
    /** γ [D] ("scale") or W_g [D, D] ("silu"). */
    final Parameter weight;
    /** Saved o [maxTokens, D]. */
    private final float[] ungated;
    /** Saved a = x·W_gᵀ [maxTokens, D] ("silu" only). */
    private final float[] act;

    OutputGate(Kernels kern, String kind, int dModel, int maxTokens) {
        this.kern = kern;
        this.silu = RetrievalRemedies.GATE_SILU.equals(kind);
        this.dModel = dModel;
        this.weight = silu
                ? new Parameter("output_gate.weight", new int[] {dModel, dModel},
                        Parameter.Group.DECAY)
                : new Parameter("output_scale", new int[] {dModel}, Parameter.Group.NO_DECAY);
        this.ungated = new float[maxTokens * dModel];
        this.act = silu ? new float[maxTokens * dModel] : null;
    }

    /** SiLU(a) = a·σ(a). */
    static float silu(float a) {
        return a * sigmoid(a);
    }

    /** σ(a) = 1 / (1 + e^−a). */
    public static float sigmoid(float a) {
        return (float) (1.0 / (1.0 + Math.exp(-a)));
    }

    /** y [B, D]: o on entry (saved), the gated output on exit; x [B, D] the layer input. */
    void forward(float[] y, float[] x, int tokens) {
        int len = tokens * dModel;
        System.arraycopy(y, 0, ungated, 0, len);
        float[] w = weight.data;
        if (!silu) {
            scale(y, w, tokens, dModel);
            return;
        }
        kern.matmul(false, true, tokens, dModel, dModel, x, 0, dModel, w, 0, dModel, act, 0,
                dModel, false);
        siluGate(y, act, len);
    }

    /** "scale": y[b] ← γ ⊙ y[b] for tokens b, y [B, D]; also the decode engine's gate. */
    public static void scale(float[] y, float[] gamma, int tokens, int dModel) {
        for (int b = 0; b < tokens; b++) {
            for (int d = 0; d < dModel; d++) {
                y[b * dModel + d] = gamma[d] * y[b * dModel + d];
            }
        }
    }

    /** "silu": y ← y ⊙ SiLU(a) over the first len values; also the decode engine's gate. */
    public static void siluGate(float[] y, float[] a, int len) {
        for (int i = 0; i < len; i++) {
            y[i] = y[i] * silu(a[i]);
        }
    }

    /**
     * dOut [B, D] = ∂L/∂o (written, =) from dy [B, D]; adds into the gate weight's gradient and,
     * for "silu", into dx [B, D]. x: the layer input of the forward.
     */
    void backward(float[] dOut, float[] dx, float[] dy, float[] x, int tokens) {
        int len = tokens * dModel;
        float[] w = weight.data;
        if (!silu) {
            for (int b = 0; b < tokens; b++) {
                for (int d = 0; d < dModel; d++) {
                    int i = b * dModel + d;
                    weight.grad[d] += dy[i] * ungated[i];
                    dOut[i] = dy[i] * w[d];
                }
            }
            return;
        }
        // act becomes da: the forward's a is no longer needed once its gradient is known.
        for (int i = 0; i < len; i++) {
            float a = act[i];
            float s = sigmoid(a);
            dOut[i] = dy[i] * (a * s);
            act[i] = dy[i] * ungated[i] * (s * (1 + a * (1 - s)));
        }
        kern.matmul(true, false, dModel, dModel, tokens, act, 0, dModel, x, 0, dModel,
                weight.grad, 0, dModel, true);
        kern.matmul(false, false, tokens, dModel, dModel, act, 0, dModel, w, 0, dModel, dx, 0,
                dModel, true);
    }
}
