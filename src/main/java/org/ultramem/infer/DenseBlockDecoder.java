package org.ultramem.infer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.model.ModelConfig;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * One pre-norm transformer block for inference over a pass of {@code rows} tokens (B sequences
 * one token each, or one sequence's prompt chunk). Shapes: x, normed, branch [rows, D]; q, k, v,
 * ctx [rows, D]; K/V cache [capacity, D] per sequence:
 * <pre>
 *   n = RMS_attn(x);  q = rope(n·Wqᵀ), k = rope(n·Wkᵀ), v = n·Wvᵀ  (one GEMM each: W read once)
 *   cache[seq][head][pos] ← k, v (fp32 or bf16);  per row and head, in parallel:
 *   ctx = softmax(q·Kᵀ/√hd over positions ≤ pos)·V  (Kernels.segmentAttend, fp32 accumulation)
 *   x += ctx·Woᵀ     (the last block goes on from here with only the rows whose logits
 *                    are wanted, every row's k, v being cached: InferenceModel.forward)
 *   a = RMS_ff(x)   (also the input of memory layers sourced here)
 *   x += SwiGLU(a)  or  MoE(a)
 * </pre>
 * Same math as the training {@code Attention.forward}/{@code SwiGlu.forward}.
 */
final class DenseBlockDecoder {

    private final Kernels kern;
    private final int dModel;
    private final int heads;
    private final int headDim;
    private final float theta;
    private final float eps;
    private final float[] attnNorm;
    private final float[] ffnNorm;
    private final Matrix wq;
    private final Matrix wk;
    private final Matrix wv;
    private final Matrix wo;
    private final Matrix gate;
    private final Matrix up;
    private final Matrix down;
    private final MoeDecoder moe;

    DenseBlockDecoder(WeightStore store, ModelConfig cfg, int layer, MoeDecoder moe,
                      Precision precision, Arena arena, Kernels kern) {
        this.kern = kern;
        String p = "model.layers." + layer + ".";
        this.dModel = cfg.hiddenSize();
        this.heads = cfg.numHeads();
        this.headDim = cfg.headDim();
        this.theta = (float) cfg.ropeTheta();
        this.eps = (float) cfg.rmsNormEps();
        int d = dModel;
        store.requireShape(p + "input_layernorm.weight", d);
        store.requireShape(p + "post_attention_layernorm.weight", d);
        attnNorm = store.readF32(p + "input_layernorm.weight");
        ffnNorm = store.readF32(p + "post_attention_layernorm.weight");
        wq = Matrix.load(store, p + "self_attn.q_proj.weight", d, d, precision, arena);
        wk = Matrix.load(store, p + "self_attn.k_proj.weight", d, d, precision, arena);
        wv = Matrix.load(store, p + "self_attn.v_proj.weight", d, d, precision, arena);
        wo = Matrix.load(store, p + "self_attn.o_proj.weight", d, d, precision, arena);
        this.moe = moe;
        if (moe == null) {
            int i = cfg.intermediateSize();
            gate = Matrix.load(store, p + "mlp.gate_proj.weight", i, d, precision, arena);
            up = Matrix.load(store, p + "mlp.up_proj.weight", i, d, precision, arena);
            down = Matrix.load(store, p + "mlp.down_proj.weight", d, i, precision, arena);
        } else {
            gate = null;
            up = null;
            down = null;
        }
    }

    /** Bytes of this block's dense weights (attention, and the FFN unless it is MoE). */
    long denseBytes() {
        long b = wq.bytes() + wk.bytes() + wv.bytes() + wo.bytes();
        return moe == null ? b + gate.bytes() + up.bytes() + down.bytes() : b;
    }

    /** Bytes of all experts of this block's MoE FFN (0 for a dense FFN). */
    long moeExpertBytes() {
        return moe == null ? 0 : moe.totalExpertBytes();
    }

    /**
     * q = rope(RMS_attn(x)·Wqᵀ) for the pass's rows, and each row's k, v appended to its
     * sequence's cache. {@link #attend} then finishes the block's attention for the rows that
     * still matter (all of them, or in the last block only those whose logits are wanted).
     */
    void appendKv(DecodeState s, int layer, int rows, TrafficMeter meter) {
        kern.rmsNormForward(s.normed, s.rstd, s.x, attnNorm, rows, dModel, eps);
        applyAll(kern, s.normed, rows, new Matrix[] {wq, wk, wv}, new float[][] {s.q, s.k, s.v},
                null);
        meter.add(Component.DENSE, wq.bytes() + wk.bytes() + wv.bytes());
        kern.rope(s.q, rows, heads, headDim, s.pos, theta, false);
        kern.rope(s.k, rows, heads, headDim, s.pos, theta, false);
        MemorySegment kc = s.keys[layer];
        MemorySegment vc = s.values[layer];
        boolean bf16 = s.kvBf16;
        for (int r = 0; r < rows; r++) {
            for (int h = 0; h < heads; h++) {
                long at = s.kvOffset(s.seq[r], h, s.pos[r]);
                SegmentKernels.writeRow(kc, at, s.k, r * dModel + h * headDim, bf16, headDim);
                SegmentKernels.writeRow(vc, at, s.v, r * dModel + h * headDim, bf16, headDim);
            }
        }
    }

    /** x += softmax(q·Kᵀ/√hd)·V·Woᵀ for rows [0, rows), over their sequences' caches. */
    void attend(DecodeState s, int layer, int rows, TrafficMeter meter) {
        MemorySegment kc = s.keys[layer];
        MemorySegment vc = s.values[layer];
        boolean bf16 = s.kvBf16;
        long kvBytes = 0;
        for (int r = 0; r < rows; r++) {
            kvBytes += 2L * (s.pos[r] + 1) * dModel * s.kvPrecision.bytes();
        }
        meter.add(Component.KV_CACHE, kvBytes);
        meter.add(Component.DENSE, wo.bytes());
        float scale = (float) (1.0 / Math.sqrt(headDim));
        int cap = s.capacity;
        // One (row, head) item per unit: contiguous K/V slices, no cross-item sharing; claimed
        // in small pieces, so a slowed core takes fewer.
        int items = rows * heads;
        Parallel.forChunks(items, Parallel.piece(items, 1), (from, to) -> {
            for (int item = from; item < to; item++) {
                int r = item / heads;
                int h = item % heads;
                int off = r * dModel + h * headDim;
                kern.segmentAttend(s.ctx, off, s.q, off, kc, vc, s.kvOffset(s.seq[r], h, 0),
                        bf16, s.pos[r] + 1, headDim, scale, s.scores, item * cap);
            }
        });
        wo.apply(kern, s.branch, s.ctx, rows);
        kern.add(s.x, s.x, s.branch, rows * dModel);
    }

    /** normed = RMS_ff(x): the FFN input, also read by memory layers sourced at this block. */
    void ffnInput(DecodeState s, int rows) {
        kern.rmsNormForward(s.normed, s.rstd, s.x, ffnNorm, rows, dModel, eps);
    }

    /**
     * x += FFN(normed) (dense SwiGLU or MoE). With {@code expertsPerSequence} MoE experts run one
     * GEMM per sequence of the pass (as a pass of its own would sum them under the
     * row-count-dependent GEMM path; {@link InferenceModel#extend}). {@code alongside} (or null):
     * work that may read {@code normed} and touches no other buffer of the FFN (the memory layers
     * sourced at this block, writing their own outputs), run as one more task of the gate/up
     * region where {@link #applyAll} has one, else first; its results are the same either way.
     */
    void ffn(DecodeState s, int rows, boolean expertsPerSequence, TrafficMeter meter,
             Runnable alongside) {
        if (moe != null) {
            if (alongside != null) {
                alongside.run();
            }
            moe.apply(s.branch, s.normed, rows, expertsPerSequence ? s.seq : null, meter);
        } else {
            applyAll(kern, s.normed, rows, new Matrix[] {gate, up}, new float[][] {s.gate, s.up},
                    alongside);
            kern.swigluForward(s.act, s.gate, s.up, rows * gate.rows());
            down.apply(kern, s.branch, s.act, rows);
            meter.add(Component.DENSE, gate.bytes() + up.bytes() + down.bytes());
        }
        kern.add(s.x, s.x, s.branch, rows * dModel);
    }

    /**
     * Whether {@link #ffn} runs an {@code alongside} task beside its gate/up GEMVs for a pass of
     * {@code rows} (a dense FFN on the per-token GEMV path, {@link #applyAll}); otherwise it runs
     * the task first.
     */
    boolean runsBeside(int rows) {
        return moe == null && perTokenPath(rows);
    }

    /** Whether {@link #applyAll} computes {@code rows} in one region of 32-column slices. */
    private static boolean perTokenPath(int rows) {
        return rows > 0 && rows < SegmentKernels.transposedMinRows()
                && SegmentKernels.rowPath() != SegmentKernels.RowPath.TRANSPOSED;
    }

    /** Output columns per unit of {@link #applyAll}: the column block of the GEMV kernel. */
    private static final int SLICE = 32;
    /** Multiply-adds a task of {@link #applyAll} gets at least (as the GEMV kernel's rule). */
    private static final long MIN_TASK_MACS = 1L << 14;

    /**
     * outs[m] = x · ms[m]ᵀ for matrices that share the input x [rows, cols] (q/k/v, gate/up), in
     * one parallel region instead of one each: a batch-1 step is a chain of short regions, each
     * ending in a wait for the slower thread. Each task computes whole 32-column slices of one
     * matrix with the same kernel call the single-matrix path makes per column block, so every
     * output bit is unchanged. Rows that take the batched (transposed) path run per matrix: its x
     * packing would repeat per slice.
     *
     * <p>{@code alongside} (or null) is one more task of the region, claimed first, so one thread
     * runs it (its own parallel regions inline) while the other streams slices, and then joins
     * them: UltraMem's retrieval is a chain of memory latencies that leaves a core idle, the
     * slices a stream that keeps one busy (batch-1 decode: see docs/results/speed-2026-12-07f).
     * Without a region (the transposed path) it runs first.
     */
    static void applyAll(Kernels kern, float[] x, int rows, Matrix[] ms, float[][] outs,
                         Runnable alongside) {
        if (!perTokenPath(rows)) {
            if (alongside != null) {
                alongside.run();
            }
            for (int m = 0; m < ms.length; m++) {
                ms[m].apply(kern, outs[m], x, rows);
            }
            return;
        }
        int[] firstUnit = new int[ms.length + 1];
        int cols = ms[0].cols();
        for (int m = 0; m < ms.length; m++) {
            if (ms[m].cols() != cols) {
                throw new IllegalArgumentException("matrix `" + ms[m].name() + "` has "
                        + ms[m].cols() + " columns but `" + ms[0].name() + "` has " + cols
                        + "; matrices applied together must share their input");
            }
            firstUnit[m + 1] = firstUnit[m] + (ms[m].rows() + SLICE - 1) / SLICE;
        }
        int slices = firstUnit[ms.length];
        int extra = alongside == null ? 0 : 1;
        int units = slices + extra;
        int minUnits = (int) Math.max(1, Math.min(slices,
                MIN_TASK_MACS / ((long) SLICE * Math.max(1, cols) * rows)));
        Parallel.forChunks(units, Parallel.piece(units, minUnits), (c0, c1) -> {
            if (c0 == 0 && extra == 1) {
                alongside.run();
            }
            int u0 = Math.max(0, c0 - extra);
            int u1 = c1 - extra;
            for (int m = 0; m < ms.length; m++) {
                int from = Math.max(u0, firstUnit[m]);
                int to = Math.min(u1, firstUnit[m + 1]);
                if (from >= to) {
                    continue;
                }
                Matrix w = ms[m];
                int n0 = (from - firstUnit[m]) * SLICE;
                int n1 = Math.min(w.rows(), (to - firstUnit[m]) * SLICE);
                kern.segmentMatmulT(outs[m], n0, w.rows(), x, 0, cols, rows, w.data(),
                        n0 * w.rowBytes(), w.bf16(), n1 - n0, cols);
            }
        });
    }
}
