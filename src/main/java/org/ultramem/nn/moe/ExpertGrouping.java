package org.ultramem.nn.moe;

import java.util.Arrays;
import org.ultramem.tensor.kernel.Kernels;

/**
 * How an MoE block lays out its token-slots (token t's j-th expert is slot t·k + j) so that each
 * expert runs one GEMM over its rows: {@link #group} sorts the slots by expert, {@link #gather}
 * copies their inputs into that order, {@link #combine} adds the weighted expert outputs back
 * per token in slot order. Written once for {@link MoeLayer} (training) and the decode engine's
 * {@code infer.MoeDecoder}, so both sum the same terms in the same order.
 */
public final class ExpertGrouping {

    private ExpertGrouping() {
    }

    /**
     * Stable counting sort of {@code slots} slots by {@code experts[slot]}: expert e's rows are
     * [expertStart[e], expertStart[e + 1]) in token order; rowOf[slot] and slotOf[row] map both
     * ways. When {@code hit} is not null it receives the experts with at least one row,
     * ascending. Returns their count.
     */
    public static int group(int[] experts, int slots, int numExperts, int[] expertStart,
                            int[] rowOf, int[] slotOf, int[] hit) {
        Arrays.fill(expertStart, 0, numExperts + 1, 0);
        for (int s = 0; s < slots; s++) {
            expertStart[experts[s] + 1]++;
        }
        int hits = 0;
        for (int e = 0; e < numExperts; e++) {
            if (expertStart[e + 1] > 0) {
                if (hit != null) {
                    hit[hits] = e;
                }
                hits++;
            }
            expertStart[e + 1] += expertStart[e];
        }
        int[] next = Arrays.copyOf(expertStart, numExperts);
        for (int s = 0; s < slots; s++) {
            int r = next[experts[s]]++;
            rowOf[s] = r;
            slotOf[r] = s;
        }
        return hits;
    }

    /** grouped [slots, D]: row r = x of the token of slot slotOf[r] (k slots per token). */
    public static void gather(float[] grouped, float[] x, int[] slotOf, int slots, int topK,
                              int dModel) {
        for (int r = 0; r < slots; r++) {
            System.arraycopy(x, (slotOf[r] / topK) * dModel, grouped, r * dModel, dModel);
        }
    }

    /** y [tokens, D] = Σ_j combine[t·k + j] · expertOut[rowOf[t·k + j]], slots in order. */
    public static void combine(Kernels kern, float[] y, float[] combine, float[] expertOut,
                               int[] rowOf, int slots, int topK, int dModel) {
        Arrays.fill(y, 0, slots / topK * dModel, 0f);
        for (int s = 0; s < slots; s++) {
            kern.axpy(y, (s / topK) * dModel, combine[s], expertOut, rowOf[s] * dModel, dModel);
        }
    }
}
