package org.ultramem.infer;

import java.lang.foreign.Arena;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.nn.moe.ExpertGrouping;
import org.ultramem.nn.moe.MoeConfig;
import org.ultramem.nn.moe.TopKSoftmax;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Decode path of a top-k mixture of SwiGLU experts (the same math as {@code MoeLayer.apply}).
 * Shapes (rows tokens, D hidden, N experts, k per token, d_e expert width):
 * <pre>
 *   logits [rows, N] = x·W_routerᵀ; p = softmax (double); experts, combine [rows, k] = top-k of p
 *   group the rows·k slots by expert (stable) → X_g [rows·k, D]
 *   per hit expert e (its c_e rows): G, U = X_g·W_gateᵀ, X_g·W_upᵀ; H = silu(G)⊙U; O = H·W_downᵀ
 *   y[t] = Σ_j combine[t, j] · O[row of (t, j)]
 * </pre>
 * Each hit expert's weights are read once per step whatever its token count; experts run in
 * parallel (one thread per block of experts, GEMMs inline). The meter counts distinct experts hit.
 * Expert GEMMs go through {@link Matrix#applyFewRows}: under the server's fixed row path they take
 * the per-token dot tiles rather than the transposed path, which pads an expert's few rows to a
 * group of 2·lanes tokens.
 */
final class MoeDecoder {

    private final Kernels kern;
    private final int dModel;
    private final int numExperts;
    private final int topK;
    private final int de;
    private final boolean normalize;
    private final Matrix router;
    private final Matrix[] gate;
    private final Matrix[] up;
    private final Matrix[] down;

    private int capacity;
    private float[] logits;
    private float[] probs;
    private int[] experts;
    private float[] combine;
    private int[] expertStart;
    private int[] rowOf;
    private int[] slotOf;
    private int[] hit;
    private float[] xGrouped;
    private float[] gateOut;
    private float[] upOut;
    private float[] hidden;
    private float[] expertOut;

    MoeDecoder(WeightStore store, String prefix, MoeConfig cfg, int dModel, Precision precision,
               Arena arena, Kernels kern) {
        this.kern = kern;
        this.dModel = dModel;
        this.numExperts = cfg.numExperts();
        this.topK = cfg.topK();
        this.de = cfg.intermediateSize();
        this.normalize = cfg.normalizeTopK();
        router = Matrix.load(store, prefix + "router.weight", numExperts, dModel, Precision.F32,
                arena);
        gate = new Matrix[numExperts];
        up = new Matrix[numExperts];
        down = new Matrix[numExperts];
        for (int e = 0; e < numExperts; e++) {
            String p = prefix + "experts." + e + ".";
            gate[e] = Matrix.load(store, p + "gate_proj.weight", de, dModel, precision, arena);
            up[e] = Matrix.load(store, p + "up_proj.weight", de, dModel, precision, arena);
            down[e] = Matrix.load(store, p + "down_proj.weight", dModel, de, precision, arena);
        }
        expertStart = new int[numExperts + 1];
        hit = new int[numExperts];
    }

    /** Bytes of one expert (gate, up, down). */
    long expertBytes() {
        return gate[0].bytes() + up[0].bytes() + down[0].bytes();
    }

    /** Bytes of all experts. */
    long totalExpertBytes() {
        return numExperts * expertBytes();
    }

    private void ensure(int rows) {
        if (rows <= capacity) {
            return;
        }
        capacity = rows;
        int slots = rows * topK;
        logits = new float[rows * numExperts];
        probs = new float[rows * numExperts];
        experts = new int[slots];
        combine = new float[slots];
        rowOf = new int[slots];
        slotOf = new int[slots];
        xGrouped = new float[slots * dModel];
        gateOut = new float[slots * de];
        upOut = new float[slots * de];
        hidden = new float[slots * de];
        expertOut = new float[slots * dModel];
    }

    /** y [rows, D] = MoE(x [rows, D]), each expert one GEMM over all its rows. */
    void apply(float[] y, float[] x, int rows, TrafficMeter meter) {
        apply(y, x, rows, null, meter);
    }

    /**
     * As above; with {@code sequenceOf} (the sequence of each row, a pass of several sequences
     * whose rows are contiguous, {@link InferenceModel#extend}) each expert runs one GEMM per
     * sequence instead, so every row is summed as in a pass of its sequence alone (under
     * {@code RowPath.BY_ROWS} the GEMM kernel depends on the rows of the call).
     */
    void apply(float[] y, float[] x, int rows, int[] sequenceOf, TrafficMeter meter) {
        ensure(rows);
        router.apply(kern, logits, x, rows);
        meter.add(Component.DENSE, router.bytes());
        for (int t = 0; t < rows; t++) {
            TopKSoftmax.route(kern, logits, probs, t, numExperts, topK, normalize, experts,
                    combine);
        }
        int slots = rows * topK;
        int nHit = ExpertGrouping.group(experts, slots, numExperts, expertStart, rowOf, slotOf,
                hit);
        ExpertGrouping.gather(xGrouped, x, slotOf, slots, topK, dModel);
        // Experts carry different row counts: the cores claim a few at a time, not half each.
        int piece = Parallel.piece(nHit, 1);
        Parallel.forChunks(nHit, piece, (from, to) -> {
            for (int i = from; i < to; i++) {
                int e = hit[i];
                int r0 = expertStart[e];
                int end = expertStart[e + 1];
                for (int a = r0, c; a < end; a += c) {
                    c = runLength(sequenceOf, a, end);
                    gate[e].applyFewRows(kern, gateOut, a * de, de, xGrouped, a * dModel, dModel,
                            c);
                    up[e].applyFewRows(kern, upOut, a * de, de, xGrouped, a * dModel, dModel, c);
                }
            }
        });
        kern.swigluForward(hidden, gateOut, upOut, slots * de);
        Parallel.forChunks(nHit, piece, (from, to) -> {
            for (int i = from; i < to; i++) {
                int e = hit[i];
                int r0 = expertStart[e];
                int end = expertStart[e + 1];
                for (int a = r0, c; a < end; a += c) {
                    c = runLength(sequenceOf, a, end);
                    down[e].applyFewRows(kern, expertOut, a * dModel, dModel, hidden, a * de, de,
                            c);
                }
            }
        });
        meter.add(Component.EXPERTS, nHit * expertBytes());
        ExpertGrouping.combine(kern, y, combine, expertOut, rowOf, slots, topK, dModel);
    }

    /** Grouped rows from {@code from} (before {@code end}) whose token has the same sequence. */
    private int runLength(int[] sequenceOf, int from, int end) {
        if (sequenceOf == null) {
            return end - from;
        }
        int seq = sequenceOf[slotOf[from] / topK];
        int to = from + 1;
        while (to < end && sequenceOf[slotOf[to] / topK] == seq) {
            to++;
        }
        return to - from;
    }
}
