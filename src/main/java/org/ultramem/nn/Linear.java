package org.ultramem.nn;

import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * A bias-free fully connected layer. Shapes: x [rows, inDim], out [rows, outDim], weight W
 * [outDim, inDim] (stored as Hugging Face stores {@code nn.Linear}, so checkpoints read naturally):
 * {@code out = x · Wᵀ}.
 *
 * <p>Linear keeps no activations: its caller owns x and out, and passes the same x to
 * {@link #backward} that it passed to {@link #forward}. Both calls are single GEMMs over all rows.
 */
public final class Linear {

    public final Parameter weight;
    public final int inDim;
    public final int outDim;
    private final Kernels kernels = KernelProvider.get();

    /** A linear map {@code inDim → outDim} with weight parameter {@code name} (group DECAY). */
    public Linear(String name, int inDim, int outDim) {
        this.inDim = inDim;
        this.outDim = outDim;
        this.weight = new Parameter(name, new int[] {outDim, inDim}, Parameter.Group.DECAY);
    }

    /** out [rows, outDim] = x [rows, inDim] · Wᵀ. Overwrites out. */
    public void forward(float[] out, float[] x, int rows) {
        kernels.matmul(false, true, rows, outDim, inDim, x, 0, inDim, weight.data, 0, inDim,
                out, 0, outDim, false);
    }

    /**
     * dX [rows, inDim] += dOut [rows, outDim] · W; dW [outDim, inDim] += dOutᵀ · x.
     * (out = x·Wᵀ ⇒ ∂L/∂x = ∂L/∂out · W, ∂L/∂W = (∂L/∂out)ᵀ · x.)
     */
    public void backward(float[] dX, float[] dOut, float[] x, int rows) {
        kernels.matmul(true, false, outDim, inDim, rows, dOut, 0, outDim, x, 0, inDim,
                weight.grad, 0, inDim, true);
        kernels.matmul(false, false, rows, inDim, outDim, dOut, 0, outDim, weight.data, 0, inDim,
                dX, 0, inDim, true);
    }
}
