package org.ultramem.nn.memory;

import java.util.Arrays;

/**
 * Usage and score statistics of one memory layer, accumulated over a window of forwards until
 * {@link #reset()}: how often each physical value row and each key was selected, the mean top-1
 * and top-k summed grid scores, the standard deviation of the layer output, and (with those
 * remedies on) the mean key-balance loss of the training forwards and the sub-keys restarted.
 * Plain counters; updated by the layer on the calling thread.
 */
public final class UltraMemDiagnostics {

    private final long[] rowUse;
    private final long[] keyUse;
    private double top1Sum;
    private long top1Count;
    private double topKSum;
    private long topKCount;
    private double outSum;
    private double outSumSq;
    private long outCount;
    private double balanceSum;
    private long balanceCount;
    private long keysRestarted;

    UltraMemDiagnostics(int valueRows, int keys) {
        this.rowUse = new long[valueRows];
        this.keyUse = new long[keys];
    }

    void countRow(int row) {
        rowUse[row]++;
    }

    void countKey(int key) {
        keyUse[key]++;
    }

    /** Adds one token-head's sorted selected scores [k] at off. */
    void addScores(float[] sorted, int off, int k) {
        top1Sum += sorted[off];
        top1Count++;
        for (int j = 0; j < k; j++) {
            topKSum += sorted[off + j];
        }
        topKCount += k;
    }

    void addOutput(float[] y, int n) {
        double s = 0;
        double ss = 0;
        for (int i = 0; i < n; i++) {
            s += y[i];
            ss += (double) y[i] * y[i];
        }
        outSum += s;
        outSumSq += ss;
        outCount += n;
    }

    void addBalanceLoss(double loss) {
        balanceSum += loss;
        balanceCount++;
    }

    void addKeysRestarted(int count) {
        keysRestarted += count;
    }

    /** Mean key-balance loss over the training forwards of the window (NaN when none). */
    public double meanBalanceLoss() {
        return balanceCount == 0 ? Double.NaN : balanceSum / balanceCount;
    }

    /** Sub-keys restarted in the window (dead_key_restart_steps). */
    public long keysRestarted() {
        return keysRestarted;
    }

    /** Selections per physical value row N since the last reset (live array, [N]). */
    public long[] rowUsage() {
        return rowUse;
    }

    /** Appearances in a top-m candidate set per key since the last reset: [H][2][n] flattened. */
    public long[] keyUsage() {
        return keyUse;
    }

    /** Fraction of physical rows selected at least once in the window. */
    public double rowCoverage() {
        long used = Arrays.stream(rowUse).filter(c -> c > 0).count();
        return (double) used / rowUse.length;
    }

    /** Mean of the best summed grid score per token-head (NaN before any forward). */
    public double top1MeanScore() {
        return top1Count == 0 ? Double.NaN : top1Sum / top1Count;
    }

    /** Mean of all k selected summed grid scores (NaN before any forward). */
    public double topKMeanScore() {
        return topKCount == 0 ? Double.NaN : topKSum / topKCount;
    }

    /** Standard deviation of every output element in the window (NaN before any forward). */
    public double outputStd() {
        if (outCount == 0) {
            return Double.NaN;
        }
        double mean = outSum / outCount;
        return Math.sqrt(Math.max(0, outSumSq / outCount - mean * mean));
    }

    /** Clears every counter. */
    public void reset() {
        Arrays.fill(rowUse, 0);
        Arrays.fill(keyUse, 0);
        top1Sum = 0;
        top1Count = 0;
        topKSum = 0;
        topKCount = 0;
        outSum = 0;
        outSumSq = 0;
        outCount = 0;
        balanceSum = 0;
        balanceCount = 0;
        keysRestarted = 0;
    }
}
