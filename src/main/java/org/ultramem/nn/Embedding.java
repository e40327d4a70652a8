package org.ultramem.nn;

import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Token embedding table. Shapes: table [vocab, dim], ids [count], out [count, dim]:
 * {@code out[t,:] = table[ids[t],:]}. The table is dense (not row-sparse): in this model it is
 * tied with the output logits, whose gradient touches every row anyway.
 */
public final class Embedding {

    public final Parameter weight;
    public final int vocab;
    public final int dim;
    private final Kernels kernels = KernelProvider.get();

    /** A {@code [vocab, dim]} table whose parameter is called {@code name} (group DECAY). */
    public Embedding(String name, int vocab, int dim) {
        this.vocab = vocab;
        this.dim = dim;
        this.weight = new Parameter(name, new int[] {vocab, dim}, Parameter.Group.DECAY);
    }

    /**
     * out [count, dim] = table[ids[t], :]. Rejects an id outside [0, vocab) naming its position.
     */
    public void forward(float[] out, int[] ids, int count) {
        for (int t = 0; t < count; t++) {
            int id = ids[t];
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException("token id " + id + " at position " + t
                        + " is outside the vocabulary [0, " + vocab
                        + "); check the tokenizer matches"
                        + " the model's vocab_size");
            }
        }
        kernels.gatherRows(out, weight.data, ids, count, dim);
    }

    /** dTable[ids[t], :] += dOut[t, :] for t < count (repeated ids add up). dOut: [count, dim]. */
    public void backward(float[] dOut, int[] ids, int count) {
        kernels.scatterAddRows(weight.grad, dOut, ids, count, dim);
    }
}
