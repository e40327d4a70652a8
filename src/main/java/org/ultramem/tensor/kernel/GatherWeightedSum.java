package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Gathered weighted sums and their adjoints: the row traffic of product-key memories (pooling
 * selected value rows, exact scores of candidate keys, the value backward).
 *
 * <p>A gathered row of width {@code segs·seg} is split into {@code segs} segments of {@code seg}
 * floats (the Tucker cores' value chunks, or a key's rank components); each segment has its own
 * weight or dot product. Three operations:
 * <pre>
 *   weightedSum: out[p·seg + d] = Σ_i w[s_i·segs + p] · table[rows[s_i]·segs·seg + p·seg + d]
 *   gatherDot:   out[i·segs + p] = Σ_d x[p·xStride + d] · table[tableOff + rows[i]·segs·seg + p·seg + d]
 *   dotAxpy:     returns Σ_d a[d]·x[d] and does y[d] += alpha·x[d]     (one pass over x)
 * </pre>
 * weightedSum visits the slots s_i in list order, so each output is a fixed-order sum.
 *
 * <p>Twins: {@code *Scalar} (plain loops, the reference, behind {@link ScalarKernels}) and
 * {@code *Vector} (behind {@link VectorKernels}; segments shorter than two vectors take the scalar
 * loops); {@link KernelProvider} chooses. The twins agree to rounding (the vector twin
 * uses fused multiply-add and lane-parallel partial sums). Non-finite values propagate as IEEE
 * arithmetic says.
 */
final class GatherWeightedSum {

    private GatherWeightedSum() {
    }

    /**
     * Overwrites {@code out[outOff .. outOff + segs·seg)} with the weighted sum of the rows of the
     * {@code count} slots {@code slots[slotsOff ..]}: slot s contributes row {@code rows[s]} of
     * {@code table} (row width segs·seg) with weight {@code w[s·segs + p]} on segment p.
     */
    static void weightedSumVector(float[] out, int outOff, float[] table, int[] rows, float[] w,
                                  int[] slots, int slotsOff, int count, int segs, int seg) {
        if (seg >= 2 * VectorBody.L) {
            VectorBody.weightedSum(out, outOff, table, rows, w, slots, slotsOff, count, segs, seg);
        } else {
            weightedSumScalar(out, outOff, table, rows, w, slots, slotsOff, count, segs, seg);
        }
    }

    /**
     * The general vector loop of {@link #weightedSumVector} whatever the shape (segments of at
     * least two vectors): the twin its one-pass-per-row path must equal bit for bit.
     */
    static void weightedSumVectorPerSegment(float[] out, int outOff, float[] table, int[] rows,
                                            float[] w, int[] slots, int slotsOff, int count,
                                            int segs, int seg) {
        VectorBody.weightedSumPerSegment(out, outOff, table, rows, w, slots, slotsOff, count,
                segs, seg);
    }

    /** The plain-loop reference of {@link #weightedSumVector}. */
    static void weightedSumScalar(float[] out, int outOff, float[] table, int[] rows,
                                  float[] w, int[] slots, int slotsOff, int count,
                                  int segs, int seg) {
        int dim = segs * seg;
        java.util.Arrays.fill(out, outOff, outOff + dim, 0f);
        for (int i = 0; i < count; i++) {
            int s = slots[slotsOff + i];
            int base = rows[s] * dim;
            for (int p = 0; p < segs; p++) {
                float wp = w[s * segs + p];
                for (int d = 0; d < seg; d++) {
                    out[outOff + p * seg + d] += wp * table[base + p * seg + d];
                }
            }
        }
    }

    /**
     * Writes {@code count·segs} dot products: for gathered row {@code rows[rowsOff + i]} (width
     * segs·seg, starting at {@code tableOff}) and segment p, the dot with
     * {@code x[xOff + p·xStride ..]} (xStride 0: one vector against every segment).
     */
    static void gatherDotVector(float[] out, int outOff, float[] x, int xOff, int xStride,
                                float[] table, int tableOff, int[] rows, int rowsOff, int count,
                                int segs, int seg) {
        if (seg >= 2 * VectorBody.L) {
            VectorBody.gatherDot(out, outOff, x, xOff, xStride, table, tableOff, rows, rowsOff,
                    count, segs, seg);
        } else {
            gatherDotScalar(out, outOff, x, xOff, xStride, table, tableOff, rows, rowsOff, count,
                    segs, seg);
        }
    }

    /** The plain-loop reference of {@link #gatherDotVector}. */
    static void gatherDotScalar(float[] out, int outOff, float[] x, int xOff, int xStride,
                                float[] table, int tableOff, int[] rows, int rowsOff,
                                int count, int segs, int seg) {
        for (int i = 0; i < count; i++) {
            int base = tableOff + rows[rowsOff + i] * segs * seg;
            for (int p = 0; p < segs; p++) {
                float acc = 0f;
                for (int d = 0; d < seg; d++) {
                    acc += x[xOff + p * xStride + d] * table[base + p * seg + d];
                }
                out[outOff + i * segs + p] = acc;
            }
        }
    }

    /** Returns Σ a[aOff+d]·x[xOff+d] and adds alpha·x into y[yOff ..], d < n, in one pass. */
    static float dotAxpyVector(float[] y, int yOff, float alpha, float[] a, int aOff, float[] x,
                               int xOff, int n) {
        if (n >= 2 * VectorBody.L) {
            return VectorBody.dotAxpy(y, yOff, alpha, a, aOff, x, xOff, n);
        }
        return dotAxpyScalar(y, yOff, alpha, a, aOff, x, xOff, n);
    }

    /** The plain-loop reference of {@link #dotAxpyVector}. */
    static float dotAxpyScalar(float[] y, int yOff, float alpha, float[] a, int aOff,
                               float[] x, int xOff, int n) {
        float acc = 0f;
        for (int d = 0; d < n; d++) {
            float xd = x[xOff + d];
            acc += a[aOff + d] * xd;
            y[yOff + d] += alpha * xd;
        }
        return acc;
    }

    /** Vector bodies, in a nested class so the Vector API loads only when it is used. */
    private static final class VectorBody {
        static final VectorSpecies<Float> SPECIES = VectorKernels.SPECIES;
        static final int L = SPECIES.length();

        static void weightedSum(float[] out, int outOff, float[] table, int[] rows, float[] w,
                                int[] slots, int slotsOff, int count, int segs, int seg) {
            int dim = segs * seg;
            if (seg % (4 * L) == 0 && dim >= 8 * L) {
                weightedSumWide(out, outOff, table, rows, w, slots, slotsOff, count, segs, seg);
            } else {
                weightedSumPerSegment(out, outOff, table, rows, w, slots, slotsOff, count, segs,
                        seg);
            }
        }

        /** One pass over the slots per segment and 4 vectors (the general vector loop). */
        static void weightedSumPerSegment(float[] out, int outOff, float[] table, int[] rows,
                                          float[] w, int[] slots, int slotsOff, int count,
                                          int segs, int seg) {
            int dim = segs * seg;
            for (int p = 0; p < segs; p++) {
                int segOff = p * seg;
                int d = 0;
                // Four accumulators per pass over the slots: 4 loads + 4 FMAs per slot row.
                for (; d <= seg - 4 * L; d += 4 * L) {
                    FloatVector acc0 = FloatVector.zero(SPECIES);
                    FloatVector acc1 = FloatVector.zero(SPECIES);
                    FloatVector acc2 = FloatVector.zero(SPECIES);
                    FloatVector acc3 = FloatVector.zero(SPECIES);
                    for (int i = 0; i < count; i++) {
                        int s = slots[slotsOff + i];
                        int src = rows[s] * dim + segOff + d;
                        FloatVector wv = FloatVector.broadcast(SPECIES, w[s * segs + p]);
                        acc0 = FloatVector.fromArray(SPECIES, table, src).fma(wv, acc0);
                        acc1 = FloatVector.fromArray(SPECIES, table, src + L).fma(wv, acc1);
                        acc2 = FloatVector.fromArray(SPECIES, table, src + 2 * L).fma(wv, acc2);
                        acc3 = FloatVector.fromArray(SPECIES, table, src + 3 * L).fma(wv, acc3);
                    }
                    int dst = outOff + segOff + d;
                    acc0.intoArray(out, dst);
                    acc1.intoArray(out, dst + L);
                    acc2.intoArray(out, dst + 2 * L);
                    acc3.intoArray(out, dst + 3 * L);
                }
                for (; d <= seg - L; d += L) {
                    FloatVector acc = FloatVector.zero(SPECIES);
                    for (int i = 0; i < count; i++) {
                        int s = slots[slotsOff + i];
                        FloatVector wv = FloatVector.broadcast(SPECIES, w[s * segs + p]);
                        acc = FloatVector.fromArray(SPECIES, table, rows[s] * dim + segOff + d)
                                .fma(wv, acc);
                    }
                    acc.intoArray(out, outOff + segOff + d);
                }
                for (; d < seg; d++) {
                    float acc = 0f;
                    for (int i = 0; i < count; i++) {
                        int s = slots[slotsOff + i];
                        acc = Math.fma(w[s * segs + p], table[rows[s] * dim + segOff + d], acc);
                    }
                    out[outOff + segOff + d] = acc;
                }
            }
        }

        /**
         * {@link #weightedSum} when segments are whole multiples of 4 vectors: one pass over the
         * slots per 8 vectors of the row (two segments' worth at the V2 family's 2 × 64 floats
         * and 16 lanes), so each gathered row is read once with all its cache-line misses in
         * flight together, instead of once per segment. Every output is still one fused
         * multiply-add chain over the slots in list order, so the result is that of the
         * per-segment loops bit for bit.
         */
        static void weightedSumWide(float[] out, int outOff, float[] table, int[] rows,
                                    float[] w, int[] slots, int slotsOff, int count, int segs,
                                    int seg) {
            int dim = segs * seg;
            int c = 0;
            for (; c <= dim - 8 * L; c += 8 * L) {
                int pa = c / seg;
                int pb = (c + 4 * L) / seg;
                FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
                FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0;
                for (int i = 0; i < count; i++) {
                    int s = slots[slotsOff + i];
                    int src = rows[s] * dim + c;
                    FloatVector wa = FloatVector.broadcast(SPECIES, w[s * segs + pa]);
                    FloatVector wb = FloatVector.broadcast(SPECIES, w[s * segs + pb]);
                    a0 = FloatVector.fromArray(SPECIES, table, src).fma(wa, a0);
                    a1 = FloatVector.fromArray(SPECIES, table, src + L).fma(wa, a1);
                    a2 = FloatVector.fromArray(SPECIES, table, src + 2 * L).fma(wa, a2);
                    a3 = FloatVector.fromArray(SPECIES, table, src + 3 * L).fma(wa, a3);
                    b0 = FloatVector.fromArray(SPECIES, table, src + 4 * L).fma(wb, b0);
                    b1 = FloatVector.fromArray(SPECIES, table, src + 5 * L).fma(wb, b1);
                    b2 = FloatVector.fromArray(SPECIES, table, src + 6 * L).fma(wb, b2);
                    b3 = FloatVector.fromArray(SPECIES, table, src + 7 * L).fma(wb, b3);
                }
                int dst = outOff + c;
                a0.intoArray(out, dst);
                a1.intoArray(out, dst + L);
                a2.intoArray(out, dst + 2 * L);
                a3.intoArray(out, dst + 3 * L);
                b0.intoArray(out, dst + 4 * L);
                b1.intoArray(out, dst + 5 * L);
                b2.intoArray(out, dst + 6 * L);
                b3.intoArray(out, dst + 7 * L);
            }
            for (; c < dim; c += 4 * L) {
                int p = c / seg;
                FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
                for (int i = 0; i < count; i++) {
                    int s = slots[slotsOff + i];
                    int src = rows[s] * dim + c;
                    FloatVector wa = FloatVector.broadcast(SPECIES, w[s * segs + p]);
                    a0 = FloatVector.fromArray(SPECIES, table, src).fma(wa, a0);
                    a1 = FloatVector.fromArray(SPECIES, table, src + L).fma(wa, a1);
                    a2 = FloatVector.fromArray(SPECIES, table, src + 2 * L).fma(wa, a2);
                    a3 = FloatVector.fromArray(SPECIES, table, src + 3 * L).fma(wa, a3);
                }
                int dst = outOff + c;
                a0.intoArray(out, dst);
                a1.intoArray(out, dst + L);
                a2.intoArray(out, dst + 2 * L);
                a3.intoArray(out, dst + 3 * L);
            }
        }

        static void gatherDot(float[] out, int outOff, float[] x, int xOff, int xStride,
                              float[] table, int tableOff, int[] rows, int rowsOff, int count,
                              int segs, int seg) {
            for (int i = 0; i < count; i++) {
                int base = tableOff + rows[rowsOff + i] * segs * seg;
                for (int p = 0; p < segs; p++) {
                    out[outOff + i * segs + p] = dot(x, xOff + p * xStride, table, base + p * seg, seg);
                }
            }
        }

        /** Two accumulators, reduced once; n ≥ 2 lanes. */
        static float dot(float[] a, int aOff, float[] b, int bOff, int n) {
            FloatVector acc0 = FloatVector.zero(SPECIES);
            FloatVector acc1 = FloatVector.zero(SPECIES);
            int d = 0;
            for (; d <= n - 2 * L; d += 2 * L) {
                acc0 = FloatVector.fromArray(SPECIES, a, aOff + d)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + d), acc0);
                acc1 = FloatVector.fromArray(SPECIES, a, aOff + d + L)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + d + L), acc1);
            }
            for (; d <= n - L; d += L) {
                acc0 = FloatVector.fromArray(SPECIES, a, aOff + d)
                        .fma(FloatVector.fromArray(SPECIES, b, bOff + d), acc0);
            }
            float s = Lanes.sum(acc0.add(acc1));
            for (; d < n; d++) {
                s += a[aOff + d] * b[bOff + d];
            }
            return s;
        }

        static float dotAxpy(float[] y, int yOff, float alpha, float[] a, int aOff, float[] x,
                             int xOff, int n) {
            FloatVector va = FloatVector.broadcast(SPECIES, alpha);
            FloatVector acc0 = FloatVector.zero(SPECIES);
            FloatVector acc1 = FloatVector.zero(SPECIES);
            int d = 0;
            for (; d <= n - 2 * L; d += 2 * L) {
                FloatVector x0 = FloatVector.fromArray(SPECIES, x, xOff + d);
                FloatVector x1 = FloatVector.fromArray(SPECIES, x, xOff + d + L);
                acc0 = FloatVector.fromArray(SPECIES, a, aOff + d).fma(x0, acc0);
                acc1 = FloatVector.fromArray(SPECIES, a, aOff + d + L).fma(x1, acc1);
                x0.fma(va, FloatVector.fromArray(SPECIES, y, yOff + d)).intoArray(y, yOff + d);
                x1.fma(va, FloatVector.fromArray(SPECIES, y, yOff + d + L)).intoArray(y, yOff + d + L);
            }
            for (; d <= n - L; d += L) {
                FloatVector x0 = FloatVector.fromArray(SPECIES, x, xOff + d);
                acc0 = FloatVector.fromArray(SPECIES, a, aOff + d).fma(x0, acc0);
                x0.fma(va, FloatVector.fromArray(SPECIES, y, yOff + d)).intoArray(y, yOff + d);
            }
            float s = Lanes.sum(acc0.add(acc1));
            for (; d < n; d++) {
                float xd = x[xOff + d];
                s += a[aOff + d] * xd;
                y[yOff + d] += alpha * xd;
            }
            return s;
        }
    }
}
