package org.ultramem.infer;

import java.lang.foreign.Arena;
import java.util.Arrays;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.tensor.kernel.TopK;

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
 * Selection is deterministic: higher score first, ties to the lower index (sub-key index on a
 * side, slot index among the sums), as {@code PkmTopK} orders them. The sums are laid out in
 * ascending slot order (each side's k winners sorted by key index) so the lower-index rule of
 * {@link TopK#select} is the slot rule. The meter counts the query projection (DENSE), all
 * sub-keys (KEYS) and the distinct value rows (VALUES).
 */
final class PkmDecoder implements MemoryDecoder {

    /** BatchNorm ε, as {@code QueryBatchNorm} (PyTorch's default). */
    private static final float BN_EPS = 1e-5f;

    private final Kernels kern = KernelProvider.get();
    private final int dModel;
    private final int heads;
    private final int n;
    private final int dq;
    private final int half;
    private final int k;
    private final int qWidth;

    private final Matrix queryProj;
    private final float[] queryBias;
    /** BatchNorm folded per channel: running mean, 1/sqrt(var + ε), γ, β; null without it. */
    private final float[] bnMean;
    private final float[] bnRstd;
    private final float[] bnGamma;
    private final float[] bnBeta;
    private final float[] keys;
    private final Matrix values;
    private final ValueGather gather;

    private int capacity;
    private float[] q;
    private float[] side1;
    private float[] side2;
    private int[] selSlot;
    private float[] selWeight;

    PkmDecoder(WeightStore store, String prefix, PkmConfig cfg, int dModel, Precision precision,
               Arena arena) {
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
        if (cfg.queryBatchNorm()) {
            for (String t : new String[] {"weight", "bias", "running_mean", "running_var"}) {
                store.requireShape(prefix + "query_bn." + t, qWidth);
            }
            bnGamma = store.readF32(prefix + "query_bn.weight");
            bnBeta = store.readF32(prefix + "query_bn.bias");
            bnMean = store.readF32(prefix + "query_bn.running_mean");
            float[] var = store.readF32(prefix + "query_bn.running_var");
            bnRstd = new float[qWidth];
            for (int j = 0; j < qWidth; j++) {
                bnRstd[j] = (float) (1.0 / Math.sqrt(var[j] + (double) BN_EPS));
            }
        } else {
            bnGamma = bnBeta = bnMean = bnRstd = null;
        }
        store.requireShape(prefix + "keys", heads, 2, n, half);
        keys = store.readF32(prefix + "keys");
        values = Matrix.load(store, prefix + "values", n * n, dModel, precision, arena);
        gather = new ValueGather(values);
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
        queryProj.apply(q, x, rows);
        for (int t = 0; t < rows; t++) {
            kern.axpy(q, t * qWidth, 1f, queryBias, 0, qWidth);
        }
        if (bnMean != null) {
            for (int t = 0; t < rows; t++) {
                int o = t * qWidth;
                for (int j = 0; j < qWidth; j++) {
                    float xh = (q[o + j] - bnMean[j]) * bnRstd[j];
                    q[o + j] = bnGamma[j] * xh + bnBeta[j];
                }
            }
        }
        for (int h = 0; h < heads; h++) {
            kern.matmul(false, true, rows, n, half, q, h * dq, qWidth, keys, keyOffset(h, 0), half,
                    side1, 0, n, false);
            kern.matmul(false, true, rows, n, half, q, h * dq + half, qWidth, keys,
                    keyOffset(h, 1), half, side2, 0, n, false);
            int head = h;
            Parallel.forRange(rows, 8, (start, end) -> select(head, start, end));
        }
        kern.softmaxRows(selWeight, 0, rows * heads, k);
        meter.add(Component.DENSE, queryProj.bytes());
        meter.add(Component.KEYS, (long) keys.length * Float.BYTES);
        int unique = gather.gather(selSlot, rows * heads * k);
        meter.add(Component.VALUES, unique * gather.rowBytes());
        float[] gathered = gather.gathered();
        int[] slotIndex = gather.slotIndex();
        Parallel.forRange(rows, 8, (start, end) -> {
            for (int t = start; t < end; t++) {
                Arrays.fill(y, t * dModel, (t + 1) * dModel, 0f);
                for (int s = t * heads * k; s < (t + 1) * heads * k; s++) {
                    kern.axpy(y, t * dModel, selWeight[s], gathered, slotIndex[s] * dModel, dModel);
                }
            }
        });
    }

    /**
     * Head h of tokens [start, end): each side's top-k sub-keys, then the top-k of the k² sums;
     * writes slots and (raw) scores into {@code selSlot}/{@code selWeight}, best first.
     */
    private void select(int h, int start, int end) {
        int[] i1 = new int[k];
        int[] i2 = new int[k];
        float[] v1 = new float[k];
        float[] v2 = new float[k];
        float[] sums = new float[k * k];
        int[] best = new int[k];
        float[] top = new float[k];
        for (int t = start; t < end; t++) {
            TopK.select(side1, t * n, n, k, i1, 0, v1, 0);
            TopK.select(side2, t * n, n, k, i2, 0, v2, 0);
            byIndex(i1, v1);
            byIndex(i2, v2);
            for (int a = 0; a < k; a++) {
                for (int c = 0; c < k; c++) {
                    sums[a * k + c] = v1[a] + v2[c];
                }
            }
            TopK.select(sums, 0, k * k, k, best, 0, top, 0);
            int o = (t * heads + h) * k;
            for (int j = 0; j < k; j++) {
                selSlot[o + j] = i1[best[j] / k] * n + i2[best[j] % k];
                selWeight[o + j] = top[j];
            }
        }
    }

    /** Sorts the k (index, value) pairs by ascending index (insertion sort; k is small). */
    private static void byIndex(int[] idx, float[] val) {
        for (int i = 1; i < idx.length; i++) {
            int ki = idx[i];
            float kv = val[i];
            int j = i - 1;
            while (j >= 0 && idx[j] > ki) {
                idx[j + 1] = idx[j];
                val[j + 1] = val[j];
                j--;
            }
            idx[j + 1] = ki;
            val[j + 1] = kv;
        }
    }

    /** Selected slots of the last {@link #apply}: [rows, H, k], best first per head (tests). */
    int[] selectedSlots() {
        return selSlot;
    }

    private int keyOffset(int h, int side) {
        return (h * 2 + side) * n * half;
    }
}
