package org.ultramem.infer;

import java.lang.foreign.Arena;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.nn.memory.CandidateRetrieval;
import org.ultramem.nn.memory.OutputGate;
import org.ultramem.nn.memory.ProductKeys;
import org.ultramem.nn.memory.RetrievalRemedies;
import org.ultramem.nn.memory.RunningBatchNorm;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Decode path of one UltraMem (V1) memory layer: the same math as {@code UltraMemLayer.forward}
 * (spec §A), arranged for B tokens per step. Shapes: x, y [B, D]; q, q̂ [B, Q·2·D_k];
 * K̂ [H][2][n][r][D_k] normalized keys and K_u, K_v [H][n][D_k] folded keys (K_u = Σ_ρ u_ρ K̂[h,0,:,ρ,:],
 * K_v likewise with v), both prepared once at load by the training code ({@code
 * ProductKeys.prepared}); values [N, D_v] (mapped); W_o [D, E·D_v].
 * <pre>
 *   q = x·W_qᵀ; q̂ = RMS(q) per half          coarse = q̂·K_uᵀ, q̂·K_vᵀ  (a GEMM per side, head)
 *   per token and head: top-m rows / columns; exact rank components only for the m candidates;
 *   m×m grid G = A·C_sum·Bcᵀ; top-k; per-core weights w_t = A·C_t·Bcᵀ; z = row·n + col; v = π[z]
 *   P[b, v div N, chunk t] += w_t · V[v mod N, chunk t] (token b's task reads its rows straight
 *   from a local table; other stores: the step's rows once, ValueGather);   y = P·W_oᵀ
 * </pre>
 * The scoring and retrieval are {@link CandidateSearch}'s, shared with {@link UltraMemV2Decoder}.
 * Remedies that change the forward ({@code nn.memory.RetrievalRemedies}): query BatchNorm with
 * its running statistics between W_q and the RMSNorm, q = γ_bn⊙(q − mean)·(var + ε)^-½ + β_bn
 * (as the training layer in evaluation mode); the output gate y ← γ ⊙ y ("scale") or
 * y ← y ⊙ SiLU(x·W_gᵀ) ("silu"). The meter counts the folded keys and the distinct candidates'
 * exact components (KEYS), the distinct value rows (VALUES) and the query/output projections
 * and the gate (DENSE).
 */
final class UltraMemDecoder implements MemoryDecoder {

    private final Kernels kern;
    private final UltraMemConfig cfg;
    private final int dModel;
    private final int slots;
    private final int querySlots;
    private final int qWidth;
    private final int poolWidth;
    private final int valueNum;

    private final Matrix queryProj;
    /** Query BatchNorm with its running statistics, or null. */
    private final RunningBatchNorm queryBn;
    /** "scale" gate γ [D], or null. */
    private final float[] outputScale;
    /** "silu" gate W_g [D, D], or null. */
    private final Matrix outputGate;
    private final float[] queryNorm;
    private final CandidateSearch search;
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
    private int[] slotRow;
    /** s mod H·k per selection s: its row in a token's pooling scratch. */
    private int[] slotLocal;
    private int[] slotGroup;
    private float[] pooled;
    private float[] gateAct;
    /** Per-thread pooling scratch of the direct path: a token's H·k value rows, their order. */
    private final ThreadLocal<PoolScratch> poolScratch;

    private record PoolScratch(float[] rows, int[] order) {
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
        int dk = cfg.keyDim();
        int heads = cfg.heads();
        int rank = cfg.tuckerRank();
        this.slots = heads * cfg.topK();
        this.querySlots = cfg.querySlots();
        this.qWidth = querySlots * 2 * dk;
        this.poolWidth = cfg.valueExpand() * cfg.valueDim();
        this.valueNum = cfg.valueNum();

        queryProj = Matrix.load(store, prefix + "query_proj.weight", qWidth, dModel,
                precision, arena);
        queryBn = cfg.remedies().queryBatchNorm() ? store.readRunningBatchNorm(prefix
                + "query_bn.", qWidth) : null;
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
        store.requireShape(prefix + "keys", heads, 2, cfg.keysPerSide(), dk, rank);
        float[][] coreData = new float[cfg.tdqkr() ? cfg.tuckerCores() : 0][];
        for (int t = 0; t < coreData.length; t++) {
            coreData[t] = store.readF32(prefix + "tucker_core." + t);
        }
        CandidateRetrieval.Keys keys = ProductKeys.prepared(cfg, kern,
                store.readF32(prefix + "keys"),
                cfg.qkNorm() ? store.readF32(prefix + "keys_norm.weight") : null,
                cfg.tdqkr() ? store.readF32(prefix + "tucker_u") : null,
                cfg.tdqkr() ? store.readF32(prefix + "tucker_v") : null);
        // Heads sharing one query are scored in one call over all H·n keys, else one per head.
        search = new CandidateSearch(new CandidateRetrieval(cfg, kern), keys, coreData,
                querySlots == 1 ? heads : 1, kern);
        values = Matrix.load(store, prefix + "values", valueNum, cfg.valueDim(), precision, arena);
        gather = new ValueGather(stores.open(values), kern);
        directValues = gather.localTable();
        distinctRows = directValues == null ? null : new DistinctRows(valueNum);
        valuesProj = cfg.outputProjection()
                ? Matrix.load(store, prefix + "values_proj.weight", dModel, poolWidth, precision,
                arena)
                : null;
        shuffle = store.readIndex(prefix + "shuffle_index");
        CandidateRetrieval.requirePermutation(prefix + "shuffle_index", shuffle,
                cfg.valueExpand() * valueNum);
        poolScratch = ThreadLocal.withInitial(() -> new PoolScratch(
                new float[slots * cfg.valueDim()], new int[slots]));
    }

    /** Bytes of the dense parts read every step: projections and folded keys. */
    @Override
    public long denseBytes() {
        return queryProj.bytes() + (valuesProj == null ? 0 : valuesProj.bytes())
                + (outputGate == null ? 0 : outputGate.bytes()) + search.foldedBytes();
    }

    @Override
    public long valueBytes() {
        return values.bytes();
    }

    private void ensure(int rows) {
        search.ensure(rows);
        if (rows <= capacity) {
            return;
        }
        capacity = rows;
        q = new float[rows * qWidth];
        qHat = new float[rows * qWidth];
        qRstd = new float[rows * querySlots * 2];
        slotRow = new int[rows * slots];
        slotLocal = new int[rows * slots];
        for (int s = 0; s < slotLocal.length; s++) {
            slotLocal[s] = s % slots;
        }
        slotGroup = new int[rows * slots];
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
            kern.rmsNormForward(qHat, qRstd, q, queryNorm, rows * querySlots * 2, cfg.keyDim(),
                    cfg.rmsEps());
        } else {
            System.arraycopy(q, 0, qHat, 0, rows * qWidth);
        }
        // A local table's rows are pooled by the task that retrieved them (no sort, gathered
        // copy or extra parallel regions; same sums, same bits as ValueGather, used otherwise).
        WeightedRead read = new WeightedRead(rows, slots, slotRow, search.weights(),
                cfg.tuckerCores(), slotGroup, poolWidth);
        int[] cells = search.cells();
        search.run(qHat, rows, b -> {
            CandidateRetrieval.resolve(shuffle, valueNum, slotRow, slotGroup, cells, b * slots,
                    (b + 1) * slots);
            if (directValues != null) {
                PoolScratch sc = poolScratch.get();
                read.poolTokenFrom(kern, pooled, b, directValues, sc.rows(), slotLocal,
                        sc.order());
            }
        });
        meter.add(Component.KEYS, search.keyBytes(rows));
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
            OutputGate.scale(y, outputScale, rows, dModel);
        } else if (outputGate != null) {
            outputGate.apply(kern, gateAct, x, rows);
            meter.add(Component.DENSE, outputGate.bytes());
            OutputGate.siluGate(y, gateAct, rows * dModel);
        }
    }
}
