package org.ultramem.nn.moe;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Routing statistics of one {@link MoeLayer}, accumulated over every forward since the last
 * {@link #reset()}: the fraction of token-slots each expert received and the mean (unweighted)
 * load-balancing and z-losses per forward. Sums in double; NaN losses make their mean NaN.
 */
public final class MoeDiagnostics {

    private final long[] slotCounts;
    private long slots;
    private long forwards;
    private double balanceSum;
    private double zSum;

    MoeDiagnostics(int numExperts) {
        this.slotCounts = new long[numExperts];
    }

    /** Adds one forward: expertStart [N + 1] (prefix sums of slots per expert) and its losses. */
    void record(int[] expertStart, int slotCount, double balanceLoss, double zLoss) {
        for (int e = 0; e < slotCounts.length; e++) {
            slotCounts[e] += expertStart[e + 1] - expertStart[e];
        }
        slots += slotCount;
        forwards++;
        balanceSum += balanceLoss;
        zSum += zLoss;
    }

    /** Fraction of token-slots routed to each expert since reset (sums to 1): [N]. NaN if none. */
    public double[] expertLoad() {
        double[] load = new double[slotCounts.length];
        for (int e = 0; e < load.length; e++) {
            load[e] = (double) slotCounts[e] / slots;
        }
        return load;
    }

    /** Mean load-balancing loss per forward since reset; NaN before any forward. */
    public double meanBalanceLoss() {
        return balanceSum / forwards;
    }

    /** Mean router z-loss per forward since reset; NaN before any forward. */
    public double meanZLoss() {
        return zSum / forwards;
    }

    /**
     * Scalars for training logs: balance_loss, z_loss, max_load (largest expert share; 1/N is
     * perfectly balanced) and min_load.
     */
    public Map<String, Double> summary() {
        double[] load = expertLoad();
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        for (double l : load) {
            max = Math.max(max, l);
            min = Math.min(min, l);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("balance_loss", meanBalanceLoss());
        m.put("z_loss", meanZLoss());
        m.put("max_load", max);
        m.put("min_load", min);
        return m;
    }

    public void reset() {
        java.util.Arrays.fill(slotCounts, 0);
        slots = 0;
        forwards = 0;
        balanceSum = 0;
        zSum = 0;
    }
}
