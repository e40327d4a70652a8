package org.ultramem.nn.memory;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Usage statistics of one {@link ProductKeyMemory}, accumulated over every forward since the last
 * {@link #reset()}: how often each value row (slot) and each sub-key was selected, the mean raw
 * score of the best and of all k selections, and the standard deviation of the layer output.
 * Sums are in double; a NaN score or output makes the matching mean NaN.
 */
public final class PkmDiagnostics {

    private final int heads;
    private final int n;
    private final int k;
    private final int[] slotCounts;
    private final int[] keyCounts;
    private long headTokens;
    private double top1Sum;
    private double topKSum;
    private long outCount;
    private double outSum;
    private double outSumSq;

    PkmDiagnostics(int heads, int n, int k) {
        this.heads = heads;
        this.n = n;
        this.k = k;
        this.slotCounts = new int[n * n];
        this.keyCounts = new int[heads * 2 * n];
    }

    /** Adds one forward: selections [tokens, H, k] best first, their scores, output y [tokens, dv]. */
    void record(int[] selIdx, float[] selScore, float[] y, int tokens, int dv) {
        for (int t = 0; t < tokens; t++) {
            for (int h = 0; h < heads; h++) {
                int o = (t * heads + h) * k;
                top1Sum += selScore[o];
                for (int i = 0; i < k; i++) {
                    int slot = selIdx[o + i];
                    slotCounts[slot]++;
                    keyCounts[(h * 2) * n + slot / n]++;
                    keyCounts[(h * 2 + 1) * n + slot % n]++;
                    topKSum += selScore[o + i];
                }
            }
        }
        headTokens += (long) tokens * heads;
        for (int i = 0; i < tokens * dv; i++) {
            outSum += y[i];
            outSumSq += (double) y[i] * y[i];
        }
        outCount += (long) tokens * dv;
    }

    /** Times each value row was selected (summed over heads): [n²]. A copy. */
    public int[] slotUsage() {
        return slotCounts.clone();
    }

    /** Times each sub-key took part in a selected slot: [H, 2, n] flattened. A copy. */
    public int[] keyUsage() {
        return keyCounts.clone();
    }

    /** Fraction of the n² value rows selected at least once. */
    public double slotCoverage() {
        return coverage(slotCounts);
    }

    /** Fraction of the H·2·n sub-keys used at least once. */
    public double keyCoverage() {
        return coverage(keyCounts);
    }

    /** Mean raw score (s1 + s2) of each head's best selection; NaN before any forward. */
    public double meanTop1Score() {
        return top1Sum / headTokens;
    }

    /** Mean raw score over all k selections of every head; NaN before any forward. */
    public double meanTopKScore() {
        return topKSum / ((double) headTokens * k);
    }

    /** Standard deviation of all output elements (population); NaN before any forward. */
    public double outputStd() {
        double mean = outSum / outCount;
        return Math.sqrt(Math.max(0, outSumSq / outCount - mean * mean));
    }

    /** The scalars above under stable names, for training logs. */
    public Map<String, Double> summary() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("slot_coverage", slotCoverage());
        m.put("key_coverage", keyCoverage());
        m.put("top1_score", meanTop1Score());
        m.put("topk_score", meanTopKScore());
        m.put("output_std", outputStd());
        return m;
    }

    public void reset() {
        Arrays.fill(slotCounts, 0);
        Arrays.fill(keyCounts, 0);
        headTokens = 0;
        top1Sum = 0;
        topKSum = 0;
        outCount = 0;
        outSum = 0;
        outSumSq = 0;
    }

    private static double coverage(int[] counts) {
        int used = 0;
        for (int c : counts) {
            if (c > 0) {
                used++;
            }
        }
        return (double) used / counts.length;
    }
}
