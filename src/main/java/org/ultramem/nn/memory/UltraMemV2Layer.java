package org.ultramem.nn.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * One UltraMemV2 retrieval layer (official {@code UltraMemLayerV2} with {@code has_value=False},
 * {@code ultramem-v2-spec.md} §3-§6): per-slot queries, rank-2 product keys with row/column
 * scoring, Tucker multi-core scoring, key expansion into E' virtual blocks over a window of the
 * shared value table ({@link UltraMemV2Values}), the pre-value gate, pooling and the output
 * projection, plus the key-balance loss. Tokens are flattened: x, y are [B, D].
 *
 * <p>Parameters (golden names): {@code query_proj.weight} W_q [4·D_k, D] (2 slots × 2 sides),
 * {@code query_norm.weight} and {@code keys_norm.weight} [D_k], {@code keys} [H, 2, n, D_k, 2],
 * {@code tucker_core.<t>} [H, 2, 2] for t &lt; T, {@code values_proj.weight} W_o [D, E·D_v],
 * {@code pre_values_proj.weight} W_pre [D_p, D] (only D_p &gt; 0). Buffers: u, v [H·2] and the
 * shuffle index π [E'·N]. The value tables belong to the holder, which every V2 layer of a model
 * shares: this layer reads its window (offset ℓ·K0², N rows, wrapping) and adds into the
 * holder's gradients.
 *
 * <p>Top-k ties (none in the golden cases): higher score, then lower index. Work is split over
 * tokens, table rows or keys; reductions across tokens run in token order, so results do not
 * depend on the thread count.
 *
 * <p>Contract: {@link #refreshTucker()} once per optimizer step before the first forward (the
 * constructor runs it once); {@link #backward} follows the {@link #forward} whose state it uses
 * and adds (+=) into every parameter gradient, the holder's table gradients and dx.
 */
public final class UltraMemV2Layer {

    /** Tokens per coarse-score chunk: a chunk's scores stay in L2 until its top-m reads them. */
    private static final int COARSE_CHUNK = 64;
    /** Fewest slots one task takes in the table backward (a slot costs about T small dots). */
    private static final int BACKWARD_SLOTS_PER_TASK = 256;

    private final UltraMemV2Config cfg;
    private final UltraMemV2Geometry geo;
    private final UltraMemV2Values holder;
    private final int layerId;
    private final Kernels kern;
    private final UltraMemV2Keys productKeys;
    private final CandidateRetrieval candidates;
    private final UltraMemV2Lookup lookup;
    private final UltraMemV2BalanceLoss balance;
    private final int dModel;
    private final int dk;
    private final int qWidth;
    private final int n;
    private final int heads;
    private final int rank;
    private final int cores;
    private final int m;
    private final int slots;
    private final int preDim;
    private final int poolWidth;
    private final int maxTokens;

    private final Parameter queryProj;
    private final Parameter queryNorm;
    private final Parameter keys;
    private final Parameter keysNorm;
    private final Parameter[] tuckerCores;
    private final Parameter valuesProj;
    private final Parameter preValuesProj;
    private final float[] tuckerU;
    private final float[] tuckerV;

    // Saved by forward (sized for maxTokens).
    private int tokens = -1;
    private double balanceLoss = Double.NaN;
    private final float[] x;
    private final float[] q;
    private final float[] qHat;
    private final float[] qRstd;
    private final float[] preIn;
    private final float[] coreSum;
    private final float[][] coreData;
    private final float[] coarse;
    private final int[] cand;
    private final float[] exact;
    private final int[] sel;
    private final float[] selScore;
    private final int[] slotZ;
    private final int[] slotVirtual;
    private final int[] slotGroup;
    private final int[] slotRow;
    private final float[] tuckerW;
    private final float[] preScore;
    /** erf(π/√2) per slot, kept by the GELU gate for its derivative (null without one). */
    private final double[] preErf;
    private final float[] gate;
    private final float[] slotW;
    private final float[] pooled;

    // Backward scratch.
    private final float[] dPooled;
    private final int[] slotOrder;
    private final int[] rowStart;
    private final float[] dTuckerW;
    private final float[] dPreScore;
    private final float[] dPreIn;
    private final float[] dExact;
    private final float[] dCoreTok;
    private final float[] dqHat;
    private final float[] dq;
    private final float[] dCoarse;

    public UltraMemV2Layer(UltraMemV2Values holder, int layerId, int hiddenSize, int maxTokens,
                           long seed) {
        this(holder, layerId, hiddenSize, maxTokens, seed, KernelProvider.get());
    }

    /**
     * Layer {@code layerId} of the model's V2 layers (its window offset is layerId·K0²) over the
     * shared {@code holder}, for inputs of {@code hiddenSize} and at most {@code maxTokens} tokens.
     */
    public UltraMemV2Layer(UltraMemV2Values holder, int layerId, int hiddenSize, int maxTokens,
                           long seed, Kernels kernels) {
        if (hiddenSize <= 0 || maxTokens <= 0) {
            throw new IllegalArgumentException("UltraMemV2Layer needs hiddenSize (" + hiddenSize
                    + ") and maxTokens (" + maxTokens + ") > 0");
        }
        this.geo = holder.geometry();
        this.cfg = geo.config();
        this.holder = holder;
        this.layerId = layerId;
        this.kern = kernels;
        this.dModel = hiddenSize;
        this.dk = cfg.keyDim();
        this.qWidth = UltraMemV2Keys.QUERY_ROWS * dk;
        this.n = geo.keysPerSide();
        this.heads = cfg.heads();
        this.rank = cfg.tuckerRank();
        this.cores = cfg.tuckerCores();
        this.m = cfg.knn();
        this.slots = cfg.slots();
        this.preDim = cfg.preValueDim();
        this.poolWidth = cfg.poolWidth();
        this.maxTokens = maxTokens;

        queryProj = new Parameter("query_proj.weight", new int[] {qWidth, dModel},
                Parameter.Group.DECAY);
        queryNorm = new Parameter("query_norm.weight", new int[] {dk}, Parameter.Group.NO_DECAY);
        keys = new Parameter("keys", new int[] {heads, 2, n, dk, rank}, Parameter.Group.DECAY);
        keysNorm = new Parameter("keys_norm.weight", new int[] {dk}, Parameter.Group.NO_DECAY);
        tuckerCores = new Parameter[cores];
        for (int t = 0; t < cores; t++) {
            tuckerCores[t] = new Parameter("tucker_core." + t, new int[] {heads, rank, rank},
                    Parameter.Group.DECAY);
        }
        valuesProj = new Parameter("values_proj.weight", new int[] {dModel, poolWidth},
                Parameter.Group.DECAY);
        preValuesProj = preDim > 0 ? new Parameter("pre_values_proj.weight",
                new int[] {preDim, dModel}, Parameter.Group.DECAY) : null;
        tuckerU = new float[heads * rank];
        tuckerV = new float[heads * rank];

        int slotCount = maxTokens * slots;
        x = new float[maxTokens * dModel];
        q = new float[maxTokens * qWidth];
        qHat = new float[maxTokens * qWidth];
        qRstd = new float[maxTokens * UltraMemV2Keys.QUERY_ROWS];
        preIn = new float[maxTokens * preDim];
        coreSum = new float[heads * rank * rank];
        coreData = new float[cores][];
        coarse = new float[2 * maxTokens * heads * n];
        cand = new int[maxTokens * heads * 2 * m];
        exact = new float[cand.length * rank];
        sel = new int[slotCount];
        selScore = new float[slotCount];
        slotZ = new int[slotCount];
        slotVirtual = new int[slotCount];
        slotGroup = new int[slotCount];
        slotRow = new int[slotCount];
        tuckerW = new float[slotCount * cores];
        preScore = new float[slotCount];
        preErf = preDim > 0 && cfg.gluAct() ? new double[slotCount] : null;
        gate = new float[slotCount];
        slotW = new float[slotCount * cores];
        pooled = new float[maxTokens * poolWidth];
        dPooled = new float[pooled.length];
        slotOrder = new int[slotCount];
        rowStart = new int[geo.valueNum() + 1];
        dTuckerW = new float[tuckerW.length];
        dPreScore = new float[slotCount];
        dPreIn = new float[preIn.length];
        dExact = new float[exact.length];
        dCoreTok = new float[maxTokens * heads * cores * rank * rank];
        dqHat = new float[q.length];
        dq = new float[q.length];
        dCoarse = cfg.balanceCoef() > 0 ? new float[coarse.length] : null;

        productKeys = new UltraMemV2Keys(geo, kernels, keys, keysNorm, cand.length);
        candidates = CandidateRetrieval.ultraMemV2(geo, kernels);
        lookup = new UltraMemV2Lookup(holder, layerId, seed ^ 0x5DEECE66DL, kernels);
        balance = cfg.balanceCoef() > 0 ? new UltraMemV2BalanceLoss(geo, kernels,
                (maxTokens + COARSE_CHUNK - 1) / COARSE_CHUNK) : null;
        UltraMemV2Init.initialize(this, seed);
        refreshTucker();
    }

    // ----------------------------------------------------------------------------------------
    // Forward / backward

    /**
     * Forward. x: [B, D] → y: [B, D] (overwritten), B = tokens ≤ maxTokens. Saves the queries,
     * candidates, selection, gates and pooled values for {@link #backward}; with β &gt; 0 also the
     * balance loss ({@link #balanceLoss()}), in training and evaluation alike (spec §4).
     */
    public void forward(float[] y, float[] xIn, int tokens) {
        checkTokens(tokens);
        this.tokens = tokens;
        System.arraycopy(xIn, 0, x, 0, tokens * dModel);

        // 1. Queries Q = x·W_qᵀ [B, 2 slots, 2 sides, D_k], RMS-normalised per D_k row (§3.1).
        kern.matmul(false, true, tokens, qWidth, dModel, x, 0, dModel, queryProj.data, 0, dModel,
                q, 0, qWidth, false);
        kern.rmsNormForward(qHat, qRstd, q, queryNorm.data, tokens * UltraMemV2Keys.QUERY_ROWS,
                dk, cfg.rmsEps());
        // 2. Pre-value input p = x·W_preᵀ [B, D_p] (§3.9).
        if (preDim > 0) {
            kern.matmul(false, true, tokens, preDim, dModel, x, 0, dModel, preValuesProj.data, 0,
                    dModel, preIn, 0, preDim, false);
        }
        // 3. Normalised and folded keys, summed cores (§3.3, §3.5).
        prepareKeys();
        // 4-9. Per chunk of COARSE_CHUNK tokens: coarse scores (one GEMM per side and query
        //      slot), top-m per side, exact rank scores of the candidates, Tucker grid and final
        //      top-k, then (after the balance softmax has reused the chunk's scores) shuffle,
        //      rows, pre-value gate and pooling. Chunk bounds are fixed, so results do not depend
        //      on the thread count.
        int chunks = (tokens + COARSE_CHUNK - 1) / COARSE_CHUNK;
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            float[] scratch = candidates.newScratch();
            float[] topScratch = new float[m];
            int[] poolScratch = new int[slots + cfg.valueExpand() + 1];
            float[] coarseTail = new float[UltraMemV2Keys.coarseScratch(COARSE_CHUNK)];
            for (int c = c0; c < c1; c++) {
                int b0 = c * COARSE_CHUNK;
                int rows = Math.min(tokens, b0 + COARSE_CHUNK) - b0;
                productKeys.coarseScores(coarse, qHat, b0, rows, tokens, coarseTail);
                for (int b = b0; b < b0 + rows; b++) {
                    for (int h = 0; h < heads; h++) {
                        for (int side = 0; side < 2; side++) {
                            kern.topK(coarse, coarseOff(side, b, h), n, m, cand,
                                    candOff(b, h, side), topScratch, 0);
                        }
                    }
                    retrieve(b, scratch);
                }
                if (balance != null) {
                    balance.softmax(coarse, c, b0, rows, tokens);
                }
                lookup.resolve(slotVirtual, slotGroup, slotRow, slotZ, b0 * slots,
                        (b0 + rows) * slots);
                for (int b = b0; b < b0 + rows; b++) {
                    lookup.gate(slotW, gate, preScore, tuckerW, preIn, slotRow, b, preErf);
                    lookup.pool(pooled, slotW, slotGroup, slotRow, b, poolScratch);
                }
            }
        });
        // 10. Key-balance loss over the whole batch (§4); identity on y.
        balanceLoss = balance != null ? balance.forward(cand, tokens, chunks) : Double.NaN;
        // 11. y = P·W_oᵀ, P [B, E·D_v] (blocks already summed when E = 1) (§3.11).
        kern.matmul(false, true, tokens, dModel, poolWidth, pooled, 0, poolWidth, valuesProj.data,
                0, poolWidth, y, 0, dModel, false);
    }

    /**
     * Backward of Σ y·dy + β·L_bal. dy: [B, D]; adds into dx [B, D], every parameter gradient and
     * the holder's table gradients (only the touched rows, each marked with
     * {@link Parameter#touchRow}). Spec §5; the balance term follows §4.
     */
    public void backward(float[] dx, float[] dy, int tokens) {
        backward(dx, dy, tokens, cfg.balanceCoef());
    }

    /**
     * As {@link #backward(float[], float[], int)} with the balance gradient weighted by
     * {@code balanceWeight} instead of β (the reference injects β once per forward call; a
     * trainer that averages micro-batches may pass β/accumulation steps).
     */
    public void backward(float[] dx, float[] dy, int tokens, double balanceWeight) {
        if (tokens != this.tokens) {
            throw new IllegalStateException("backward(tokens = " + tokens + ") must follow a "
                    + "forward with the same tokens (last forward: " + this.tokens + ")");
        }
        // 1. Projection: dW_o += dyᵀ·P, dP = dy·W_o (§5.1; with E = 1 dP feeds every block).
        kern.matmul(true, false, dModel, poolWidth, tokens, dy, 0, dModel, pooled, 0, poolWidth,
                valuesProj.grad, 0, poolWidth, true);
        kern.matmul(false, false, tokens, poolWidth, dModel, dy, 0, dModel, valuesProj.data, 0,
                poolWidth, dPooled, 0, poolWidth, false);
        // 2. Tables (§5.2-§5.3): slots sorted by row, split into equal runs of slots cut at row
        //    starts (race-free, token order within a row): dŵ, dπ, dV, dPre. Splitting by
        //    slots, not by row index, keeps both threads busy: a layer's window is a slice of the
        //    shared table (one half of it in the family preset) and a split by row index gave
        //    such a layer's whole pass to one thread. The serial passes that read only the
        //    forward's selections run first, as independent tasks (backwardPrep).
        int count = tokens * slots;
        Parallel.forRange(PREP_TASKS, 1, (t0, t1) -> {
            for (int task = t0; task < t1; task++) {
                backwardPrep(task, count, tokens);
            }
        });
        Parallel.forRange(count, BACKWARD_SLOTS_PER_TASK, (i0, i1) -> lookup.backward(dTuckerW,
                dPreScore, dPooled, slotW, tuckerW, gate, preScore, preErf, preIn, slotGroup,
                slotRow, slotOrder,
                lookup.rowAligned(slotOrder, rowStart, slotRow, i0, count),
                lookup.rowAligned(slotOrder, rowStart, slotRow, i1, count)));
        // 3. Pre-value input: dp = Σ_s dπ_s·Pre[row_s], dW_pre += dpᵀ·x, dx += dp·W_pre (§5.3).
        if (preDim > 0) {
            Parallel.forRange(tokens, 8, (b0, b1) -> {
                int[] offs = new int[slots];
                for (int b = b0; b < b1; b++) {
                    lookup.preInputBackward(dPreIn, dPreScore, slotRow, b, offs);
                }
            });
            kern.matmul(true, false, preDim, dModel, tokens, dPreIn, 0, preDim, x, 0, dModel,
                    preValuesProj.grad, 0, dModel, true);
            kern.matmul(false, false, tokens, dModel, preDim, dPreIn, 0, preDim,
                    preValuesProj.data, 0, dModel, dx, 0, dModel, true);
        }
        // 4. Per token: Tucker grid backward into dS (candidates) and per-token core gradients,
        //    then dq̂ from the candidates (§5.4).
        Parallel.forRange(tokens, 8, (b0, b1) -> {
            int[] offs = new int[m * rank];
            for (int b = b0; b < b1; b++) {
                tokenBackward(b, offs);
            }
        });
        // 5. Cores: the per-token contributions in token order, as plain adds (a kernel call
        //    per 4-float block cost more than the adds; y + 1·x is the same rounding either way).
        int coreBlock = rank * rank;
        for (int t = 0; t < cores; t++) {
            float[] grad = tuckerCores[t].grad;
            for (int h = 0; h < heads; h++) {
                for (int e = 0; e < coreBlock; e++) {
                    float acc = grad[h * coreBlock + e];
                    for (int b = 0, src = (h * cores + t) * coreBlock + e; b < tokens;
                         b++, src += heads * cores * coreBlock) {
                        acc += dCoreTok[src];
                    }
                    grad[h * coreBlock + e] = acc;
                }
            }
        }
        // 6. Balance: dc for all n keys, into dq̂ and the folded keys (§4).
        boolean withBalance = balance != null && balanceWeight != 0;
        if (withBalance) {
            balance.backward(dCoarse, coarse, tokens, balanceWeight);
            productKeys.balanceBackward(dqHat, dCoarse, qHat, tokens);
        }
        // 7. Keys: candidates (+ fold path), RMS-norm backward, transpose (§5.4-§5.5).
        productKeys.backward(dExact, qHat, tokens, withBalance);
        // 8. Query RMS-norm backward, dW_q += dqᵀ·x, dx += dq·W_q (§5.5).
        Arrays.fill(dq, 0, tokens * qWidth, 0f);
        kern.rmsNormBackward(dq, queryNorm.grad, dqHat, q, queryNorm.data, qRstd,
                tokens * UltraMemV2Keys.QUERY_ROWS, dk);
        kern.matmul(true, false, qWidth, dModel, tokens, dq, 0, qWidth, x, 0, dModel,
                queryProj.grad, 0, dModel, true);
        kern.matmul(false, false, tokens, dModel, qWidth, dq, 0, qWidth, queryProj.data, 0,
                dModel, dx, 0, dModel, true);
    }

    // ----------------------------------------------------------------------------------------
    // Forward and backward pieces

    /** The serial passes at the start of {@link #backward}, see {@link #backwardPrep}. */
    private static final int PREP_TASKS = 4;

    /**
     * Serial pass {@code task} of the backward's start; the four read only the forward's
     * selections and write disjoint state, so they run as tasks of one parallel region: the
     * row sort and the key grouping of step 7 on one thread, the touched-row marks of the two
     * tables (each table's list in slot order, as one thread gives it) on the other. Each pass
     * is the same on any thread, so nothing depends on the thread count. (Run one after another
     * they left the second core idle for about 2% of a family-preset V2 step, serial samples of
     * a JFR profile of {@code ultramem bench train --config configs/family-ultramem-v2.json}.)
     */
    private void backwardPrep(int task, int count, int tokens) {
        switch (task) {
            case 0 -> lookup.sortSlotsByRow(slotOrder, rowStart, slotRow, count);
            case 1 -> productKeys.groupEntries(cand, tokens);
            case 2 -> lookup.touchValueRows(slotRow, count);
            default -> lookup.touchPreValueRows(slotRow, count);
        }
    }

    /** Normalised and folded keys ({@link UltraMemV2Keys#prepare}) and the summed cores. */
    private void prepareKeys() {
        productKeys.prepare(tuckerU, tuckerV);
        Arrays.fill(coreSum, 0f);
        for (int t = 0; t < cores; t++) {
            coreData[t] = tuckerCores[t].data;
            kern.axpy(coreSum, 0, 1f, tuckerCores[t].data, 0, coreSum.length);
        }
    }

    /**
     * Exact candidate scores, Tucker grid, final top-k and grid cells z of token b (§3.4-3.7),
     * by the retrieval the decode engine shares ({@link CandidateRetrieval#ultraMemV2}).
     */
    private void retrieve(int b, float[] scratch) {
        candidates.retrieve(b, qHat, productKeys.kHat(), cand, exact, sel, selScore, tuckerW,
                slotZ, coreSum, coreData, scratch);
    }

    /** Per-token backward: Tucker grid into dExact and dCore, then dq̂ for token b. */
    private void tokenBackward(int b, int[] offs) {
        int exOff = candOff(b, 0, 0) * rank;
        Arrays.fill(dExact, exOff, exOff + heads * 2 * m * rank, 0f);
        int dcLen = heads * cores * rank * rank;
        Arrays.fill(dCoreTok, b * dcLen, (b + 1) * dcLen, 0f);
        for (int h = 0; h < heads; h++) {
            int selOff = b * slots + h * m;
            candidates.grid().backward(dExact, dCoreTok, (b * heads + h) * cores * rank * rank,
                    dTuckerW, tuckerW, selOff * cores, sel, selOff, exact, candOff(b, h, 0) * rank,
                    candOff(b, h, 1) * rank, coreData, h * rank * rank);
        }
        Arrays.fill(dqHat, b * qWidth, (b + 1) * qWidth, 0f);
        productKeys.queryBackwardFromCandidates(dqHat, dExact, cand, b, offs);
    }

    private int candOff(int b, int h, int side) {
        return ((b * heads + h) * 2 + side) * m;
    }

    /** Offset of the coarse row (side, token b, head h) in the [side][tokens][H·n] buffer. */
    private int coarseOff(int side, int b, int h) {
        return ((side * tokens + b) * heads + h) * n;
    }

    private void checkTokens(int tokens) {
        if (tokens < 1 || tokens > maxTokens) {
            throw new IllegalArgumentException("tokens (" + tokens + ") must be in [1, maxTokens = "
                    + maxTokens + "]; build the layer with a larger maxTokens");
        }
    }

    // ----------------------------------------------------------------------------------------
    // Tucker buffers, parameters, accessors

    /**
     * The online rank-1 update of u, v from Σ_t C_t with the sign rule (spec §6, {@link
     * TuckerUpdate#refresh}); call once per optimizer step before the first forward.
     */
    public void refreshTucker() {
        float[][] c = new float[cores][];
        for (int t = 0; t < cores; t++) {
            c[t] = tuckerCores[t].data;
        }
        TuckerUpdate.refresh(tuckerU, tuckerV, c, heads, rank);
    }

    /** Every trainable parameter of this layer in a fixed order (checkpoint order). */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(queryProj);
        ps.add(queryNorm);
        ps.add(keys);
        ps.add(keysNorm);
        ps.addAll(Arrays.asList(tuckerCores));
        ps.add(valuesProj);
        if (preValuesProj != null) {
            ps.add(preValuesProj);
        }
        return ps;
    }

    /** The parameter with this golden name, e.g. {@code "tucker_core.1"}. */
    public Parameter parameter(String name) {
        for (Parameter p : parameters()) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("UltraMemV2 layer has no parameter `" + name
                + "`; it has " + parameters());
    }

    /** The shared value holder this layer reads. */
    public UltraMemV2Values values() {
        return holder;
    }

    /** Live buffer u [H·2] (checkpointed). */
    public float[] tuckerU() {
        return tuckerU;
    }

    /** Live buffer v [H·2] (checkpointed). */
    public float[] tuckerV() {
        return tuckerV;
    }

    /** Live permutation π [E'·N] (checkpointed); replace it with {@link #setShuffleIndex}. */
    public int[] shuffleIndex() {
        return lookup.shuffle();
    }

    /** Loads π after checking it is a permutation of [0, E'·N). */
    public void setShuffleIndex(int[] pi) {
        lookup.setShuffle(pi);
    }

    public UltraMemV2Config config() {
        return cfg;
    }

    public UltraMemV2Geometry geometry() {
        return geo;
    }

    public int layerId() {
        return layerId;
    }

    public int hiddenSize() {
        return dModel;
    }

    public int maxTokens() {
        return maxTokens;
    }

    /** L_bal of the last forward (row + column, spec §4); NaN when β = 0. */
    public double balanceLoss() {
        return balanceLoss;
    }

    /** Grid cell z = row·n + col of slot h·k + j of token b in the last forward (before π). */
    public int selectedGridIndex(int b, int slot) {
        return slotZ[b * slots + slot];
    }

    /** Virtual index π[z] of slot {@code slot} of token b in the last forward. */
    public int selectedVirtualIndex(int b, int slot) {
        return slotVirtual[b * slots + slot];
    }

    /** Virtual block π[z] div N of the slot. */
    public int selectedGroup(int b, int slot) {
        return slotGroup[b * slots + slot];
    }

    /** Shared-table row ((π[z] mod N) + off_ℓ) mod N_all of the slot. */
    public int selectedRow(int b, int slot) {
        return slotRow[b * slots + slot];
    }

    /** Tucker weight of core t for the slot, before the pre-value gate. */
    public float selectedCoreScore(int b, int slot, int t) {
        return tuckerW[(b * slots + slot) * cores + t];
    }

    /** Key index of candidate a of (token b, head h, side) in the last forward, by coarse score. */
    int candidate(int b, int h, int side, int a) {
        return cand[candOff(b, h, side) + a];
    }

    /** Pre-score ⟨p[b], Pre[row]⟩ of the slot, before GELU (0 without pre-values). */
    public float preScore(int b, int slot) {
        return preDim > 0 ? preScore[b * slots + slot] : 0f;
    }
}
