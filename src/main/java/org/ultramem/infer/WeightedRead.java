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
     * {@link #poolToken} with token b's rows read straight from {@code table} into {@code rows}
     * [perToken·width] (a thread's scratch, L1/L2-resident) first, then summed: the same widened
     * values and the same sums, bit for bit, without a gathered copy of the step's rows. Reading
     * all rows before summing keeps many independent row reads in flight (a read before each
     * row's sum left one or two, and the pooling then cost more than the sorted gather). When a
     * chunk is a multiple of 16 floats the sums run per output block with the accumulators in
     * registers ({@link Kernels#gatherWeightedSum}: per element the fused multiply-adds of
     * {@link Kernels#axpy} in the same order, for every lane count up to 16, so the same bits)
     * instead of an axpy per selection, whose load-add-store chains through the output cost
     * more than the multiply-adds. {@code local} maps every selection s to s mod perToken;
     * {@code order} [perToken] is scratch.
     */
    public void poolTokenFrom(Kernels kern, float[] out, int b, Matrix table, float[] rows,
                              int[] local, int[] order) {
        int width = table.cols();
        int first = b * perToken;
        for (int s = first; s < first + perToken; s++) {
            table.readRow(kern, rows, (s - first) * width, this.rows[s]);
        }
        int oOff = b * outWidth;
        int chunk = width / chunks;
        if (chunk % 16 == 0) {
            for (int g = 0, blocks = outWidth / width; g < blocks; g++) {
                int count = 0;
                for (int s = first; s < first + perToken; s++) {
                    if ((groups == null ? 0 : groups[s]) == g) {
                        order[count++] = s;
                    }
                }
                kern.gatherWeightedSum(out, oOff + g * width, rows, local, weights, order, 0,
                        count, chunks, chunk);
            }
            return;
        }
        poolToken(kern, out, b, rows, local, width);
    }
}
