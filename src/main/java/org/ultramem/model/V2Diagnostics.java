package org.ultramem.model;

import java.util.Arrays;
import java.util.Map;
import org.ultramem.nn.memory.UltraMemV2Geometry;
import org.ultramem.nn.memory.UltraMemV2Layer;

/**
 * Retrieval statistics of one UltraMemV2 layer over the forwards since the last drain, read from
 * the layer's selections after each forward. Rows are counted in the layer's own window
 * (N rows from its offset, wrapping: row − off mod N_all ∈ [0, N)), so {@code slot_frac} is the
 * fraction of the rows this layer can address that it used; keys are the row and column keys of
 * the final selections, per head and side (H·2·n).
 *
 * <p>Drained keys (prefix {@code mem{m}.}): {@code slot_frac, key_frac, dead_slots,
 * usage_entropy, usage_kl} (as for UltraMem, {@link MemoryStack#usage}), {@code top1_score} and
 * {@code topk_score} (mean Σ_t G_t of the first and of every selected slot, before the pre-value
 * gate), {@code out_std} (of the layer's output) and, with β &gt; 0, {@code balance_loss} (mean
 * L_bal per forward).
 */
final class V2Diagnostics {

    private final UltraMemV2Layer layer;
    private final int allRows;
    private final int offset;
    private final int keysPerSide;
    private final long[] rows;
    private final long[] keys;
    private long slotsSeen;
    private long headsSeen;
    private double top1Sum;
    private double topKSum;
    private double outSum;
    private double outSumSq;
    private long outCount;
    private double balanceSum;
    private long forwards;

    V2Diagnostics(UltraMemV2Layer layer) {
        this.layer = layer;
        UltraMemV2Geometry g = layer.geometry();
        this.allRows = g.allValueNum();
        this.offset = g.offset(layer.layerId());
        this.keysPerSide = g.keysPerSide();
        this.rows = new long[g.valueNum()];
        this.keys = new long[layer.config().heads() * 2 * keysPerSide];
    }

    /**
     * Counts the last forward's selections; {@code out} [tokens, D] is its output. (Running the
     * output moments and the selection counts on two threads at once measured slower on the
     * loaded machine, one more parallel region per forward; kept serial.)
     */
    void record(float[] out, int tokens) {
        recordOutput(out, tokens);
        recordSelections(tokens);
        double loss = layer.balanceLoss();
        balanceSum += Double.isNaN(loss) ? 0 : loss;
        forwards++;
    }

    private void recordSelections(int tokens) {
        int heads = layer.config().heads();
        int k = layer.config().knn();
        int cores = layer.config().tuckerCores();
        for (int b = 0; b < tokens; b++) {
            for (int h = 0; h < heads; h++) {
                for (int j = 0; j < k; j++) {
                    int s = h * k + j;
                    // row and offset are in [0, allRows): one conditional add is the floorMod,
                    // without the division (this loop runs serially after every forward).
                    int windowRow = layer.selectedRow(b, s) - offset;
                    rows[windowRow < 0 ? windowRow + allRows : windowRow]++;
                    int z = layer.selectedGridIndex(b, s);
                    int rowKey = z / keysPerSide;
                    keys[(h * 2) * keysPerSide + rowKey]++;
                    keys[(h * 2 + 1) * keysPerSide + z - rowKey * keysPerSide]++;
                    double score = 0;
                    for (int t = 0; t < cores; t++) {
                        score += layer.selectedCoreScore(b, s, t);
                    }
                    topKSum += score;
                    top1Sum += j == 0 ? score : 0;
                }
            }
        }
        slotsSeen += (long) tokens * heads * k;
        headsSeen += (long) tokens * heads;
    }

    private void recordOutput(float[] out, int tokens) {
        int n = tokens * layer.hiddenSize();
        double sum = outSum;
        double sumSq = outSumSq;
        for (int i = 0; i < n; i++) {
            sum += out[i];
            sumSq += (double) out[i] * out[i];
        }
        outSum = sum;
        outSumSq = sumSq;
        outCount += n;
    }

    /** Writes the statistics under {@code prefix} (nothing without a forward) and resets. */
    void drain(String prefix, Map<String, Double> into) {
        if (forwards > 0) {
            MemoryStack.usage(into, prefix, rows, keys);
            into.put(prefix + "top1_score", top1Sum / headsSeen);
            into.put(prefix + "topk_score", topKSum / slotsSeen);
            double mean = outSum / outCount;
            into.put(prefix + "out_std", Math.sqrt(Math.max(0, outSumSq / outCount - mean * mean)));
            if (layer.config().balanceCoef() > 0) {
                into.put(prefix + "balance_loss", balanceSum / forwards);
            }
        }
        Arrays.fill(rows, 0);
        Arrays.fill(keys, 0);
        slotsSeen = 0;
        headsSeen = 0;
        top1Sum = 0;
        topKSum = 0;
        outSum = 0;
        outSumSq = 0;
        outCount = 0;
        balanceSum = 0;
        forwards = 0;
    }

    /** Window-row hits since the last drain (a copy). */
    long[] rowUsage() {
        return rows.clone();
    }
}
