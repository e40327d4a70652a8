package org.ultramem.nn;

import java.util.Arrays;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * SwiGLU feed-forward block. Shapes, with I the intermediate width: x, out [rows, D];
 * gate, up, act [rows, I]; gate/up weights [I, D], down weight [D, I]:
 * <pre>
 *   gate = x·Wgᵀ   up = x·Wuᵀ   act = silu(gate) ⊙ up   out = act·Wdᵀ
 * </pre>
 * Forward saves gate, up and act; backward needs x again from the caller. Gradient scratch
 * ({@link Grads}) is shared by all layers of a model.
 */
public final class SwiGlu {

    public final Linear gateProj;
    public final Linear upProj;
    public final Linear downProj;
    public final int dModel;
    public final int intermediate;
    private final float[] gate;
    private final float[] up;
    private final float[] act;
    private final Grads grads;
    private final Kernels kernels = KernelProvider.get();

    /** Gradient scratch, [maxRows, I] each; one instance may serve every layer of a model. */
    public record Grads(float[] dGate, float[] dUp, float[] dAct) {
        public static Grads allocate(int maxRows, int intermediate) {
            int n = Math.multiplyExact(maxRows, intermediate);
            return new Grads(new float[n], new float[n], new float[n]);
        }
    }

    /**
     * One FFN; {@code prefix} is the parameter name prefix (e.g. {@code model.layers.3.mlp.}).
     * Activations are sized for {@code maxRows} tokens.
     */
    public SwiGlu(String prefix, int dModel, int intermediate, int maxRows, Grads grads) {
        this.dModel = dModel;
        this.intermediate = intermediate;
        this.gateProj = new Linear(prefix + "gate_proj.weight", dModel, intermediate);
        this.upProj = new Linear(prefix + "up_proj.weight", dModel, intermediate);
        this.downProj = new Linear(prefix + "down_proj.weight", intermediate, dModel);
        int n = Math.multiplyExact(maxRows, intermediate);
        this.gate = new float[n];
        this.up = new float[n];
        this.act = new float[n];
        if (grads.dGate().length < n) {
            throw new IllegalArgumentException("SwiGLU gradient scratch holds "
                    + grads.dGate().length
                    + " floats, needs " + n);
        }
        this.grads = grads;
    }

    /** out [rows, D] = swiglu(x [rows, D]); saves gate, up and act for {@link #backward}. */
    public void forward(float[] out, float[] x, int rows) {
        gateProj.forward(gate, x, rows);
        upProj.forward(up, x, rows);
        kernels.swigluForward(act, gate, up, rows * intermediate);
        downProj.forward(out, act, rows);
    }

    /**
     * dX [rows, D] += ∂L/∂x given dOut [rows, D]; adds into the three weight gradients.
     * dAct = dOut·Wd; dGate = dAct·up·σ(g)(1 + g(1−σ(g))); dUp = dAct·silu(g); then both input
     * projections add into dX. x must be the input of the last {@link #forward}.
     */
    public void backward(float[] dX, float[] dOut, float[] x, int rows) {
        int n = rows * intermediate;
        float[] dAct = grads.dAct();
        float[] dGate = grads.dGate();
        float[] dUp = grads.dUp();
        Arrays.fill(dAct, 0, n, 0f);
        downProj.backward(dAct, dOut, act, rows);
        Arrays.fill(dGate, 0, n, 0f);
        Arrays.fill(dUp, 0, n, 0f);
        kernels.swigluBackward(dGate, dUp, dAct, gate, up, n);
        gateProj.backward(dX, dGate, x, rows);
        upProj.backward(dX, dUp, x, rows);
    }
}
