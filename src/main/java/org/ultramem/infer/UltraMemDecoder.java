package org.ultramem.infer;

import java.lang.foreign.Arena;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.nn.memory.OutputGate;
import org.ultramem.nn.memory.RetrievalRemedies;
import org.ultramem.nn.memory.RunningBatchNorm;
import org.ultramem.nn.memory.CandidateRetrieval;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.tensor.kernel.KeyScores;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Decode path of one UltraMem (V1) memory layer: the same math as {@code UltraMemLayer.forward}
 * (spec §A), arranged for B tokens per step. Shapes: x, y [B, D]; q, q̂ [B, Q·2·D_k];
 * K̂ [H][2][n][r][D_k] normalized keys and K_u, K_v [H][n][D_k] folded keys (K_u = Σ_ρ u_ρ K̂[h,0,:,ρ,:],
 * K_v likewise with v), both computed once at load; values [N, D_v] (mapped); W_o [D, E·D_v].
 * <pre>
 *   q = x·W_qᵀ; q̂ = RMS(q) per half          coarse = q̂·K_uᵀ, q̂·K_vᵀ  (a GEMM per side, head)
 *   per token and head: top-m rows / columns; exact rank components only for the m candidates;
 *   m×m grid G = A·C_sum·Bcᵀ; top-k; per-core weights w_t = A·C_t·Bcᵀ; z = row·n + col; v = π[z]
 *   P[b, v div N, chunk t] += w_t · V[v mod N, chunk t] (token b's task reads its rows straight
 *   from a local table; other stores: the step's rows once, ValueGather);   y = P·W_oᵀ
 * </pre>
 * Remedies that change the forward ({@code nn.memory.RetrievalRemedies}): query BatchNorm with
 * its running statistics between W_q and the RMSNorm, q = γ_bn⊙(q − mean)·(var + ε)^-½ + β_bn
 * (as the training layer in evaluation mode); the output gate y ← γ ⊙ y ("scale") or
 * y ← y ⊙ SiLU(x·W_gᵀ) ("silu"). The meter counts the folded keys and the distinct candidates'
 * exact components (KEYS), the distinct value rows (VALUES) and the query/output projections
 * and the gate (DENSE).
 */
final class UltraMemDecoder implements MemoryDecoder {

    /** Key columns per coarse-scoring task: ~32 KB of K_foldᵀ at D_k 32, several tasks per core. */
    static final int KEY_BLOCK = 256;
    /** From this many tokens, scoring and retrieval run per token chunk (see {@link #apply}). */
    static final int CHUNKED_ROWS = 8;
    /** Tokens per chunk at most: 16 tokens' scores (2 × 16 × H·n floats) stay in L2. */
    static final int MAX_CHUNK = 16;

    private final Kernels kern;
    private final UltraMemConfig cfg;
    private final int dModel;
    private final int dk;
    private final int dv;
    private final int n;
    private final int heads;
    private final int rank;
    private final int cores;
    private final int m;
    private final int kFinal;
    private final int slots;
    private final int querySlots;
    private final int qWidth;
    private final int poolWidth;
    private final int valueNum;
    private final int chunk;

    private final Matrix queryProj;
    /** Query BatchNorm with its running statistics, or null. */
    private final RunningBatchNorm queryBn;
    /** "scale" gate γ [D], or null. */
    private final float[] outputScale;
    /** "silu" gate W_g [D, D], or null. */
    private final Matrix outputGate;
    private final float[] queryNorm;
    private final float[] kHat;
    private final float[] kFold;
    /** Key groups per side: 1 when the heads share a query (one GEMM over all H·n keys), else H. */
    private final int keyGroups;
    /** Keys per group: H·n or n. */
    private final int groupKeys;
    /** kFold per side and group, packed for {@link KeyScores} (blocked [D_k][BLOCK] panels). */
    private final float[] kFoldPacked;
    private final float[] coreSum;
    private final float[][] coreData;
    private final Matrix values;
    private final ValueGather gather;
    /** The local value table, pooled straight from by the retrieval tasks; null: gather after. */
    private final Matrix directValues;
    /** Distinct-row counter of the direct path's meter (null with a gathering store). */
    private final DistinctRows distinctRows;
    private final Matrix valuesProj;
    private final int[] shuffle;

    private int capacity;
    private float[] q;
    private float[] qHat;
    private float[] qRstd;
    private float[] coarse;
    private int[] cand;
    private float[] exact;
    private int[] sel;
    private int[] cells;
    private float[] selScore;
    private int[] slotRow;
    /** s mod H·k per selection s: its row in a token's pooling scratch. */
    private int[] slotLocal;
    private int[] slotGroup;
    private float[] slotW;
    private float[] pooled;
    private float[] gateAct;
    private final DistinctKeys distinctKeys;
    private final CandidateRetrieval candidates;
    /** Per-thread scratch (retrieval grid, top-m scores): no per-step allocation. */
    private final ThreadLocal<Scratch> scratch;

    /** One thread's scratch for this layer's m, r, k (rows: a token's H·k value rows). */
    private record Scratch(float[] retrieval, float[] top, float[] rows, int[] order) {
    }

    UltraMemDecoder(WeightStore store, String prefix, UltraMemConfig cfg, int dModel,
                    Precision precision, Arena arena, Kernels kern) {
        this(store, prefix, cfg, dModel, precision, arena, kern, ValueStores.LOCAL);
    }

    /** As above, reading the value table through {@code stores} (local or a cluster). */
    UltraMemDecoder(WeightStore store, String prefix, UltraMemConfig cfg, int dModel,
                    Precision precision, Arena arena, Kernels kern, ValueStores stores) {
        this.kern = kern;
        this.cfg = cfg;
        this.dModel = dModel;
        this.dk = cfg.keyDim();
        this.dv = cfg.valueDim();
        this.n = cfg.keysPerSide();
        this.heads = cfg.heads();
        this.rank = cfg.tuckerRank();
        this.cores = cfg.tuckerCores();
        this.m = cfg.candidates();
        this.kFinal = cfg.topK();
        this.slots = heads * kFinal;
        this.querySlots = cfg.querySlots();
        this.qWidth = querySlots * 2 * dk;
        this.poolWidth = cfg.valueExpand() * dv;
        this.valueNum = cfg.valueNum();
        this.chunk = dv / cores;

        queryProj = Matrix.load(store, prefix + "query_proj.weight", qWidth, dModel,
                precision, arena);
        if (cfg.remedies().queryBatchNorm()) {
            for (String t : new String[] {"weight", "bias", "running_mean", "running_var"}) {
                store.requireShape(prefix + "query_bn." + t, qWidth);
            }
            queryBn = RunningBatchNorm.of(store.readF32(prefix + "query_bn.weight"),
                    store.readF32(prefix + "query_bn.bias"),
                    store.readF32(prefix + "query_bn.running_mean"),
                    store.readF32(prefix + "query_bn.running_var"));
        } else {
            queryBn = null;
        }
        String gate = cfg.remedies().outputGate();
        if (RetrievalRemedies.GATE_SCALE.equals(gate)) {
            store.requireShape(prefix + "output_scale", dModel);
            outputScale = store.readF32(prefix + "output_scale");
        } else {
            outputScale = null;
        }
        outputGate = RetrievalRemedies.GATE_SILU.equals(gate)
                ? Matrix.load(store, prefix + "output_gate.weight", dModel, dModel, precision,
                arena)
                : null;
        queryNorm = cfg.qkNorm() ? store.readF32(prefix + "query_norm.weight") : null;
        float[] keysNorm = cfg.qkNorm() ? store.readF32(prefix + "keys_norm.weight") : null;
        store.requireShape(prefix + "keys", heads, 2, n, dk, rank);
        float[] keys = store.readF32(prefix + "keys");
        coreData = new float[cfg.tdqkr() ? cores : 0][];
        for (int t = 0; t < coreData.length; t++) {
            coreData[t] = store.readF32(prefix + "tucker_core." + t);
        }
        float[] u = cfg.tdqkr() ? store.readF32(prefix + "tucker_u") : null;
        float[] v = cfg.tdqkr() ? store.readF32(prefix + "tucker_v") : null;
        values = Matrix.load(store, prefix + "values", valueNum, dv, precision, arena);
        gather = new ValueGather(stores.open(values), kern);
        directValues = gather.localTable();
        distinctRows = directValues == null ? null : new DistinctRows(valueNum);
        valuesProj = cfg.outputProjection()
                ? Matrix.load(store, prefix + "values_proj.weight", dModel, poolWidth, precision,
                arena)
                : null;
        shuffle = store.readIndex(prefix + "shuffle_index");
        if (shuffle.length != cfg.valueExpand() * valueNum) {
            throw new IllegalArgumentException("tensor `" + prefix + "shuffle_index` has "
                    + shuffle.length + " entries; E·N = " + cfg.valueExpand() * valueNum
                    + " expected");
        }
        kHat = new float[keys.length];
        kFold = new float[2 * heads * n * dk];
        coreSum = new float[heads * rank * rank];
        distinctKeys = new DistinctKeys(heads, n, m);
        candidates = new CandidateRetrieval(cfg, kern);
        scratch = ThreadLocal.withInitial(() -> new Scratch(candidates.newScratch(),
                new float[m], new float[slots * dv], new int[slots]));
        prepareKeys(keys, keysNorm, u, v);
        keyGroups = querySlots == 1 ? 1 : heads;
        groupKeys = querySlots == 1 ? heads * n : n;
        kFoldPacked = packFolded();
    }

    /** K̂ = RMS(keys) transposed to [H][2][n][r][D_k]; folded keys; C_sum (as training does). */
    private void prepareKeys(float[] keys, float[] keysNorm, float[] u, float[] v) {
        int rows = heads * 2 * n;
        float[] keysT = new float[keys.length];
        for (int key = 0; key < rows; key++) {
            int src = key * dk * rank;
            for (int p = 0; p < rank; p++) {
                for (int d = 0; d < dk; d++) {
                    keysT[(key * rank + p) * dk + d] = keys[src + d * rank + p];
                }
            }
        }
        if (keysNorm != null) {
            kern.rmsNormForward(kHat, new float[rows * rank], keysT, keysNorm, rows * rank, dk,
                    cfg.rmsEps());
        } else {
            System.arraycopy(keysT, 0, kHat, 0, keysT.length);
        }
        for (int key = 0; key < rows; key++) {
            int h = key / (2 * n);
            int side = key / n % 2;
            int i = key % n;
            int dst = ((side * heads + h) * n + i) * dk;
            float[] w = side == 0 ? u : v;
            for (int p = 0; p < rank; p++) {
                float wp = cfg.tdqkr() ? w[h * rank + p] : 1f;
                kern.axpy(kFold, dst, wp, kHat, (key * rank + p) * dk, dk);
            }
        }
        for (float[] c : coreData) {
            kern.axpy(coreSum, 0, 1f, c, 0, coreSum.length);
        }
    }

    /** K_fold [side][H][n][D_k] packed per (side, key group) for {@link KeyScores}. */
    private float[] packFolded() {
        int len = KeyScores.packedLength(groupKeys, dk);
        float[] packed = new float[2 * keyGroups * len];
        for (int sg = 0; sg < 2 * keyGroups; sg++) {
            KeyScores.pack(packed, sg * len, kFold, sg * groupKeys * dk, groupKeys, dk);
        }
        return packed;
    }

    /** Bytes of the dense parts read every step: projections and folded keys. */
    @Override
    public long denseBytes() {
        return queryProj.bytes() + (valuesProj == null ? 0 : valuesProj.bytes())
                + (outputGate == null ? 0 : outputGate.bytes())
                + (long) kFold.length * Float.BYTES;
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
        qHat = new float[rows * qWidth];
        qRstd = new float[rows * querySlots * 2];
        coarse = new float[2 * rows * heads * n];
        cand = new int[rows * heads * 2 * m];
        exact = new float[rows * heads * 2 * m * rank];
        sel = new int[rows * slots];
        cells = new int[rows * slots];
        selScore = new float[rows * slots];
        slotRow = new int[rows * slots];
        slotLocal = new int[rows * slots];
        for (int s = 0; s < slotLocal.length; s++) {
            slotLocal[s] = s % slots;
        }
        slotGroup = new int[rows * slots];
        slotW = new float[rows * slots * cores];
        pooled = new float[rows * poolWidth];
        gateAct = outputGate != null ? new float[rows * dModel] : null;
    }

    /** y [rows, D] = UltraMem(x [rows, D]). */
    @Override
    public void apply(float[] y, float[] x, int rows, TrafficMeter meter) {
        ensure(rows);
        queryProj.apply(kern, q, x, rows);
        if (queryBn != null) {
            queryBn.apply(q, q, rows);
        }
        if (queryNorm != null) {
            kern.rmsNormForward(qHat, qRstd, q, queryNorm, rows * querySlots * 2, dk, cfg.rmsEps());
        } else {
            System.arraycopy(q, 0, qHat, 0, rows * qWidth);
        }
        // A local table's rows are pooled by the task that retrieved them (no sort, gathered
        // copy or extra parallel regions; same sums, same bits as ValueGather, used otherwise).
        WeightedRead read = new WeightedRead(rows, slots, slotRow, slotW, cores, slotGroup,
                poolWidth);
        if (rows < CHUNKED_ROWS) {
            // Few tokens: the step is bound by reading K_fold (0.5 MB per layer), so both cores
            // score key columns, then both retrieve tokens.
            coarseScores(rows);
            Parallel.forRange(rows, 1, (from, to) -> {
                Scratch sc = scratch.get();
                for (int b = from; b < to; b++) {
                    retrieve(b, rows, sc, read);
                }
            });
        } else {
            // One pass per chunk of tokens on one core: coarse scores of both sides, then each
            // token's top-m, exact scores, grid, top-k and pooling while its scores are still in
            // that core's L2 (faster at batch 64 than scoring by key columns on both cores and
            // retrieving afterwards, 2026-12; that order is not kept, `ultramem bench decode
            // --batches 64` times the step). Any chunking gives the same bits.
            int chunk = Math.min(MAX_CHUNK, (rows + Parallel.threads() - 1) / Parallel.threads());
            int chunks = (rows + chunk - 1) / chunk;
            Parallel.forRange(chunks, 1, (c0, c1) -> {
                Scratch sc = scratch.get();
                for (int c = c0; c < c1; c++) {
                    int b0 = c * chunk;
                    int b1 = Math.min(rows, b0 + chunk);
                    for (int side = 0; side < 2; side++) {
                        for (int g = 0; g < keyGroups; g++) {
                            scoreKeys(rows, side, g, b0, b1 - b0, 0, groupKeys);
                        }
                    }
                    for (int b = b0; b < b1; b++) {
                        retrieve(b, rows, sc, read);
                    }
                }
            });
        }
        meter.add(Component.KEYS, (long) kFold.length * Float.BYTES
                + distinctKeys.count(cand, rows) * rank * dk * Float.BYTES);
        meter.add(Component.DENSE, queryProj.bytes());
        // P[b] = Σ_s Σ_t w_t[s] · V[row_s, chunk t] into block p_s (slot order, as in training)
        int unique = directValues != null ? distinctRows.count(slotRow, rows * slots)
                : gather.weightedSums(pooled, read);
        meter.add(Component.VALUES, unique * values.rowBytes());
        if (valuesProj != null) {
            valuesProj.apply(kern, y, pooled, rows);
            meter.add(Component.DENSE, valuesProj.bytes());
        } else {
            System.arraycopy(pooled, 0, y, 0, rows * dModel);
        }
        gate(y, x, rows, meter);
    }

    /** The output gate, as {@code OutputGate.forward}: y ← γ ⊙ y or y ← y ⊙ SiLU(x·W_gᵀ). */
    private void gate(float[] y, float[] x, int rows, TrafficMeter meter) {
        if (outputScale != null) {
            for (int b = 0; b < rows; b++) {
                for (int d = 0; d < dModel; d++) {
                    y[b * dModel + d] = outputScale[d] * y[b * dModel + d];
                }
            }
        } else if (outputGate != null) {
            outputGate.apply(kern, gateAct, x, rows);
            meter.add(Component.DENSE, outputGate.bytes());
            for (int i = 0; i < rows * dModel; i++) {
                y[i] = y[i] * OutputGate.silu(gateAct[i]);
            }
        }
    }

    /** coarse [side][rows][H·n] = q̂·K_foldᵀ for every token, key columns split over the cores. */
    private void coarseScores(int rows) {
        int blocks = (groupKeys + KEY_BLOCK - 1) / KEY_BLOCK;
        Parallel.forRange(2 * keyGroups * blocks, 1, (from, to) -> {
            for (int item = from; item < to; item++) {
                int j0 = item % blocks * KEY_BLOCK;
                int g = item / blocks % keyGroups;
                int side = item / blocks / keyGroups;
                scoreKeys(rows, side, g, 0, rows, j0, Math.min(groupKeys, j0 + KEY_BLOCK));
            }
        });
    }

    /**
     * Coarse scores of tokens [b0, b0 + count) on one side against keys [j0, j1) of key group g
     * (all heads' keys when the heads share one query, else head g's), into coarse [side][rows][H·n].
     */
    private void scoreKeys(int rows, int side, int g, int b0, int count, int j0, int j1) {
        int ldc = heads * n;
        int qOff = b0 * qWidth + (g % querySlots * 2 + side) * dk;
        kern.keyScores(coarse, (side * rows + b0) * ldc + g * n, ldc, qHat, qOff, qWidth, count,
                kFoldPacked, (side * keyGroups + g) * KeyScores.packedLength(groupKeys, dk),
                groupKeys, dk, j0, j1);
    }

    /**
     * Token b: top-m candidates per head and side, its cells ({@link CandidateRetrieval}, as
     * training), their value rows and, with a local table, its pooled sums.
     */
    private void retrieve(int b, int rows, Scratch sc, WeightedRead read) {
        int ldc = heads * n;
        for (int h = 0; h < heads; h++) {
            for (int side = 0; side < 2; side++) {
                kern.topK(coarse, (side * rows + b) * ldc + h * n, n, m, cand,
                        candidates.candOff(b, h, side), sc.top(), 0);
            }
        }
        candidates.retrieve(b, qHat, kHat, cand, exact, sel, selScore, slotW, cells, coreSum,
                coreData, sc.retrieval());
        CandidateRetrieval.resolve(shuffle, valueNum, slotRow, slotGroup, cells, b * slots,
                (b + 1) * slots);
        if (directValues != null) {
            read.poolTokenFrom(kern, pooled, b, directValues, sc.rows(), slotLocal, sc.order());
        }
    }
}
