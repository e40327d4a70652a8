package org.ultramem.tensor.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The unnormalized softmax of one logits row in double, for the sampler:
 * w[i] = exp(logits[off + i] / T − max), max = max_i logits[off + i] / T, and Σ w. At batch 64
 * and V 8192 the server computed 64 × 8192 {@code Math.exp} per decode step (the sampler was
 * 4.6 % of the CPU samples of {@code bench serve --clients 64}; 2026-12, async-profiler; about
 * half that with these lanes in the same profile).
 *
 * <p>exp is {@link #exp(double)} (adds, multiplies and FMAs only, like {@link VectorExp}), so the vector
 * lanes and the scalar tail agree bit for bit, in every JIT tier and at every vector width; the
 * sum is four interleaved scalar partial sums in a fixed order, so it does not depend on the
 * width either. A seeded request therefore draws the same tokens on AVX-512, AVX2 or without
 * vectors, whatever else is in the batch.
 *
 * <p>Non-finite values: a NaN logit makes {@link #maxScaled} NaN, for the caller to reject
 * ({@link #firstNaN} finds it); a −∞ logit gets weight 0. A row whose max is infinite is left
 * to the caller ({@link #weights} requires a finite max).
 */
public final class SoftmaxWeights {

    private static final VectorSpecies<Double> DS = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(DS.vectorBitSize() / 2));
    private static final int L = DS.length();

    private static final double LOG2E = 1.4426950408889634;
    private static final double LN2_HI = 6.93147180369123816490e-01;
    private static final double LN2_LO = 1.90821492927058770002e-10;
    /** 1.5·2^52: adding it rounds a double below 2^51 in magnitude to an integer. */
    private static final double ROUND = 0x1.8p52;
    private static final long ROUND_BITS = Double.doubleToRawLongBits(ROUND);
    /** Below this exp is taken as 0 (e^−708 ≈ 3e−308, the bottom of the normal doubles). */
    private static final double LO = -708;
    /** 1/k! for k = 12 down to 0: e^r for |r| ≤ ln2/2 to within 1 ulp (next term 2e−16). */
    private static final double[] TAYLOR = new double[13];

    static {
        double factorial = 1;
        for (int k = 0; k <= 12; k++) {
            factorial *= Math.max(k, 1);
            TAYLOR[12 - k] = 1 / factorial;
        }
    }

    private SoftmaxWeights() {
    }

    /** The index of the first NaN in {@code x[off .. off+n)}, or −1 (a plain loop: errors only). */
    public static int firstNaN(float[] x, int off, int n) {
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(x[off + i])) {
                return i;
            }
        }
        return -1;
    }

    /** max_i x[off + i] / t (as doubles); NaN when the row holds a NaN (max propagates it). */
    public static double maxScaled(float[] x, int off, int n, double t) {
        double max = Double.NEGATIVE_INFINITY;
        int i = 0;
        if (L >= 2 && n >= 2 * L) {
            DoubleVector m = DoubleVector.broadcast(DS, Double.NEGATIVE_INFINITY);
            for (; i <= n - L; i += L) {
                m = m.max(((DoubleVector) FloatVector.fromArray(FS, x, off + i)
                        .convertShape(VectorOperators.F2D, DS, 0)).div(t));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[off + i] / t);
        }
        return max;
    }

    /**
     * w[i] = exp(x[off + i] / t − max) for i &lt; n; returns Σ w (four interleaved partial sums).
     * {@code max} must be finite (and at least every x / t, so the exponents are ≤ 0).
     */
    public static double weights(float[] x, int off, int n, double t, double max, double[] w) {
        int i = 0;
        if (L >= 2) {
            // exp's lanes written out in the loop, as {@link #exp(double)} computes each: a helper
            // taking and returning vectors, once C2 has compiled it on its own, is not inlined
            // into a later compile of this loop ("already compiled into a big method"), and each
            // call then boxes its vectors; with exp, or the load, kept out of line
            // (-XX:CompileCommand=dontinline) sampling took 8-9% of the serving scheduler's time
            // against ~4% (`ultramem bench serve --decode-models --only ultramem`, 2026-12).
            for (; i <= n - L; i += L) {
                DoubleVector d = ((DoubleVector) FloatVector.fromArray(FS, x, off + i)
                        .convertShape(VectorOperators.F2D, DS, 0)).div(t).sub(max);
                VectorMask<Double> under = d.compare(VectorOperators.LT, LO);
                DoubleVector dc = d.max(LO);
                DoubleVector shifted = dc.fma(LOG2E, ROUND);
                DoubleVector nNeg = shifted.sub(ROUND).neg();
                DoubleVector r = nNeg.fma(DoubleVector.broadcast(DS, LN2_HI), dc);
                r = nNeg.fma(DoubleVector.broadcast(DS, LN2_LO), r);
                DoubleVector p = DoubleVector.broadcast(DS, TAYLOR[0]);
                for (int k = 1; k <= 12; k++) {
                    p = p.fma(r, DoubleVector.broadcast(DS, TAYLOR[k]));
                }
                LongVector bits = ((LongVector) shifted.viewAsIntegralLanes())
                        .sub(ROUND_BITS - 1023).lanewise(VectorOperators.LSHL, 52);
                p.mul((DoubleVector) bits.viewAsFloatingLanes()).blend(0, under).intoArray(w, i);
            }
        }
        for (; i < n; i++) {
            w[i] = exp(x[off + i] / t - max);
        }
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int j = 0;
        for (; j <= n - 4; j += 4) {
            s0 += w[j];
            s1 += w[j + 1];
            s2 += w[j + 2];
            s3 += w[j + 3];
        }
        double tail = 0;
        for (; j < n; j++) {
            tail += w[j];
        }
        return (s0 + s1) + (s2 + s3) + tail;
    }

    /**
     * e^d for d ≤ 0 (within 2 ulp of {@code Math.exp}; 0 below −708, so e^−∞ = 0): d = n·ln2 + r,
     * Taylor to degree 12 for e^r, 2^n through the exponent bits. The reference for the lanes.
     */
    public static double exp(double d) {
        double dc = Math.max(d, LO);
        double shifted = Math.fma(dc, LOG2E, ROUND);
        double n = shifted - ROUND;
        double r = Math.fma(-n, LN2_HI, dc);
        r = Math.fma(-n, LN2_LO, r);
        double p = TAYLOR[0];
        for (int k = 1; k <= 12; k++) {
            p = Math.fma(p, r, TAYLOR[k]);
        }
        long bits = (Double.doubleToRawLongBits(shifted) - ROUND_BITS + 1023) << 52;
        double e = p * Double.longBitsToDouble(bits);
        return d < LO ? 0 : e;
    }

}
