package org.ultramem.infer;

import java.lang.foreign.Arena;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.PkmTopK;
import org.ultramem.nn.memory.RunningBatchNorm;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.KeyScores;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Decode path of one PKM memory layer: the same math as {@code ProductKeyMemory.apply} (eval
 * mode), arranged for B tokens per step. Shapes: x, y [B, D]; q [B, H·Dq]; keys [H, 2, n, Dq/2];
 * values [n², D] (mapped, fp32 or bf16).
 * <pre>
 *   q = x·Wqᵀ + bq; with BatchNorm q = γ⊙(q − running_mean)·(running_var + ε)^-½ + β
 *   per head h: s1 = q[h, :Dq/2]·K[h,0]ᵀ, s2 = q[h, Dq/2:]·K[h,1]ᵀ  (one small GEMM per side)
 *   top-k of s1 and of s2; top-k of the k² sums s1[a] + s2[c]; slot = a·n + c
 *   w = softmax over the k selected scores (per head)
 *   gather the B·H·k value rows once per step (sorted, duplicates merged); y = Σ_h Σ_i w·V[slot]
 * </pre>
 * Selection is the training layer's own ({@link PkmTopK#selectSlots}): higher score first, ties
 * to the lower index (sub-key index on a side, slot index among the sums); the query BatchNorm
 * is {@code RunningBatchNorm}, as the layer's evaluation forward. The meter counts the query projection (DENSE), all
 * sub-keys (KEYS) and the distinct value rows (VALUES).
 */
final class PkmDecoder implements MemoryDecoder {

    private final Kernels kern;
    private final int dModel;
    private final int heads;
    private final int n;
    private final int dq;
    private final int half;
    private final int k;
    private final int qWidth;

    private final Matrix queryProj;
    /** Query BatchNorm with its running statistics, or null. */
    private final RunningBatchNorm queryBn;
    private final float[] queryBias;
    private final float[] keys;
    /** The sub-keys packed for {@link KeyScores}, per (head, side) at {@link #packedOffset}. */
    private final float[] keysPacked;
    private final Matrix values;
    private final ValueGather gather;

    private int capacity;
    private float[] q;
    private float[] side1;
    private float[] side2;
    private int[] selSlot;
    private float[] selWeight;

    PkmDecoder(WeightStore store, String prefix, PkmConfig cfg, int dModel, Precision precision,
               Arena arena, Kernels kern) {
        this(store, prefix, cfg, dModel, precision, arena, kern, ValueStores.LOCAL);
    }

    /** As above, reading the value table through {@code stores} (local or a cluster). */
    PkmDecoder(WeightStore store, String prefix, PkmConfig cfg, int dModel, Precision precision,
               Arena arena, Kernels kern, ValueStores stores) {
        this.kern = kern;
        this.dModel = dModel;
        this.heads = cfg.heads();
        this.n = cfg.numKeys();
        this.dq = cfg.keyDim();
        this.half = dq / 2;
        this.k = cfg.topK();
        this.qWidth = heads * dq;
        queryProj = Matrix.load(store, prefix + "query_proj.weight", qWidth, dModel, precision,
                arena);
        store.requireShape(prefix + "query_proj.bias", qWidth);
        queryBias = store.readF32(prefix + "query_proj.bias");
        queryBn = cfg.queryBatchNorm() ? store.readRunningBatchNorm(prefix + "query_bn.", qWidth)
                : null;
        store.requireShape(prefix + "keys", heads, 2, n, half);
        keys = store.readF32(prefix + "keys");
        keysPacked = new float[2 * heads * KeyScores.packedLength(n, half)];
        for (int h = 0; h < heads; h++) {
            for (int side = 0; side < 2; side++) {
                KeyScores.pack(keysPacked, packedOffset(h, side), keys, keyOffset(h, side), n,
                        half);
            }
        }
        values = Matrix.load(store, prefix + "values", n * n, dModel, precision, arena);
        gather = new ValueGather(stores.open(values), kern);
    }

    @Override
    public long denseBytes() {
        return queryProj.bytes() + (long) keys.length * Float.BYTES;
    }

    @Override
    public long valueBytes() {
        return values.bytes();
    }

    private void ensure(int rows) {
        if (rows <= capacity) {
            return;
        }
        capacity = rows;
        q = new float[rows * qWidth];
        side1 = new float[rows * n];
        side2 = new float[rows * n];
        selSlot = new int[rows * heads * k];
        selWeight = new float[rows * heads * k];
    }

    @Override
    public void apply(float[] y, float[] x, int rows, TrafficMeter meter) {
        ensure(rows);
        queryProj.apply(kern, q, x, rows);
        for (int t = 0; t < rows; t++) {
            kern.axpy(q, t * qWidth, 1f, queryBias, 0, qWidth);
        }
        if (queryBn != null) {
            queryBn.apply(q, q, rows);
        }
        for (int h = 0; h < heads; h++) {
            // KeyScores, not the packed GEMM: each score is one FMA chain over its own query
            // row, so a token's slots do not depend on the other tokens of the step.
            kern.keyScores(side1, 0, n, q, h * dq, qWidth, rows, keysPacked,
                    packedOffset(h, 0), n, half, 0, n);
            kern.keyScores(side2, 0, n, q, h * dq + half, qWidth, rows, keysPacked,
                    packedOffset(h, 1), n, half, 0, n);
            int head = h;
            Parallel.forChunks(rows, 8, (start, end) -> select(head, start, end));
        }
        kern.softmaxRows(selWeight, 0, rows * heads, k);
        meter.add(Component.DENSE, queryProj.bytes());
        meter.add(Component.KEYS, (long) keys.length * Float.BYTES);
        int unique = gather.weightedSums(y, new WeightedRead(rows, heads * k, selSlot, selWeight,
                1, null, dModel));
        meter.add(Component.VALUES, unique * gather.rowBytes());
    }

    /** Head h of tokens [start, end): slots and raw scores as training selects them. */
    private void select(int h, int start, int end) {
        PkmTopK.Scratch s = PkmTopK.Scratch.of(k);
        for (int t = start; t < end; t++) {
            PkmTopK.selectSlots(side1, t * n, side2, t * n, n, k, selSlot, selWeight,
                    (t * heads + h) * k, s);
        }
    }

    /** Selected slots of the last {@link #apply}: [rows, H, k], best first per head (tests). */
    int[] selectedSlots() {
        return selSlot;
    }

    private int packedOffset(int h, int side) {
        return (h * 2 + side) * KeyScores.packedLength(n, half);
    }

    private int keyOffset(int h, int side) {
        return (h * 2 + side) * n * half;
    }
}
