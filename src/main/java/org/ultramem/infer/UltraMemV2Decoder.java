package org.ultramem.infer;

import java.lang.foreign.Arena;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.model.MemorySpec;
import org.ultramem.nn.memory.CandidateRetrieval;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemV2Geometry;
import org.ultramem.nn.memory.UltraMemV2Keys;
import org.ultramem.nn.memory.UltraMemV2Lookup;
import org.ultramem.tensor.kernel.KeyScores;
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
 * {@link UltraMemV2Lookup#pool}) over the gathered rows. From 8 tokens a step scores and
 * retrieves per chunk of tokens on one core (as {@link UltraMemDecoder}). The meter counts per
 * step: the query, pre-value and output projections, the query norm and the Tucker cores
 * (DENSE); the folded keys in full plus the distinct candidates' two rank rows (KEYS, fp32); the
 * distinct V rows (VALUES) and Pre rows (PRE_VALUES). {@code model.ModelCost} states the same per
 * token at batch 1.
 */
final class UltraMemV2Decoder implements MemoryDecoder {

    /** The V1 decoder's work split, which the same scoring and retrieval shapes share. */
    private static final int KEY_BLOCK = UltraMemDecoder.KEY_BLOCK;
    private static final int CHUNKED_ROWS = UltraMemDecoder.CHUNKED_ROWS;
    private static final int MAX_CHUNK = UltraMemDecoder.MAX_CHUNK;

    private final Kernels kern;
    private final UltraMemV2Config cfg;
    private final int dk;
    private final int n;
    private final int heads;
    private final int rank;
    private final int cores;
    private final int m;
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
    private final float[] kHat;
    private final float[] kFold;
    /** Query slots: ⌈H/2⌉ key groups per side, group g holding heads 2g and 2g + 1. */
    private final int groups;
    /** Packed K_fold per (side, group) for {@link KeyScores}, at {@link #packedOff}. */
    private final float[] kFoldPacked;
    private final int packedLen;
    private final float[] coreSum;
    private final float[][] coreData;
    private final int[] shuffle;
    /** V rows and, with pre-values, the same rows of Pre, each distinct row once per step. */
    private final ValueGather gather;
    private final boolean preValues;
    private final CandidateRetrieval candidates;
    private final DistinctKeys distinctKeys;
    private final ThreadLocal<Scratch> scratch;

    /** One thread's scratch: retrieval grid, top-m scores, pooling order. */
    private record Scratch(float[] retrieval, float[] top, int[] pool) {
    }

    private int capacity;
    private float[] q;
    private float[] qHat;
    private float[] qRstd;
    private float[] preIn;
    private float[] coarse;
    private int[] cand;
    private float[] exact;
    private int[] sel;
    private float[] selScore;
    private int[] cells;
    private int[] slotGroup;
    private int[] slotRow;
    private float[] tuckerW;
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
        this.n = geo.keysPerSide();
        this.heads = cfg.heads();
        this.rank = cfg.tuckerRank();
        this.cores = cfg.tuckerCores();
        this.m = cfg.knn();
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
        store.requireShape(prefix + "keys", heads, 2, n, dk, rank);
        store.requireShape(prefix + "keys_norm.weight", dk);
        store.requireShape(prefix + "tucker_u", heads, rank);
        store.requireShape(prefix + "tucker_v", heads, rank);
        UltraMemV2Keys.Prepared keys = UltraMemV2Keys.prepared(geo, kern,
                store.readF32(prefix + "keys"), store.readF32(prefix + "keys_norm.weight"),
                store.readF32(prefix + "tucker_u"), store.readF32(prefix + "tucker_v"));
        kHat = keys.kHat();
        kFold = keys.kFold();
        coreData = new float[cores][];
        coreSum = new float[heads * rank * rank];
        for (int t = 0; t < cores; t++) {
            store.requireShape(prefix + "tucker_core." + t, heads, rank, rank);
            coreData[t] = store.readF32(prefix + "tucker_core." + t);
            kern.axpy(coreSum, 0, 1f, coreData[t], 0, coreSum.length);
        }
        shuffle = store.readIndex(prefix + "shuffle_index");
        requirePermutation(prefix, geo.virtualValueNum());
        gather = new ValueGather(stores.open(tables.values()),
                tables.preValues() == null ? null : stores.open(tables.preValues()), kern);
        preValues = tables.preValues() != null;
        candidates = CandidateRetrieval.ultraMemV2(geo, kern);
        distinctKeys = new DistinctKeys(heads, n, m);
        groups = (heads + 1) / 2;
        packedLen = KeyScores.packedLength(2 * n, dk);
        kFoldPacked = new float[2 * groups * packedLen];
        for (int side = 0; side < 2; side++) {
            for (int g = 0; g < groups; g++) {
                KeyScores.pack(kFoldPacked, packedOff(side, g), kFold, (side * heads + 2 * g) * n
                        * dk, groupKeys(g), dk);
            }
        }
        scratch = ThreadLocal.withInitial(() -> new Scratch(candidates.newScratch(),
                new float[m], new int[slots + cfg.valueExpand() + 1]));
    }

    /** π must hold each of 0..E'·N−1 once (a corrupt index would read outside the window). */
    private void requirePermutation(String prefix, int size) {
        if (shuffle.length != size) {
            throw new IllegalArgumentException("tensor `" + prefix + "shuffle_index` has "
                    + shuffle.length + " entries; E'·N = " + size + " expected; the checkpoint"
                    + " and config.json belong to different models");
        }
        boolean[] seen = new boolean[size];
        for (int i = 0; i < size; i++) {
            int v = shuffle[i];
            if (v < 0 || v >= size || seen[v]) {
                throw new IllegalArgumentException("tensor `" + prefix + "shuffle_index`[" + i
                        + "] = " + v + " breaks the permutation rule (each of 0.." + (size - 1)
                        + " once); the checkpoint is corrupt: re-save it");
            }
            seen[v] = true;
        }
    }

    /** Keys of group g: the two heads of query slot g (one for an odd last head). */
    private int groupKeys(int g) {
        return Math.min(2, heads - 2 * g) * n;
    }

    private int packedOff(int side, int g) {
        return (side * groups + g) * packedLen;
    }

    /** Bytes read in full every step: projections, query norm, cores, folded keys. */
    @Override
    public long denseBytes() {
        return queryProj.bytes() + valuesProj.bytes() + (preProj == null ? 0 : preProj.bytes())
                + fixedBytes() + (long) kFold.length * Float.BYTES;
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
        if (rows <= capacity) {
            return;
        }
        capacity = rows;
        int slotCount = rows * slots;
        q = new float[rows * qWidth];
        qHat = new float[rows * qWidth];
        qRstd = new float[rows * 4];
        preIn = new float[rows * preDim];
        coarse = new float[2 * rows * heads * n];
        cand = new int[rows * heads * 2 * m];
        exact = new float[cand.length * rank];
        sel = new int[slotCount];
        selScore = new float[slotCount];
        cells = new int[slotCount];
        slotGroup = new int[slotCount];
        slotRow = new int[slotCount];
        tuckerW = new float[slotCount * cores];
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
        if (rows < CHUNKED_ROWS) {
            // Few tokens: reading K_fold bounds the step, so both cores score key columns, then
            // both retrieve tokens.
            coarseScores(rows);
            Parallel.forRange(rows, 1, (from, to) -> {
                Scratch sc = scratch.get();
                for (int b = from; b < to; b++) {
                    retrieve(b, rows, sc);
                }
            });
        } else {
            // One pass per chunk of tokens on one core: its coarse scores, then each token's
            // retrieval while the scores are in that core's L2 (one parallel region, not two).
            // Any chunking gives the same bits.
            int chunk = Math.min(MAX_CHUNK, (rows + Parallel.threads() - 1) / Parallel.threads());
            int chunks = (rows + chunk - 1) / chunk;
            Parallel.forRange(chunks, 1, (c0, c1) -> {
                Scratch sc = scratch.get();
                for (int c = c0; c < c1; c++) {
                    int b0 = c * chunk;
                    int b1 = Math.min(rows, b0 + chunk);
                    for (int side = 0; side < 2; side++) {
                        for (int g = 0; g < groups; g++) {
                            scoreKeys(rows, side, g, b0, b1 - b0, 0, groupKeys(g));
                        }
                    }
                    for (int b = b0; b < b1; b++) {
                        retrieve(b, rows, sc);
                    }
                }
            });
        }
        int unique = gather.gather(slotRow, rows * slots);
        meter.add(Component.VALUES, unique * gather.rowBytes());
        if (preValues) {
            meter.add(Component.PRE_VALUES, unique * gather.companionRowBytes());
        }
        Parallel.forRange(rows, 16, (from, to) -> {
            int[] order = scratch.get().pool();
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
        meter.add(Component.KEYS, (long) kFold.length * Float.BYTES
                + distinctKeys.count(cand, rows) * rank * dk * Float.BYTES);
    }

    /**
     * coarse [side][rows][H·n] = q̂·K_foldᵀ for every token: per side and query slot one scoring
     * of the slot's two heads' keys, key columns split over the cores.
     */
    private void coarseScores(int rows) {
        int blocks = (2 * n + KEY_BLOCK - 1) / KEY_BLOCK;
        Parallel.forRange(2 * groups * blocks, 1, (from, to) -> {
            for (int item = from; item < to; item++) {
                int g = item / blocks % groups;
                int side = item / blocks / groups;
                int j0 = item % blocks * KEY_BLOCK;
                int j1 = Math.min(groupKeys(g), j0 + KEY_BLOCK);
                if (j0 < j1) {
                    scoreKeys(rows, side, g, 0, rows, j0, j1);
                }
            }
        });
    }

    /**
     * Coarse scores of tokens [b0, b0 + count) on one side against keys [j0, j1) of query slot
     * g's heads (2g, 2g + 1), into coarse [side][rows][H·n].
     */
    private void scoreKeys(int rows, int side, int g, int b0, int count, int j0, int j1) {
        kern.keyScores(coarse, (side * rows + b0) * heads * n + 2 * g * n, heads * n, qHat,
                b0 * qWidth + (2 * g + side) * dk, qWidth, count, kFoldPacked, packedOff(side, g),
                groupKeys(g), dk, j0, j1);
    }

    /** Token b: top-m per head and side, the shared retrieval, then its slots' rows and blocks. */
    private void retrieve(int b, int rows, Scratch sc) {
        for (int h = 0; h < heads; h++) {
            for (int side = 0; side < 2; side++) {
                kern.topK(coarse, ((side * rows + b) * heads + h) * n, n, m, cand,
                        candidates.candOff(b, h, side), sc.top(), 0);
            }
        }
        candidates.retrieve(b, qHat, kHat, cand, exact, sel, selScore, tuckerW, cells, coreSum,
                coreData, sc.retrieval());
        UltraMemV2Lookup.resolve(shuffle, valueNum, offset, allValueNum, null, slotGroup, slotRow,
                cells, b * slots, (b + 1) * slots);
    }
}
