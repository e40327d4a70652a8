package org.ultramem.nn.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.ParameterReset;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * One UltraMem (V1) memory layer: query projection, RMS-normalized product keys, Tucker-decomposed
 * retrieval with multi-core scoring, implicit value expansion and the output projection
 * (spec §A, §B). Tokens are flattened: x, y are [B, D].
 *
 * <p>Parameters (golden names): {@code query_proj.weight} [Q·2·D_k, D], {@code query_norm.weight}
 * and {@code keys_norm.weight} [D_k] (with qk_norm), {@code keys} [H, 2, n, D_k, r],
 * {@code tucker_core.<t>} [H, r, r] (with tdqkr), {@code values} [N, D_v] (group VALUES,
 * row-sparse), {@code values_proj.weight} [D, E·D_v] (with output_projection). Buffers: u, v
 * [H·r] and π [E·N]. Q = 1 when heads share the query, else H (head h uses slot h).
 *
 * <p>Exact reformulations (spec §A.6): the coarse top-m uses keys folded with u (row side) / v
 * (column side), one GEMM q̂·K_foldᵀ per side; exact rank components are computed only for the m
 * candidates. Top-k ties: higher score, then lower index (rows/columns by key index, the final
 * top-k by flat grid index a·m + c). Work is split over tokens; reductions across tokens (cores,
 * keys, values) run in token order, so results do not depend on the thread count.
 *
 * <p>Retrieval-collapse remedies ({@link RetrievalRemedies}, all off by default, and then not a
 * single operation differs): query BatchNorm between the query projection and its RMSNorm
 * ({@code query_bn.weight}/{@code .bias} [Q·2·D_k], buffers {@code query_bn.running_mean}/
 * {@code running_var}); the key-balance loss ({@link KeyBalanceLoss}, gradient scaled by
 * {@link #setAuxGradScale}); the output gate ({@link OutputGate}, {@code output_scale} [D] or
 * {@code output_gate.weight} [D, D]); the dead sub-key restart ({@link DeadKeyRestart}, run by
 * {@link #afterStep}). {@link #setTraining} picks batch or running BatchNorm statistics; the
 * balance loss and the restart's usage counts come from training forwards only.
 *
 * <p>Contract: {@link #refreshTucker()} once per optimizer step before the first forward (the
 * constructor runs it once); {@link #backward} follows the {@link #forward} whose state it uses
 * and adds (+=) into parameter gradients and dx.
 */
public final class UltraMemLayer {

    /**
     * Tokens per coarse-score chunk: the chunk's scores stay in L2 until its top-m reads them
     * (top-m 1.5 → 0.5 µs per 512-score row against scores streamed from memory, 2026-11; the
     * two cases are {@code ultramem bench kernels --case topk}, rows in cache and streamed).
     */
    private static final int COARSE_CHUNK = 64;

    private final UltraMemConfig cfg;
    private final Kernels kern;
    private final CandidateRetrieval candidates;
    private final TuckerRetrieval retrieval;
    private final ImplicitValueExpansion ive;
    private final UltraMemDiagnostics diagnostics;
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
    private final int poolWidth;
    private final int maxTokens;

    private final Parameter queryProj;
    private final Parameter queryNorm;
    private final Parameter keysNorm;
    private final Parameter keys;
    private final ProductKeys productKeys;
    private final Parameter[] tuckerCores;
    private final Parameter values;
    private final Parameter valuesProj;
    private final float[] tuckerU;
    private final float[] tuckerV;

    // Retrieval-collapse remedies (null when off).
    private final QueryBatchNorm queryBn;
    private final OutputGate gate;
    private final KeyBalanceLoss balance;
    private final DeadKeyRestart restart;
    private boolean training = true;
    private float auxGradScale = 1f;

    // Forward state (Saved): sized for maxTokens.
    private int tokens = -1;
    private boolean savedTraining;
    private final float[] x;
    private final float[] q;
    /** Query BatchNorm output, the query RMSNorm's input: [B, Q·2·D_k] (BatchNorm on). */
    private final float[] qBn;
    private final float[] qHat;
    private final float[] qRstd;
    private final float[] coreSum;
    private final float[][] coreData;
    private final float[] coarse;
    private final int[] cand;
    private final float[] exact;
    private final int[] sel;
    private final float[] selScore;
    private final int[] slotZ;
    private final int[] slotRow;
    private final int[] slotGroup;
    private final float[] slotW;
    private final float[] pooled;

    // Backward scratch.
    private final float[] dPooled;
    private final int[] slotOrder;
    private final int[] rowStart;
    private final float[] dSlotW;
    private final float[] dExact;
    private final float[] dqHat;
    private final float[] dq;
    private final float[] dCoreTok;
    /** ∂L/∂o before the output gate [B, D] (gate on). */
    private final float[] dGated;
    /** Key-balance gradient on the folded keys [2][H][n][D_k] (balance loss on). */
    private final float[] dFold;

    public UltraMemLayer(UltraMemConfig cfg, int hiddenSize, int maxTokens, long seed) {
        this(cfg, hiddenSize, maxTokens, seed, KernelProvider.get());
    }

    public UltraMemLayer(UltraMemConfig cfg, int hiddenSize, int maxTokens, long seed, Kernels kernels) {
        if (hiddenSize <= 0 || maxTokens <= 0) {
            throw new IllegalArgumentException("UltraMemLayer needs hiddenSize (" + hiddenSize
                    + ") and maxTokens (" + maxTokens + ") > 0");
        }
        if (!cfg.outputProjection() && cfg.valueDim() != hiddenSize) {
            throw new IllegalArgumentException("config key `mem_vdim` (" + cfg.valueDim() + ") must "
                    + "equal hidden_size (" + hiddenSize + ") when output_projection is false; set "
                    + "mem_vdim to the hidden size or turn the projection on");
        }
        this.cfg = cfg;
        this.kern = kernels;
        this.candidates = new CandidateRetrieval(cfg, kernels);
        this.retrieval = candidates.grid();
        this.ive = new ImplicitValueExpansion(cfg, seed ^ 0x5DEECE66DL, kernels);
        this.dModel = hiddenSize;
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
        this.poolWidth = cfg.valueExpand() * dv;
        this.maxTokens = maxTokens;
        int nValues = cfg.valueNum();

        queryProj = new Parameter("query_proj.weight", new int[] {querySlots * 2 * dk, dModel},
                Parameter.Group.DECAY);
        queryNorm = cfg.qkNorm() ? new Parameter("query_norm.weight", new int[] {dk},
                Parameter.Group.NO_DECAY) : null;
        keysNorm = cfg.qkNorm() ? new Parameter("keys_norm.weight", new int[] {dk},
                Parameter.Group.NO_DECAY) : null;
        keys = new Parameter("keys", new int[] {heads, 2, n, dk, rank}, Parameter.Group.DECAY);
        tuckerCores = new Parameter[cfg.tdqkr() ? cores : 0];
        for (int t = 0; t < tuckerCores.length; t++) {
            tuckerCores[t] = new Parameter("tucker_core." + t, new int[] {heads, rank, rank},
                    Parameter.Group.DECAY);
        }
        values = new Parameter("values", new int[] {nValues, dv}, Parameter.Group.VALUES, true);
        valuesProj = cfg.outputProjection() ? new Parameter("values_proj.weight",
                new int[] {dModel, poolWidth}, Parameter.Group.DECAY) : null;
        RetrievalRemedies rem = cfg.remedies();
        queryBn = rem.queryBatchNorm() ? new QueryBatchNorm("query_bn", querySlots * 2 * dk,
                RetrievalRemedies.QUERY_BATCHNORM) : null;
        gate = RetrievalRemedies.GATE_NONE.equals(rem.outputGate()) ? null
                : new OutputGate(kernels, rem.outputGate(), dModel, maxTokens);
        balance = rem.keyBalanceCoef() > 0 ? new KeyBalanceLoss(cfg, maxTokens, COARSE_CHUNK)
                : null;
        restart = rem.deadKeyRestartSteps() > 0 ? new DeadKeyRestart(cfg) : null;
        tuckerU = new float[heads * rank];
        tuckerV = new float[heads * rank];
        diagnostics = new UltraMemDiagnostics(nValues, heads * 2 * n);

        int qWidth = querySlots * 2 * dk;
        x = new float[maxTokens * dModel];
        q = new float[maxTokens * qWidth];
        qBn = queryBn != null ? new float[maxTokens * qWidth] : null;
        qHat = new float[maxTokens * qWidth];
        qRstd = new float[maxTokens * querySlots * 2];
        coreSum = new float[heads * rank * rank];
        coreData = new float[cores][];
        coarse = new float[2 * maxTokens * heads * n];
        cand = new int[maxTokens * heads * 2 * m];
        exact = new float[maxTokens * heads * 2 * m * rank];
        sel = new int[maxTokens * slots];
        selScore = new float[maxTokens * slots];
        slotZ = new int[maxTokens * slots];
        slotRow = new int[maxTokens * slots];
        slotGroup = new int[maxTokens * slots];
        slotW = new float[maxTokens * slots * cores];
        pooled = new float[maxTokens * poolWidth];
        dPooled = new float[maxTokens * poolWidth];
        slotOrder = new int[maxTokens * slots];
        rowStart = new int[nValues + 1];
        dSlotW = new float[maxTokens * slots * cores];
        dExact = new float[exact.length];
        dqHat = new float[maxTokens * qWidth];
        dq = new float[maxTokens * qWidth];
        dCoreTok = new float[maxTokens * heads * cores * rank * rank];
        dGated = gate != null ? new float[maxTokens * dModel] : null;
        dFold = balance != null ? new float[2 * heads * n * dk] : null;
        productKeys = new ProductKeys(cfg, kernels, keys, keysNorm, cand.length);

        UltraMemInit.initialize(this, cfg, seed);
        refreshTucker();
        if ("paper".equals(cfg.init())) {
            UltraMemInit.calibrateScores(this, cfg, seed);
        }
    }

    // ----------------------------------------------------------------------------------------
    // Forward / backward

    /**
     * Forward. x: [B, D] → y: [B, D] (overwritten), B = tokens ≤ maxTokens. Keeps x and the
     * selection for {@link #backward}.
     */
    public void forward(float[] y, float[] xIn, int tokens) {
        checkTokens(tokens);
        this.tokens = -1;   // a forward that fails half-way leaves nothing for backward
        int qWidth = querySlots * 2 * dk;
        System.arraycopy(xIn, 0, x, 0, tokens * dModel);

        // 1-2. Query projection, (query BatchNorm over the batch; q then holds x̂ for backward),
        //      per-half RMS normalization.
        kern.matmul(false, true, tokens, qWidth, dModel, x, 0, dModel, queryProj.data, 0, dModel,
                q, 0, qWidth, false);
        float[] normIn = q;
        if (queryBn != null) {
            queryBn.forward(qBn, q, tokens, training);
            normIn = qBn;
        }
        if (queryNorm != null) {
            kern.rmsNormForward(qHat, qRstd, normIn, queryNorm.data, tokens * querySlots * 2, dk,
                    cfg.rmsEps());
        } else {
            System.arraycopy(normIn, 0, qHat, 0, tokens * qWidth);
        }
        // 3. Normalized keys, folded keys and summed cores (once per forward).
        prepareKeys();
        // 4-11. Per chunk of COARSE_CHUNK tokens: coarse scores q̂·K_foldᵀ (one GEMM per side, or
        //       per side and head without query sharing) into this chunk's own slice of
        //       `coarse`, then per token: top-m per side, exact candidate scores, grid, final
        //       top-k, addresses and pooling. The chunk's scores are read back while still in L2
        //       (64 tokens × 2 sides × H·n floats ≤ 512 KiB on preset B), and each thread runs
        //       one barrier-free pass; chunk bounds are fixed, so results do not depend on the
        //       thread count.
        int ldc = heads * n;
        int chunks = (tokens + COARSE_CHUNK - 1) / COARSE_CHUNK;
        Parallel.forRange(chunks, 1, (c0, c1) -> {
            float[] scratch = retrieval.newScratch();
            float[] topScratch = new float[m];
            int[] poolScratch = new int[slots + cfg.valueExpand() + 1];
            for (int c = c0; c < c1; c++) {
                int b0 = c * COARSE_CHUNK;
                int rows = Math.min(tokens, b0 + COARSE_CHUNK) - b0;
                int base = 2 * b0 * ldc;
                coarseScores(b0, rows, base);
                for (int b = b0; b < b0 + rows; b++) {
                    for (int h = 0; h < heads; h++) {
                        for (int side = 0; side < 2; side++) {
                            kern.topK(coarse, base + (side * rows + b - b0) * ldc + h * n, n, m,
                                    cand, candOff(b, h, side), topScratch, 0);
                        }
                    }
                    candidates.retrieve(b, qHat, productKeys.normalized(), cand, exact, sel,
                            selScore, slotW, slotZ, coreSum, coreData, scratch);
                }
                // Addresses for the whole chunk in one tight loop: the random loads of π are
                // independent and overlap. Then pooling.
                ive.resolve(slotRow, slotGroup, slotZ, b0 * slots, (b0 + rows) * slots);
                for (int b = b0; b < b0 + rows; b++) {
                    ive.pool(pooled, b * poolWidth, values.data, slotRow, slotGroup, slotW,
                            b * slots, slots, poolScratch);
                }
            }
        });
        // 12. Per-block output projection.
        if (valuesProj != null) {
            kern.matmul(false, true, tokens, dModel, poolWidth, pooled, 0, poolWidth,
                    valuesProj.data, 0, poolWidth, y, 0, dModel, false);
        } else {
            System.arraycopy(pooled, 0, y, 0, tokens * dModel);
        }
        // 13. Output gate; then what only training forwards do: the key-balance loss (coarse
        //     scores become their softmax) and the restart's usage counts.
        if (gate != null) {
            gate.forward(y, x, tokens);
        }
        if (training && balance != null) {
            diagnostics.addBalanceLoss(balance.forward(kern, coarse, cand, tokens));
        }
        if (training && restart != null) {
            restart.count(cand, tokens);
        }
        this.tokens = tokens;
        this.savedTraining = training;
        recordDiagnostics(y, tokens);
    }

    /**
     * Backward. dy: [B, D]; adds into dx [B, D] and every parameter gradient (values: only the
     * touched rows, each marked with {@link Parameter#touchRow}). Spec §B.2.
     */
    public void backward(float[] dx, float[] dy, int tokens) {
        if (tokens != this.tokens) {
            throw new IllegalStateException("backward(tokens = " + tokens + ") must follow a forward "
                    + "with the same tokens (last forward: " + this.tokens + ")");
        }
        // 0. Output gate: dy → ∂L/∂o (and the gate's own gradients).
        float[] dOut = dy;
        if (gate != null) {
            gate.backward(dGated, dx, dy, x, tokens);
            dOut = dGated;
        }
        // 1. Output projection: dW_o += dOutᵀ·P, dP = dOut·W_o.
        if (valuesProj != null) {
            kern.matmul(true, false, dModel, poolWidth, tokens, dOut, 0, dModel, pooled, 0,
                    poolWidth, valuesProj.grad, 0, poolWidth, true);
            kern.matmul(false, false, tokens, poolWidth, dModel, dOut, 0, dModel, valuesProj.data,
                    0, poolWidth, dPooled, 0, poolWidth, false);
        } else {
            System.arraycopy(dOut, 0, dPooled, 0, tokens * dModel);
        }
        // 2. Slot weights dw and value rows dV in one pass over the slots sorted by row, split
        //    by row range (race-free, token order within a row); then mark the touched rows.
        //    Row order made this phase several times cheaper on preset B (random → nearly
        //    sequential; the random order is not kept, `ultramem bench layer` times the layer).
        ive.sortSlotsByRow(slotOrder, rowStart, slotRow, tokens * slots);
        Parallel.forRange(values.shape[0], 1, (rs, re) -> ive.backward(dSlotW, values.grad,
                dPooled, values.data, slotW, slotRow, slotGroup, slotOrder, rowStart, slots, rs, re));
        for (int i = 0; i < tokens * slots; i++) {
            values.touchRow(slotRow[slotOrder[i]]);
        }
        // 3-6 (per token): grid, exact scores → dq̂ and per-token core gradients.
        Parallel.forRange(tokens, 8, (start, end) -> {
            for (int b = start; b < end; b++) {
                tokenBackward(b);
            }
        });
        // 4. Cores: reduce the per-token contributions in token order.
        int coreBlock = rank * rank;
        for (int b = 0; b < tokens; b++) {
            for (int h = 0; h < heads; h++) {
                for (int t = 0; t < tuckerCores.length; t++) {
                    int src = ((b * heads + h) * cores + t) * coreBlock;
                    float[] grad = tuckerCores[t].grad;
                    for (int i = 0; i < coreBlock; i++) {
                        grad[h * coreBlock + i] += dCoreTok[src + i];
                    }
                }
            }
        }
        // 6-7. Keys touched by some candidate set, then their RMS-norm backward; the key-balance
        //      loss reaches every key (and the queries) through the coarse scores.
        boolean balanced = balance != null && savedTraining;
        if (balanced) {
            Arrays.fill(dFold, 0f);
            balance.backward(kern, dqHat, dFold, coarse, productKeys.folded(), qHat, querySlots,
                    dk, tokens, cfg.remedies().keyBalanceCoef() * auxGradScale);
        }
        productKeys.backward(cand, dExact, qHat, tokens);
        if (balanced) {
            productKeys.backwardFolded(dFold, tuckerU, tuckerV);
        }
        // 7. Query RMS-norm backward, (query BatchNorm backward), dW_q += dqᵀ·x, dx += dq·W_q.
        int qWidth = querySlots * 2 * dk;
        float[] dqIn = dqHat;
        if (queryNorm != null) {
            Arrays.fill(dq, 0, tokens * qWidth, 0f);
            kern.rmsNormBackward(dq, queryNorm.grad, dqHat, queryBn != null ? qBn : q,
                    queryNorm.data, qRstd, tokens * querySlots * 2, dk);
            dqIn = dq;
        }
        if (queryBn != null) {
            queryBn.backwardInPlace(dqIn, q, tokens, savedTraining);
        }
        kern.matmul(true, false, qWidth, dModel, tokens, dqIn, 0, qWidth, x, 0, dModel,
                queryProj.grad, 0, dModel, true);
        kern.matmul(false, false, tokens, dModel, qWidth, dqIn, 0, qWidth, queryProj.data, 0, dModel,
                dx, 0, dModel, true);
    }

    // ----------------------------------------------------------------------------------------
    // Forward pieces

    /** Normalized and folded keys ({@link ProductKeys#prepare}) and the summed cores. */
    private void prepareKeys() {
        productKeys.prepare(tuckerU, tuckerV);
        Arrays.fill(coreSum, 0f);
        for (int t = 0; t < tuckerCores.length; t++) {
            coreData[t] = tuckerCores[t].data;
            kern.axpy(coreSum, 0, 1f, tuckerCores[t].data, 0, coreSum.length);
        }
    }

    /**
     * Coarse scores of tokens [b0, b0 + rows) into coarse[base ..] as [side][rows][H·n]: one
     * GEMM q̂·K_foldᵀ per side (per side and head without query sharing); runs on the calling
     * thread when called from a parallel task.
     */
    private void coarseScores(int b0, int rows, int base) {
        int qWidth = querySlots * 2 * dk;
        int ldc = heads * n;
        for (int side = 0; side < 2; side++) {
            for (int h = 0; h < heads; h += (querySlots == 1 ? heads : 1)) {
                int cols = querySlots == 1 ? heads * n : n;
                kern.matmul(false, true, rows, cols, dk, qHat,
                        b0 * qWidth + (h % querySlots * 2 + side) * dk, qWidth, productKeys.folded(),
                        (side * heads + h) * n * dk, dk, coarse, base + side * rows * ldc + h * n,
                        ldc, false);
            }
        }
    }

    private int candOff(int b, int h, int side) {
        return candidates.candOff(b, h, side);
    }

    private void recordDiagnostics(float[] y, int tokens) {
        for (int s = 0; s < tokens * slots; s++) {
            diagnostics.countRow(slotRow[s]);
        }
        for (int b = 0; b < tokens; b++) {
            for (int h = 0; h < heads; h++) {
                for (int side = 0; side < 2; side++) {
                    int co = candOff(b, h, side);
                    for (int a = 0; a < m; a++) {
                        diagnostics.countKey((h * 2 + side) * n + cand[co + a]);
                    }
                }
                diagnostics.addScores(selScore, b * slots + h * kFinal, kFinal);
            }
        }
        diagnostics.addOutput(y, tokens * dModel);
    }

    // ----------------------------------------------------------------------------------------
    // Backward pieces

    /** Per-token backward: grid backward into dExact and dCore, then dq̂ for token b. */
    private void tokenBackward(int b) {
        float[] kHatRows = productKeys.normalized();
        int exOff = candOff(b, 0, 0) * rank;
        int exLen = heads * 2 * m * rank;
        Arrays.fill(dExact, exOff, exOff + exLen, 0f);
        int dcLen = heads * cores * rank * rank;
        Arrays.fill(dCoreTok, b * dcLen, (b + 1) * dcLen, 0f);
        for (int h = 0; h < heads; h++) {
            int selOff = b * slots + h * kFinal;
            retrieval.backward(dExact, dCoreTok, (b * heads + h) * cores * rank * rank, dSlotW,
                    slotW, selOff * cores, sel, selOff, exact, candOff(b, h, 0) * rank,
                    candOff(b, h, 1) * rank, coreData, h * rank * rank);
        }
        int qWidth = querySlots * 2 * dk;
        Arrays.fill(dqHat, b * qWidth, (b + 1) * qWidth, 0f);
        for (int h = 0; h < heads; h++) {
            for (int side = 0; side < 2; side++) {
                int qOff = b * qWidth + (h % querySlots * 2 + side) * dk;
                int co = candOff(b, h, side);
                for (int a = 0; a < m; a++) {
                    int keyRow = ((h * 2 + side) * n + cand[co + a]) * rank;
                    for (int p = 0; p < rank; p++) {
                        float g = dExact[(co + a) * rank + p];
                        if (g != 0) {
                            kern.axpy(dqHat, qOff, g, kHatRows, (keyRow + p) * dk, dk);
                        }
                    }
                }
            }
        }
    }

    private void checkTokens(int tokens) {
        if (tokens < 1 || tokens > maxTokens) {
            throw new IllegalArgumentException("tokens (" + tokens + ") must be in [1, maxTokens = "
                    + maxTokens + "]; build the layer with a larger maxTokens");
        }
    }

    // ----------------------------------------------------------------------------------------
    // Tucker buffers, parameters, accessors

    /** The online u/v update from the current cores (spec §A.4); call once per optimizer step. */
    public void refreshTucker() {
        if (!cfg.tdqkr()) {
            return;
        }
        TuckerUpdate.refresh(tuckerU, tuckerV, coreArrays(), heads, rank);
    }

    /**
     * Tucker aux loss α·mean_{h,i≥2} relu(λ_i − τ)² on the summed cores (spec §D.4); adds
     * {@code gradScale · ∂L/∂C_t} into the core gradients. Returns 0 when the loss is off.
     */
    public double tuckerAuxLoss(double gradScale) {
        if (cfg.tuckerAuxAlpha() == 0) {
            return 0;
        }
        float[][] grads = new float[tuckerCores.length][];
        for (int t = 0; t < grads.length; t++) {
            grads[t] = tuckerCores[t].grad;
        }
        return TuckerUpdate.auxLoss(coreArrays(), grads, heads, rank, cfg.tuckerAuxAlpha(),
                cfg.tuckerAuxTau(), gradScale);
    }

    /** Singular values of Σ_t C_t per head, descending: [H][r] (empty without tdqkr). */
    public double[][] coreSingularValues() {
        return cfg.tdqkr() ? TuckerUpdate.singularValues(coreArrays(), heads, rank) : new double[0][];
    }

    private float[][] coreArrays() {
        float[][] c = new float[tuckerCores.length][];
        for (int t = 0; t < c.length; t++) {
            c[t] = tuckerCores[t].data;
        }
        return c;
    }

    /** Every trainable parameter in a fixed order (checkpoint order). */
    public List<Parameter> parameters() {
        List<Parameter> ps = retrievalParameters();
        ps.add(values);
        if (valuesProj != null) {
            ps.add(valuesProj);
        }
        if (gate != null) {
            ps.add(gate.weight);
        }
        return ps;
    }

    /**
     * The retrieval parameters ({@code retrieval_lr_mult}, {@code retrieval_warmup_steps}): query
     * projection, query BatchNorm affine, q/k norm weights, keys and Tucker cores, in
     * {@link #parameters()} order.
     */
    public List<Parameter> retrievalParameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(queryProj);
        if (queryBn != null) {
            ps.add(queryBn.weight);
            ps.add(queryBn.bias);
        }
        if (queryNorm != null) {
            ps.add(queryNorm);
            ps.add(keysNorm);
        }
        ps.add(keys);
        ps.addAll(Arrays.asList(tuckerCores));
        return ps;
    }

    /**
     * Training mode (default): query BatchNorm normalizes with batch statistics and moves its
     * running ones, and forwards feed the key-balance loss and the restart counts. Evaluation
     * mode uses the running statistics and leaves all of that alone.
     */
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    /** Scale of the key-balance loss gradient (the model's loss scale, 1/grad_accum). */
    public void setAuxGradScale(float scale) {
        this.auxGradScale = scale;
    }

    /**
     * Work after optimizer step {@code stepsDone} (a count): the dead sub-key restart when a
     * window ends, from the queries of the last training forward, seeded by {@code seed}; the
     * keys' optimizer state is dropped through {@code reset}. Returns the sub-keys restarted.
     */
    public int afterStep(long stepsDone, long seed, ParameterReset reset) {
        if (restart == null || stepsDone % cfg.remedies().deadKeyRestartSteps() != 0) {
            return 0;
        }
        if (tokens < 1 || !savedTraining) {
            throw new IllegalStateException("dead_key_restart_steps: the restart after step "
                    + stepsDone + " needs the queries of a training forward, but the last forward"
                    + " was " + (tokens < 1 ? "none" : "an evaluation"));
        }
        int count = restart.afterStep(stepsDone, seed, keys, qHat, tokens, tuckerU, tuckerV, reset);
        diagnostics.addKeysRestarted(count);
        return count;
    }

    /** Live running mean of the query BatchNorm [Q·2·D_k] (checkpointed), or null when off. */
    public float[] queryBatchNormRunningMean() {
        return queryBn == null ? null : queryBn.runningMean;
    }

    /** Live running variance of the query BatchNorm [Q·2·D_k] (checkpointed), or null when off. */
    public float[] queryBatchNormRunningVar() {
        return queryBn == null ? null : queryBn.runningVar;
    }

    /** Live restart window counts [H, 2, n] (checkpointed), or null when the restart is off. */
    public int[] deadKeyWindowUse() {
        return restart == null ? null : restart.windowUse;
    }

    /** The parameter with this golden name, e.g. {@code "tucker_core.1"}. */
    public Parameter parameter(String name) {
        for (Parameter p : parameters()) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("UltraMem layer has no parameter `" + name + "`; it has "
                + parameters());
    }

    /** Live buffer u [H·r] (checkpointed). */
    public float[] tuckerU() {
        return tuckerU;
    }

    /** Live buffer v [H·r] (checkpointed). */
    public float[] tuckerV() {
        return tuckerV;
    }

    /** Live permutation π [E·N] (checkpointed); replace it with {@link #setShuffleIndex}. */
    public int[] shuffleIndex() {
        return ive.shuffle();
    }

    /** Loads π after checking it is a permutation of [0, E·N). */
    public void setShuffleIndex(int[] pi) {
        ive.setShuffle(pi);
    }

    public UltraMemConfig config() {
        return cfg;
    }

    public int hiddenSize() {
        return dModel;
    }

    public int maxTokens() {
        return maxTokens;
    }

    public UltraMemDiagnostics diagnostics() {
        return diagnostics;
    }

    /** Grid cell z = row·n + col of slot h·k + j of token b in the last forward (before π). */
    public int selectedGridIndex(int b, int slot) {
        return slotZ[b * slots + slot];
    }

    /** Candidate key indices of the last forward, [B][H][2][m] (live; for tests). */
    int[] candidates() {
        return cand;
    }

    /** Weight of core t for slot h·k + j of token b in the last forward. */
    public float selectedWeight(int b, int slot, int t) {
        return slotW[(b * slots + slot) * cores + t];
    }
}
