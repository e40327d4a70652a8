package org.ultramem.nn.memory;

import java.util.Arrays;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.KeyScores;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The rank-2 product keys of one UltraMemV2 layer and every score computed from them (spec §3.3-
 * §3.5, §4, §5.4-§5.5): raw keys {@code keys} [H, 2, n, D_k, r] transposed to rank rows
 * K [H][2][n][r][D_k], RMS-normalised into K̂ with {@code keys_norm.weight}, and folded with the
 * rank-1 Tucker vectors into K_fold [2][H][n][D_k] (row side with u, column side with v).
 *
 * <p>Queries: q̂ [B, 2 slots, 2 sides, D_k]; head h reads slot ⌊h/2⌋ (row query at side 0,
 * column query at side 1), the same vector for both ranks (spec §3.2). Scores:
 * <pre>
 *   coarse  c[side][b][h, i] = ⟨q̂[b, ⌊h/2⌋, side], K_fold[side][h][i]⟩ = Σ_j S[b,h,side,i,j]·w_j
 *   exact   S[b,h,side,α,j]  = ⟨q̂[b, ⌊h/2⌋, side], K̂[h][side][I[α]][j]⟩   (the m candidates)
 * </pre>
 * The exact scores are computed from {@link #kHat()} by {@link CandidateRetrieval#ultraMemV2},
 * the retrieval training and the decode engine share; the engine gets its K̂ and K_fold from
 * {@link #prepared}, this class's own preparation.
 * Backward: candidates give dK̂[key, j] += dS·q̂ and dq̂ += dS·K̂ (keys grouped, token order);
 * the balance loss gives dc for all n keys, carried through the fold: dq̂ += dc·K_fold,
 * dK_fold = dcᵀ·q̂, dK̂[.., j] += w_j·dK_fold; then the key RMS-norm backward and the transpose.
 */
public final class UltraMemV2Keys {

    /** Two query slots × two sides per token: q̂ is [B, 4·D_k]. */
    static final int QUERY_ROWS = 4;

    private final Kernels kern;
    private final Parameter keys;
    private final Parameter keysNorm;
    private final int dk;
    private final int n;
    private final int heads;
    private final int rank;
    private final int m;
    private final float eps;

    private final float[] keysT;
    private final float[] kHat;
    private final float[] kRstd;
    private final float[] kFold;
    /** K_fold per (side, query slot) packed for {@link KeyScores} at {@link #packedOff}. */
    private final float[] kFoldPacked;
    private final int packedLen;
    private final float[] foldU;
    private final float[] foldV;

    // Backward scratch.
    private final int[] keyStart;
    private final int[] keyEntries;
    private final int[] keyFill;
    private final float[] dKHat;
    private final float[] dKeyIn;
    private final float[] dFold;
    /** Tokens of the last {@link #groupEntries}, consumed by {@link #backward} (-1: none). */
    private int groupedTokens = -1;

    /** maxEntries = maxTokens·H·2·m candidate entries. */
    UltraMemV2Keys(UltraMemV2Geometry geo, Kernels kern, Parameter keys, Parameter keysNorm,
                   int maxEntries) {
        UltraMemV2Config cfg = geo.config();
        this.kern = kern;
        this.keys = keys;
        this.keysNorm = keysNorm;
        this.dk = cfg.keyDim();
        this.n = geo.keysPerSide();
        this.heads = cfg.heads();
        this.rank = cfg.tuckerRank();
        this.m = cfg.knn();
        this.eps = cfg.rmsEps();
        int keyFloats = heads * 2 * n * rank * dk;
        keysT = new float[keyFloats];
        kHat = new float[keyFloats];
        kRstd = new float[heads * 2 * n * rank];
        kFold = new float[2 * heads * n * dk];
        packedLen = KeyScores.packedLength(2 * n, dk);
        kFoldPacked = new float[2 * querySlots() * packedLen];
        foldU = new float[heads * rank];
        foldV = new float[heads * rank];
        boolean training = maxEntries > 0; // decode-only instances need no backward scratch
        keyStart = training ? new int[heads * 2 * n + 1] : null;
        keyEntries = training ? new int[maxEntries] : null;
        keyFill = training ? new int[heads * 2 * n] : null;
        dKHat = training ? new float[keyFloats] : null;
        dKeyIn = training ? new float[keyFloats] : null;
        dFold = training ? new float[kFold.length] : null;
    }

    /**
     * K̂ and K_fold of a layer from its stored tensors ({@code keys} [H, 2, n, D_k, 2],
     * {@code keys_norm.weight} [D_k], u and v [H·2]) by the training layer's own {@link #prepare}:
     * how the decode engine builds its keys once at load.
     */
    public static CandidateRetrieval.Keys prepared(UltraMemV2Geometry geo, Kernels kern,
                                                   float[] keys, float[] keysNorm, float[] u,
                                                   float[] v) {
        UltraMemV2Config c = geo.config();
        Parameter k = new Parameter("keys", new int[] {c.heads(), 2, geo.keysPerSide(),
                c.keyDim(), c.tuckerRank()}, Parameter.Group.DECAY);
        Parameter g = new Parameter("keys_norm.weight", new int[] {c.keyDim()},
                Parameter.Group.NO_DECAY);
        System.arraycopy(keys, 0, k.data, 0, k.data.length);
        System.arraycopy(keysNorm, 0, g.data, 0, g.data.length);
        UltraMemV2Keys prepared = new UltraMemV2Keys(geo, kern, k, g, 0);
        prepared.prepare(u, v);
        return new CandidateRetrieval.Keys(prepared.kHat, prepared.kFold);
    }

    /** K̂ [H][2][n][r][D_k] of the last {@link #prepare}. */
    float[] kHat() {
        return kHat;
    }

    /** K_fold [2][H][n][D_k] of the last {@link #prepare}. */
    float[] kFold() {
        return kFold;
    }

    /** Offset of head h's side-{@code side} query in a token's q̂ row of 4·D_k. */
    int queryOffset(int h, int side) {
        return (h / 2 * 2 + side) * dk;
    }

    /** Transposes the raw keys to rank rows, normalises them, folds u (rows) / v (columns) in. */
    void prepare(float[] tuckerU, float[] tuckerV) {
        System.arraycopy(tuckerU, 0, foldU, 0, foldU.length);
        System.arraycopy(tuckerV, 0, foldV, 0, foldV.length);
        int rows = heads * 2 * n;
        Parallel.forRange(rows, 64, (start, end) -> {
            for (int key = start; key < end; key++) {
                int src = key * dk * rank;
                for (int j = 0; j < rank; j++) {
                    int dst = (key * rank + j) * dk;
                    for (int d = 0; d < dk; d++) {
                        keysT[dst + d] = keys.data[src + d * rank + j];
                    }
                }
            }
        });
        kern.rmsNormForward(kHat, kRstd, keysT, keysNorm.data, rows * rank, dk, eps);
        Parallel.forRange(rows, 64, (start, end) -> {
            for (int key = start; key < end; key++) {
                int h = key / (2 * n);
                int side = key / n % 2;
                int dst = ((side * heads + h) * n + key % n) * dk;
                Arrays.fill(kFold, dst, dst + dk, 0f);
                float[] w = side == 0 ? foldU : foldV;
                for (int j = 0; j < rank; j++) {
                    kern.axpy(kFold, dst, w[h * rank + j], kHat, (key * rank + j) * dk, dk);
                }
            }
        });
        packFolded();
    }

    /** Query slots in use: ⌈H/2⌉ (two heads share one). */
    private int querySlots() {
        return (heads + 1) / 2;
    }

    /** Offset of the packed keys of (side, query slot g) in {@link #kFoldPacked}. */
    private int packedOff(int side, int g) {
        return (side * querySlots() + g) * packedLen;
    }

    /** Packs K_fold per side and query slot (a slot's two heads adjacent) for coarse scoring. */
    private void packFolded() {
        for (int side = 0; side < 2; side++) {
            for (int g = 0; g < querySlots(); g++) {
                int h = 2 * g;
                KeyScores.pack(kFoldPacked, packedOff(side, g), kFold,
                        (side * heads + h) * n * dk, Math.min(2, heads - h) * n, dk);
            }
        }
    }

    /** Floats of the per-thread scratch {@link #coarseScores} needs for {@code rows} tokens. */
    static int coarseScratch(int rows) {
        return rows * KeyScores.BLOCK;
    }

    /**
     * Coarse scores of tokens [b0, b0 + rows) into {@code coarse} laid out [side][tokens][H·n]:
     * per side and query slot the keys packed once per {@link #prepare} ({@link KeyScores}; the
     * GEMM re-packed them for every chunk of tokens). The whole key blocks go straight into
     * coarse; the last partial block is scored whole (zero padded) into {@code tail} (at least
     * {@link #coarseScratch}(rows) floats) and its real keys copied, instead of the kernel's
     * scalar loop. Every score is one fused multiply-add chain over D_k from zero, the same bits
     * as the GEMM gave (and as the decode engine, which scores with the same kernel, gets).
     */
    void coarseScores(float[] coarse, float[] qHat, int b0, int rows, int tokens, float[] tail) {
        int qWidth = QUERY_ROWS * dk;
        int ldc = heads * n;
        int block = KeyScores.BLOCK;
        for (int side = 0; side < 2; side++) {
            for (int h = 0; h < heads; h += 2) {
                int keys = Math.min(2, heads - h) * n;
                int whole = keys / block * block;
                int qOff = b0 * qWidth + queryOffset(h, side);
                int pOff = packedOff(side, h / 2);
                int cOff = (side * tokens + b0) * ldc + h * n;
                kern.keyScores(coarse, cOff, ldc, qHat, qOff, qWidth, rows, kFoldPacked, pOff, keys,
                        dk, 0, whole);
                if (whole < keys) {
                    kern.keyScores(tail, 0, block, qHat, qOff, qWidth, rows, kFoldPacked,
                            pOff + whole * dk, block, dk, 0, block);
                    for (int t = 0; t < rows; t++) {
                        System.arraycopy(tail, t * block, coarse, cOff + t * ldc + whole,
                                keys - whole);
                    }
                }
            }
        }
    }

    /**
     * dq̂[b] += Σ over token b's candidates of dS·K̂ (dExact [B][H][2][m][r]): per head and side
     * one axpy chain over the m·r candidate rank rows (zero dS skipped). offs: m·r ints.
     */
    void queryBackwardFromCandidates(float[] dqHat, float[] dExact, int[] cand, int b,
                                     int[] offs) {
        int qRow = b * QUERY_ROWS * dk;
        for (int h = 0; h < heads; h++) {
            for (int side = 0; side < 2; side++) {
                int co = ((b * heads + h) * 2 + side) * m;
                for (int a = 0; a < m; a++) {
                    int keyRow = ((h * 2 + side) * n + cand[co + a]) * rank;
                    for (int j = 0; j < rank; j++) {
                        offs[a * rank + j] = (keyRow + j) * dk;
                    }
                }
                kern.axpyRows(dqHat, qRow + queryOffset(h, side), dExact, co * rank, kHat, offs,
                        m * rank, dk, true);
            }
        }
    }

    /**
     * Balance path through the fold: dq̂ += dc·K_fold and dK_fold = dcᵀ·q̂ per side and head, with
     * dc [side][tokens][H·n] the gradient of the coarse scores.
     */
    void balanceBackward(float[] dqHat, float[] dCoarse, float[] qHat, int tokens) {
        int qWidth = QUERY_ROWS * dk;
        int ld = heads * n;
        for (int side = 0; side < 2; side++) {
            int cOff = side * tokens * ld;
            for (int h = 0; h < heads; h += 2) {
                int slotHeads = Math.min(2, heads - h);
                kern.matmul(false, false, tokens, dk, slotHeads * n, dCoarse, cOff + h * n, ld,
                        kFold, (side * heads + h) * n * dk, dk, dqHat, queryOffset(h, side), qWidth,
                        true);
            }
            for (int h = 0; h < heads; h++) {
                kern.matmul(true, false, n, dk, tokens, dCoarse, cOff + h * n, ld, qHat,
                        queryOffset(h, side), qWidth, dFold, (side * heads + h) * n * dk, dk,
                        false);
            }
        }
    }

    /**
     * Groups the candidate entries (cand [B][H][2][m]) of the last forward by key, in token order
     * (a stable counting sort), for {@link #backward}. It reads only the forward's candidates, so
     * the layer runs it beside other serial work at the start of its backward.
     */
    void groupEntries(int[] cand, int tokens) {
        int nKeys = heads * 2 * n;
        int entries = tokens * heads * 2 * m;
        // Entries run [B][H][2][m]: each run of m shares its key block (h·2 + side)·n, so the two
        // serial passes take one block step per run instead of a division per entry.
        int runs = entries / m;
        int blocks = heads * 2;
        Arrays.fill(keyStart, 0);
        for (int g = 0, e = 0; g < runs; g++) {
            int keyBase = g % blocks * n + 1;
            for (int end = e + m; e < end; e++) {
                keyStart[keyBase + cand[e]]++;
            }
        }
        for (int key = 0; key < nKeys; key++) {
            keyStart[key + 1] += keyStart[key];
        }
        int[] fill = keyFill;
        System.arraycopy(keyStart, 0, fill, 0, nKeys);
        for (int g = 0, e = 0; g < runs; g++) {
            int keyBase = g % blocks * n;
            for (int end = e + m; e < end; e++) {
                keyEntries[fill[keyBase + cand[e]]++] = e;
            }
        }
        groupedTokens = tokens;
    }

    /**
     * Key backward into {@code keys.grad} and {@code keys_norm.weight.grad}: dK̂ from the candidate
     * entries grouped by {@link #groupEntries} (dExact [B][H][2][m][r], token order), plus the
     * fold path of {@link #balanceBackward} when {@code withBalance}; then the RMS-norm backward
     * over every key row and the transpose back to [H, 2, n, D_k, r].
     */
    void backward(float[] dExact, float[] qHat, int tokens, boolean withBalance) {
        if (groupedTokens != tokens) {
            throw new IllegalStateException("key backward over " + tokens + " tokens needs "
                    + "groupEntries over the same tokens first (grouped: " + groupedTokens + ")");
        }
        groupedTokens = -1;
        int nKeys = heads * 2 * n;
        int qWidth = QUERY_ROWS * dk;
        int rowLen = rank * dk;
        Parallel.forRange(nKeys, 16, (start, end) -> {
            // A key is a candidate of a (head, side) at most once per token.
            int[] offs = new int[tokens];
            float[] alphas = new float[tokens];
            for (int key = start; key < end; key++) {
                int h = key / (2 * n);
                int side = key / n % 2;
                Arrays.fill(dKHat, key * rowLen, (key + 1) * rowLen, 0f);
                // Per rank row one axpy chain over the key's entries in token order (zero dS
                // skipped): the order of one axpy per entry and rank.
                int first = keyStart[key];
                int count = keyStart[key + 1] - first;
                for (int i = 0; i < count; i++) {
                    offs[i] = keyEntries[first + i] / (heads * 2 * m) * qWidth
                            + queryOffset(h, side);
                }
                for (int j = 0; j < rank; j++) {
                    for (int i = 0; i < count; i++) {
                        alphas[i] = dExact[keyEntries[first + i] * rank + j];
                    }
                    kern.axpyRows(dKHat, (key * rank + j) * dk, alphas, 0, qHat, offs, count, dk,
                            true);
                }
                if (withBalance) {
                    int foldOff = ((side * heads + h) * n + key % n) * dk;
                    float[] w = side == 0 ? foldU : foldV;
                    for (int j = 0; j < rank; j++) {
                        kern.axpy(dKHat, (key * rank + j) * dk, w[h * rank + j], dFold, foldOff,
                                dk);
                    }
                }
            }
        });
        Arrays.fill(dKeyIn, 0f);
        kern.rmsNormBackward(dKeyIn, keysNorm.grad, dKHat, keysT, keysNorm.data, kRstd,
                nKeys * rank, dk);
        Parallel.forRange(nKeys, 16, (start, end) -> {
            for (int key = start; key < end; key++) {
                int dst = key * dk * rank;
                for (int j = 0; j < rank; j++) {
                    for (int d = 0; d < dk; d++) {
                        keys.grad[dst + d * rank + j] += dKeyIn[(key * rank + j) * dk + d];
                    }
                }
            }
        });
    }
}
