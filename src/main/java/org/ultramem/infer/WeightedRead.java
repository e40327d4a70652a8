package org.ultramem.infer;

import java.io.Serializable;
import java.util.Arrays;
import org.ultramem.tensor.kernel.Kernels;

/**
 * One step's weighted read of a value table, as (token, row, weight) triples: token b owns the
 * selections s in [b·perToken, (b+1)·perToken); selection s reads row {@code rows[s]} and adds,
 * per chunk t of the row (c = {@code chunks} equal chunks of D_v/c floats; UltraMem's Tucker
 * cores weigh each chunk apart, PKM has c = 1), {@code weights[s·c + t]} times that chunk into
 * the token's output block {@code groups[s]} (value expansion E; null means block 0):
 * <pre>
 *   out[b, g_s·D_v + t·D_v/c ..] += w[s·c + t] · V[row_s, chunk t]   for s in token b's order
 * </pre>
 * out is [tokens, outWidth], outWidth = E·D_v. The sum runs in selection order, which is what
 * makes the local path equal to the training layer's; a distributed store sums each owner's
 * selections in this order and combines the owners' partials in a fixed order.
 *
 * @param tokens   B
 * @param perToken selections per token
 * @param rows     row per selection [tokens·perToken]
 * @param weights  weight per selection and chunk [tokens·perToken·chunks]
 * @param chunks   c, chunks per row (divides D_v)
 * @param groups   output block per selection, or null for all in block 0
 * @param outWidth floats per token of out (a multiple of D_v)
 */
public record WeightedRead(int tokens, int perToken, int[] rows, float[] weights, int chunks,
                           int[] groups, int outWidth) implements Serializable {

    /** Selections in all: tokens · perToken. */
    public int total() {
        return tokens * perToken;
    }

    /**
     * out[b·outWidth ..] = token b's sum, reading selection s's row at
     * {@code data[rowIndex[s]·width ..]} (fp32, D_v = width floats), in selection order.
     */
    public void poolToken(Kernels kern, float[] out, int b, float[] data, int[] rowIndex,
                          int width) {
        int oOff = b * outWidth;
        Arrays.fill(out, oOff, oOff + outWidth, 0f);
        int chunk = width / chunks;
        for (int s = b * perToken; s < (b + 1) * perToken; s++) {
            int vOff = rowIndex[s] * width;
            int outOff = oOff + (groups == null ? 0 : groups[s] * width);
            for (int t = 0; t < chunks; t++) {
                kern.axpy(out, outOff + t * chunk, weights[s * chunks + t], data, vOff + t * chunk,
                        chunk);
            }
        }
    }

    /**
     * {@link #poolToken} with each selection's row read straight from {@code table} into
     * {@code row} [width] (a thread's scratch, L1-resident) just before it is added: the same
     * widened values and the same sums, bit for bit, without a gathered copy of the step's rows.
     */
    public void poolTokenFrom(Kernels kern, float[] out, int b, Matrix table, float[] row) {
        int width = table.cols();
        int oOff = b * outWidth;
        Arrays.fill(out, oOff, oOff + outWidth, 0f);
        int chunk = width / chunks;
        for (int s = b * perToken; s < (b + 1) * perToken; s++) {
            table.readRow(kern, row, 0, rows[s]);
            int outOff = oOff + (groups == null ? 0 : groups[s] * width);
            for (int t = 0; t < chunks; t++) {
                kern.axpy(out, outOff + t * chunk, weights[s * chunks + t], row, t * chunk, chunk);
            }
        }
    }
}
