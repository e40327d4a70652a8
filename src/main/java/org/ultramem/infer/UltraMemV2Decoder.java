package org.ultramem.infer;

import java.lang.foreign.Arena;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.model.MemorySpec;
import org.ultramem.nn.memory.CandidateRetrieval;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemV2Geometry;
import org.ultramem.nn.memory.UltraMemV2Keys;
import org.ultramem.nn.memory.UltraMemV2Lookup;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Decode path of one UltraMemV2 retrieval layer ℓ: the math of {@code UltraMemV2Layer.forward}
 * (V2 spec §3) for B tokens per step, from mapped weights. Shapes: x, y [B, D]; q, q̂ [B, 4·D_k]
 * (2 query slots × row/column, head h reads slot ⌊h/2⌋); K̂ [H][2][n][r][D_k] and K_fold
 * [2][H][n][D_k] prepared once at load by the training code ({@link UltraMemV2Keys#prepared});
 * the shared V [N_all, D_v] and Pre [N_all, D_p] ({@link UltraMemV2Tables}); W_o [D, E·D_v].
 * <pre>
 *   q̂ = RMS(x·W_qᵀ);  p = x·W_preᵀ                coarse = q̂·K_foldᵀ per side and query slot
 *   per token and head: top-m rows and columns, exact rank scores of the candidates, the m×m
 *   Tucker grid, top-k, per-core weights ŵ and cells z ({@link CandidateRetrieval}, as training)
 *   v = π[z]; block v div N; row ((v mod N) + off_ℓ) mod N_all ({@link UltraMemV2Lookup#resolve})
 *   gather the step's distinct V and Pre rows once (sorted, duplicates merged)
 *   γ = GELU(⟨p, Pre[row]⟩) (or the raw score); P[b, block, chunk t] += ŵ_t·γ·V[row, chunk t]
 *   y = P·W_oᵀ
 * </pre>
 * Gate and pooling are the training layer's ({@link UltraMemV2Lookup#gate},
 * {@link UltraMemV2Lookup#pool}) over the gathered rows; scoring and retrieval are {@link
 * CandidateSearch}'s, shared with {@link UltraMemDecoder}. The meter counts per
 * step: the query, pre-value and output projections, the query norm and the Tucker cores
 * (DENSE); the folded keys in full plus the distinct candidates' two rank rows (KEYS, fp32); the
 * distinct V rows (VALUES) and Pre rows (PRE_VALUES). {@code model.ModelCost} states the same per
 * token at batch 1.
 */
final class UltraMemV2Decoder implements MemoryDecoder {

    private final Kernels kern;
    private final UltraMemV2Config cfg;
    private final int dk;
    private final int heads;
    private final int rank;
    private final int cores;
    private final int slots;
    private final int qWidth;
    private final int preDim;
    private final int poolWidth;
    private final int valueNum;
    private final int allValueNum;
    private final int offset;

    private final Matrix queryProj;
    private final float[] queryNorm;
    private final Matrix preProj;
    private final Matrix valuesProj;
    private final CandidateSearch search;
    private final int[] shuffle;
    /** V rows and, with pre-values, the same rows of Pre, each distinct row once per step. */
    private final ValueGather gather;
    private final boolean preValues;
    /** One thread's pooling order. */
    private final ThreadLocal<int[]> poolScratch;

    private int capacity;
    private float[] q;
    private float[] qHat;
    private float[] qRstd;
    private float[] preIn;
    private int[] slotGroup;
    private int[] slotRow;
    private float[] preScore;
    private float[] gate;
    private float[] slotW;
    private float[] pooled;

    UltraMemV2Decoder(WeightStore store, String prefix, MemorySpec.V2 spec,
                      UltraMemV2Tables tables, int dModel, Precision precision, Arena arena,
                      Kernels kern) {
        this(store, prefix, spec, tables, dModel, precision, arena, kern, ValueStores.LOCAL);
    }

    /** As above, reading the shared tables through {@code stores} (local or a cluster). */
    UltraMemV2Decoder(WeightStore store, String prefix, MemorySpec.V2 spec,
                      UltraMemV2Tables tables, int dModel, Precision precision, Arena arena,
                      Kernels kern, ValueStores stores) {
        this.kern = kern;
        UltraMemV2Geometry geo = spec.geometry();
        this.cfg = spec.config();
        this.dk = cfg.keyDim();
        this.heads = cfg.heads();
        this.rank = cfg.tuckerRank();
        this.cores = cfg.tuckerCores();
        this.slots = cfg.slots();
        this.qWidth = 4 * dk;
        this.preDim = cfg.preValueDim();
        this.poolWidth = cfg.poolWidth();
        this.valueNum = geo.valueNum();
        this.allValueNum = geo.allValueNum();
        this.offset = geo.offset(spec.layerId());

        queryProj = Matrix.load(store, prefix + "query_proj.weight", qWidth, dModel, precision,
                arena);
        store.requireShape(prefix + "query_norm.weight", dk);
        queryNorm = store.readF32(prefix + "query_norm.weight");
        preProj = preDim > 0 ? Matrix.load(store, prefix + "pre_values_proj.weight", preDim,
                dModel, precision, arena) : null;
        valuesProj = Matrix.load(store, prefix + "values_proj.weight", dModel, poolWidth,
                precision, arena);
        store.requireShape(prefix + "keys", heads, 2, geo.keysPerSide(), dk, rank);
        store.requireShape(prefix + "keys_norm.weight", dk);
        store.requireShape(prefix + "tucker_u", heads, rank);
        store.requireShape(prefix + "tucker_v", heads, rank);
        CandidateRetrieval.Keys keys = UltraMemV2Keys.prepared(geo, kern,
                store.readF32(prefix + "keys"), store.readF32(prefix + "keys_norm.weight"),
                store.readF32(prefix + "tucker_u"), store.readF32(prefix + "tucker_v"));
        float[][] coreData = new float[cores][];
        for (int t = 0; t < cores; t++) {
            store.requireShape(prefix + "tucker_core." + t, heads, rank, rank);
            coreData[t] = store.readF32(prefix + "tucker_core." + t);
        }
        // Query slot g is read by heads 2g and 2g + 1: one key group each.
        search = new CandidateSearch(CandidateRetrieval.ultraMemV2(geo, kern), keys, coreData, 2,
                kern);
        shuffle = store.readIndex(prefix + "shuffle_index");
        CandidateRetrieval.requirePermutation(prefix + "shuffle_index", shuffle,
                geo.virtualValueNum());
        gather = new ValueGather(stores.open(tables.values()),
                tables.preValues() == null ? null : stores.open(tables.preValues()), kern);
        preValues = tables.preValues() != null;
        poolScratch = ThreadLocal.withInitial(() -> new int[slots + cfg.valueExpand() + 1]);
    }

    /** Bytes read in full every step: projections, query norm, cores, folded keys. */
    @Override
    public long denseBytes() {
        return queryProj.bytes() + valuesProj.bytes() + (preProj == null ? 0 : preProj.bytes())
                + fixedBytes() + search.foldedBytes();
    }

    /** The shared tables are counted once by the engine ({@link UltraMemV2Tables#bytes}). */
    @Override
    public long valueBytes() {
        return 0;
    }

    /** fp32 bytes of the query norm and the Tucker cores, read every step. */
    private long fixedBytes() {
        return (long) (queryNorm.length + cores * heads * rank * rank) * Float.BYTES;
    }

    private void ensure(int rows) {
        search.ensure(rows);
        if (rows <= capacity) {
            return;
        }
        capacity = rows;
        int slotCount = rows * slots;
        q = new float[rows * qWidth];
        qHat = new float[rows * qWidth];
        qRstd = new float[rows * 4];
        preIn = new float[rows * preDim];
        slotGroup = new int[slotCount];
        slotRow = new int[slotCount];
        preScore = new float[slotCount];
        gate = new float[slotCount];
        slotW = new float[slotCount * cores];
        pooled = new float[rows * poolWidth];
    }

    /** y [rows, D] = UltraMemV2_ℓ(x [rows, D]). */
    @Override
    public void apply(float[] y, float[] x, int rows, TrafficMeter meter) {
        ensure(rows);
        queryProj.apply(kern, q, x, rows);
        kern.rmsNormForward(qHat, qRstd, q, queryNorm, rows * 4, dk, cfg.rmsEps());
        if (preProj != null) {
            preProj.apply(kern, preIn, x, rows);
        }
        int[] cells = search.cells();
        search.run(qHat, rows, b -> UltraMemV2Lookup.resolve(shuffle, valueNum, offset,
                allValueNum, null, slotGroup, slotRow, cells, b * slots, (b + 1) * slots));
        int unique = gather.gather(slotRow, rows * slots);
        meter.add(Component.VALUES, unique * gather.rowBytes());
        if (preValues) {
            meter.add(Component.PRE_VALUES, unique * gather.companionRowBytes());
        }
        float[] tuckerW = search.weights();
        Parallel.forChunks(rows, 8, (from, to) -> {
            int[] order = poolScratch.get();
            for (int b = from; b < to; b++) {
                UltraMemV2Lookup.gate(kern, cfg, slotW, gate, preScore, tuckerW, preIn,
                        preValues ? gather.companionGathered() : null, gather.slotIndex(), b);
                UltraMemV2Lookup.pool(kern, cfg, pooled, gather.gathered(), slotW, slotGroup,
                        gather.slotIndex(), b, order);
            }
        });
        valuesProj.apply(kern, y, pooled, rows);
        meter.add(Component.DENSE, queryProj.bytes() + valuesProj.bytes()
                + (preProj == null ? 0 : preProj.bytes()) + fixedBytes());
        meter.add(Component.KEYS, search.keyBytes(rows));
    }
}
