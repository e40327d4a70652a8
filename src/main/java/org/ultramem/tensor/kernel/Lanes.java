package org.ultramem.tensor.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane reductions whose result is the same in every JIT tier. {@code reduceLanes(ADD)} is not:
 * the interpreter adds lanes in one order and C2 in another, so results could differ in the last
 * bit between the first and later calls of a kernel (this broke bit-exact training resume). Here
 * the order is fixed: a pairwise tree of lanewise adds (lane i + lane i+L/2, then i + L/4, ...),
 * each an exact IEEE operation in every tier. Extracting the 8 lanes one by one and adding them
 * made a GEMV of 256-wide rows markedly slower (2026-11, not kept); the tree is three shuffle+add
 * pairs. {@link #sumRows} reduces L rows in that same order at once, bit for bit.
 */
final class Lanes {

    private static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    private static final int L = S.length();
    /**
     * R[s] moves lane i + s onto lane i (mod L), one constant per tree level. Package-visible for
     * the one site that writes the tree out ({@code VectorRows.expShiftInPlace}).
     */
    static final VectorShuffle<Float> R8 = rotation(8);
    static final VectorShuffle<Float> R4 = rotation(4);
    static final VectorShuffle<Float> R2 = rotation(2);
    static final VectorShuffle<Float> R1 = rotation(1);

    /** Lanes with bit s set, per level s = 8, 4, 2, 1 (unused levels are never read). */
    private static final VectorMask<Float> UP8 = upper(8);
    private static final VectorMask<Float> UP4 = upper(4);
    private static final VectorMask<Float> UP2 = upper(2);
    private static final VectorMask<Float> UP1 = upper(1);
    /** Lane i ↔ lane i xor s. */
    private static final VectorShuffle<Float> SW8 = swap(8);
    private static final VectorShuffle<Float> SW4 = swap(4);
    private static final VectorShuffle<Float> SW2 = swap(2);
    private static final VectorShuffle<Float> SW1 = swap(1);

    /** Each thread's L×L staging of partial sums (L1-resident). */
    private static final ThreadLocal<float[]> STAGE =
            ThreadLocal.withInitial(() -> new float[L * L]);

    private Lanes() {
    }

    /**
     * The sum of v's lanes as the tree ((v0 + v4) + (v2 + v6)) + ((v1 + v5) + (v3 + v7)) for L 8.
     * Straight-line over constant shuffles (L folds, so the guards vanish): the earlier loop over
     * a static array of shuffles was sometimes left un-intrinsified by C2 in one JVM and not the
     * next (JFR of `ultramem bench serve --family`: FloatVector.lanewiseTemplate under
     * Lanes.sum, MoE serving 375 vs 1021 tokens/s between runs of the same jar, 2026-12).
     * Each level is a method of its own under C2's 35-byte {@code MaxInlineSize}, which C2
     * inlines whatever the profile says: the one 79-byte method was inlined only where the
     * profile called the site hot, and a thin profile left it out of line with its vector boxed
     * on the heap at every call ({@code bench decode}, MoE at batch 64: 25.8 MB per step,
     * 2026-12-07; the KB-allocated column shows it).
     */
    static float sum(FloatVector v) {
        return fold1(fold2(fold4(fold8(v)))).lane(0);
    }

    private static FloatVector fold8(FloatVector t) {
        return L >= 16 ? t.add(t.rearrange(R8)) : t;
    }

    private static FloatVector fold4(FloatVector t) {
        return L >= 8 ? t.add(t.rearrange(R4)) : t;
    }

    private static FloatVector fold2(FloatVector t) {
        return L >= 4 ? t.add(t.rearrange(R2)) : t;
    }

    private static FloatVector fold1(FloatVector t) {
        return t.add(t.rearrange(R1));
    }

    /** The same order in plain Java, for tests. */
    static float sumScalar(float[] lanes) {
        float[] t = lanes.clone();
        for (int half = t.length / 2; half >= 1; half /= 2) {
            float[] next = new float[t.length];
            for (int i = 0; i < t.length; i++) {
                next[i] = t[i] + t[(i + half) % t.length];
            }
            t = next;
        }
        return t[0];
    }

    private static VectorShuffle<Float> rotation(int shift) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            idx[i] = (i + shift) % L;
        }
        return VectorShuffle.fromArray(S, idx, 0);
    }

    /** Whether {@link #sumRows} serves this species (8 or 16 lanes). */
    static boolean supported() {
        return L == 8 || L == 16;
    }

    /**
     * The sum of a[off .. off + L) in {@link #sum}'s tree order, bit for bit, reduced in place in
     * scalar code: for a vector stored by a caller that C2 may compile with {@link #sum} left
     * out of line, where the vector would be boxed and every fold would take the Java fallback.
     */
    static float sumInPlace(float[] a, int off) {
        for (int half = L / 2; half >= 1; half /= 2) {
            for (int i = 0; i < half; i++) {
                a[off + i] = a[off + i] + a[off + i + half];
            }
        }
        return a[off];
    }

    /** This thread's staging array [L][L] for {@link #sumRows}. */
    static float[] stage() {
        return STAGE.get();
    }

    /**
     * out[outOff + j] = scale · sum(row j of stage [L][L]), j < L, bit for bit; overwrites stage.
     * The rows are reduced together by a lane transpose: level s (L/2, ..., 1) pairs rows a and b
     * into one, lanes with bit s clear holding a[i] + a[i + s] and lanes with it set
     * b[i − s] + b[i], exactly the adds of {@link #sum}'s tree, and lane j of the last row is row
     * j's sum. L − 1 pairings (two blends, a swap, an add) replace L · log2 L dependent
     * rotation-adds and L lane extracts (the decode attention's bf16 key scores, D_h 64 at four
     * FMAs per key: {@code SegmentAttentionVector.scoresBlocked}). Level by level in
     * place, each pairing a load-pair-store: written as one straight-line tree of vectors, the
     * fifteen pairings overflowed C2's inlining budget ({@code -XX:+PrintInlining}) and the
     * vectors crossing the calls it gave up on were boxed.
     */
    static void sumRows(float[] stage, float[] out, int outOff, float scale) {
        if (!supported()) {
            throw new IllegalStateException("Lanes.sumRows supports 8 or 16 lanes, not " + L);
        }
        if (L == 16) {
            for (int j = 0; j < 8; j++) {
                pairInto(stage, j, j + 8, UP8, SW8);
            }
        }
        for (int j = 0; j < 4; j++) {
            pairInto(stage, j, j + 4, UP4, SW4);
        }
        for (int j = 0; j < 2; j++) {
            pairInto(stage, j, j + 2, UP2, SW2);
        }
        pairInto(stage, 0, 1, UP1, SW1);
        row(stage, 0).mul(scale).intoArray(out, outOff);
    }

    /**
     * out[outOff + j] = scale · sum(row j of stage), j < count ≤ L: {@link #sumRows} for a block
     * of count rows, the last one of a span short of L. Overwrites stage.
     */
    static void sumFirstRows(float[] stage, int count, float[] out, int outOff, float scale) {
        if (count == L) {
            sumRows(stage, out, outOff, scale);
        } else {
            // Rows past count hold stale sums; each lane's result depends on its row only.
            int last = (L - 1) * L;
            sumRows(stage, stage, last, scale);
            System.arraycopy(stage, last, out, outOff, count);
        }
    }

    private static FloatVector row(float[] stage, int j) {
        return FloatVector.fromArray(S, stage, j * L);
    }

    /** Row a ← pair(row a, row b) at level s. */
    private static void pairInto(float[] stage, int a, int b, VectorMask<Float> up,
                                 VectorShuffle<Float> swap) {
        // Lanes without bit s: a[i] + a[i + s]; lanes with it: b[i] + b[i − s].
        FloatVector va = row(stage, a);
        FloatVector vb = row(stage, b);
        FloatVector keep = va.blend(vb, up);
        FloatVector moved = vb.blend(va, up).rearrange(swap);
        keep.add(moved).intoArray(stage, a * L);
    }

    private static VectorMask<Float> upper(int s) {
        boolean[] bits = new boolean[L];
        for (int i = 0; i < L; i++) {
            bits[i] = (i & s) != 0;
        }
        return VectorMask.fromArray(S, bits, 0);
    }

    private static VectorShuffle<Float> swap(int s) {
        int[] idx = new int[L];
        for (int i = 0; i < L; i++) {
            idx[i] = s < L ? i ^ s : i;
        }
        return VectorShuffle.fromArray(S, idx, 0);
    }
}
