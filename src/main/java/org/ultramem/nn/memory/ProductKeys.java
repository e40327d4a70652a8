package org.ultramem.nn.memory;

import java.util.Arrays;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The product keys of one UltraMem layer (spec §A.2-§A.3): the raw keys {@code keys}
 * [H, 2, n, D_k, r] transposed to rank rows K [H][2][n][r][D_k], RMS-normalized into K̂ (with
 * qk_norm), and folded with the Tucker vectors into K_fold [2][H][n][D_k] (side 0 with u, side 1
 * with v) for the coarse scores. Prepared once per forward by {@link #prepare}.
 *
 * <p>Backward ({@link #backward}) visits only the keys that some token kept as a candidate:
 * dK̂[key, p] = Σ over the (token, head, side) entries that kept it, in token order, of
 * dExact[entry, p] · q̂[token, side]; then the key RMS-norm backward on those rows only,
 * transposed back and added into {@code keys.grad}.
 */
public final class ProductKeys {

    private final UltraMemConfig cfg;
    private final Kernels kern;
    private final Parameter keys;
    private final Parameter keysNorm;
    private final int dk;
    private final int n;
    private final int heads;
    private final int rank;
    private final int m;
    private final int querySlots;

    private final float[] keysT;
    private final float[] kHat;
    private final float[] kRstd;
    private final float[] kFold;

    // Backward scratch: keys grouped by candidate entries.
    private final int[] keyStart;
    private final int[] keyEntries;
    private final int[] touchedKeys;
    private final float[] dKeyRows;
    private final float[] keyRows;
    private final float[] keyRowRstd;
    private final float[] dKeyIn;

    /** keysNorm may be null (no qk_norm); maxEntries = maxTokens·H·2·m candidate entries. */
    ProductKeys(UltraMemConfig cfg, Kernels kern, Parameter keys, Parameter keysNorm,
                int maxEntries) {
        this.cfg = cfg;
        this.kern = kern;
        this.keys = keys;
        this.keysNorm = keysNorm;
        this.dk = cfg.keyDim();
        this.n = cfg.keysPerSide();
        this.heads = cfg.heads();
        this.rank = cfg.tuckerRank();
        this.m = cfg.candidates();
        this.querySlots = cfg.querySlots();
        int keyFloats = heads * 2 * n * rank * dk;
        keysT = new float[keyFloats];
        kHat = new float[keyFloats];
        kRstd = new float[heads * 2 * n * rank];
        kFold = new float[2 * heads * n * dk];
        boolean training = maxEntries > 0; // decode-only instances need no backward scratch
        keyStart = training ? new int[heads * 2 * n + 1] : null;
        keyEntries = training ? new int[maxEntries] : null;
        touchedKeys = training ? new int[heads * 2 * n] : null;
        dKeyRows = training ? new float[keyFloats] : null;
        keyRows = training ? new float[keyFloats] : null;
        keyRowRstd = training ? new float[kRstd.length] : null;
        dKeyIn = training ? new float[keyFloats] : null;
    }

    /**
     * K̂ and K_fold of a layer from its stored tensors ({@code keys} [H, 2, n, D_k, r];
     * {@code keys_norm.weight} [D_k], null without qk_norm; u, v [H·r], null without tdqkr) by
     * the training layer's own {@link #prepare}: how the decode engine builds its keys at load.
     */
    public static CandidateRetrieval.Keys prepared(UltraMemConfig cfg, Kernels kern, float[] keys,
                                                   float[] keysNorm, float[] u, float[] v) {
        Parameter k = new Parameter("keys", new int[] {cfg.heads(), 2, cfg.keysPerSide(),
                cfg.keyDim(), cfg.tuckerRank()}, Parameter.Group.DECAY);
        System.arraycopy(keys, 0, k.data, 0, k.data.length);
        Parameter g = null;
        if (keysNorm != null) {
            g = new Parameter("keys_norm.weight", new int[] {cfg.keyDim()},
                    Parameter.Group.NO_DECAY);
            System.arraycopy(keysNorm, 0, g.data, 0, g.data.length);
        }
        ProductKeys prepared = new ProductKeys(cfg, kern, k, g, 0);
        prepared.prepare(u, v);
        return new CandidateRetrieval.Keys(prepared.kHat, prepared.kFold);
    }

    /** Normalized rank rows K̂ [H][2][n][r][D_k] of the last {@link #prepare}. */
    float[] normalized() {
        return kHat;
    }

    /** Folded keys K_fold [2][H][n][D_k] of the last {@link #prepare}. */
    float[] folded() {
        return kFold;
    }

    /** Transposes raw keys to [H][2][n][r][D_k], normalizes them and folds u/v in. */
    void prepare(float[] tuckerU, float[] tuckerV) {
        int rows = heads * 2 * n;
        Parallel.forRange(rows, 64, (start, end) -> {
            for (int key = start; key < end; key++) {
                int src = key * dk * rank;
                for (int p = 0; p < rank; p++) {
                    int dst = (key * rank + p) * dk;
                    for (int d = 0; d < dk; d++) {
                        keysT[dst + d] = keys.data[src + d * rank + p];
                    }
                }
            }
        });
        if (keysNorm != null) {
            kern.rmsNormForward(kHat, kRstd, keysT, keysNorm.data, rows * rank, dk, cfg.rmsEps());
        } else {
            System.arraycopy(keysT, 0, kHat, 0, keysT.length);
        }
        Parallel.forRange(rows, 64, (start, end) -> {
            for (int key = start; key < end; key++) {
                int h = key / (2 * n);
                int side = key / n % 2;
                int i = key % n;
                int dst = ((side * heads + h) * n + i) * dk;
                Arrays.fill(kFold, dst, dst + dk, 0f);
                float[] w = side == 0 ? tuckerU : tuckerV;
                for (int p = 0; p < rank; p++) {
                    float wp = cfg.tdqkr() ? w[h * rank + p] : 1f;
                    kern.axpy(kFold, dst, wp, kHat, (key * rank + p) * dk, dk);
                }
            }
        });
    }

    /**
     * Adds the gradient of a loss on the folded keys of every key, dFold [2][H][n][D_k] (the
     * key-balance loss), into {@code keys.grad} and {@code keys_norm.grad}:
     * dK̂[h, side, i, p] = w_p·dFold[side, h, i] with w = u (side 0) or v (side 1) (w = 1
     * without tdqkr), then the key RMS-norm backward on every key. Scratch is shared with
     * {@link #backward}: call it after that.
     */
    void backwardFolded(float[] dFold, float[] tuckerU, float[] tuckerV) {
        int rows = heads * 2 * n;
        Parallel.forRange(rows, 64, (start, end) -> {
            for (int key = start; key < end; key++) {
                int h = key / (2 * n);
                int side = key / n % 2;
                int src = ((side * heads + h) * n + key % n) * dk;
                float[] w = side == 0 ? tuckerU : tuckerV;
                for (int p = 0; p < rank; p++) {
                    float wp = cfg.tdqkr() ? w[h * rank + p] : 1f;
                    int dst = (key * rank + p) * dk;
                    for (int d = 0; d < dk; d++) {
                        dKeyRows[dst + d] = wp * dFold[src + d];
                    }
                }
            }
        });
        float[] dIn = dKeyRows;
        if (keysNorm != null) {
            Arrays.fill(dKeyIn, 0f);
            kern.rmsNormBackward(dKeyIn, keysNorm.grad, dKeyRows, keysT, keysNorm.data, kRstd,
                    rows * rank, dk);
            dIn = dKeyIn;
        }
        float[] src = dIn;
        Parallel.forRange(rows, 64, (start, end) -> {
            for (int key = start; key < end; key++) {
                int dst = key * dk * rank;
                for (int p = 0; p < rank; p++) {
                    for (int d = 0; d < dk; d++) {
                        keys.grad[dst + d * rank + p] += src[(key * rank + p) * dk + d];
                    }
                }
            }
        });
    }

    /**
     * dK̂ for every key in some candidate set (token order), then the key RMS-norm backward on
     * those keys only, transposed back into {@code keys.grad} [H, 2, n, D_k, r]. cand: [B][H][2][m]
     * key indices, dExact: [B][H][2][m][r], qHat: [B, Q·2·D_k].
     */
    void backward(int[] cand, float[] dExact, float[] qHat, int tokens) {
        int nKeys = heads * 2 * n;
        Arrays.fill(keyStart, 0);
        int entries = tokens * heads * 2 * m;
        for (int e = 0; e < entries; e++) {
            int hs = e / m % (heads * 2);
            keyStart[hs * n + cand[e] + 1]++;
        }
        int touched = 0;
        for (int key = 0; key < nKeys; key++) {
            if (keyStart[key + 1] > 0) {
                touchedKeys[touched++] = key;
            }
            keyStart[key + 1] += keyStart[key];
        }
        int[] fill = Arrays.copyOf(keyStart, nKeys);
        for (int e = 0; e < entries; e++) {
            int hs = e / m % (heads * 2);
            keyEntries[fill[hs * n + cand[e]]++] = e;
        }
        int qWidth = querySlots * 2 * dk;
        int rowLen = rank * dk;
        int nTouched = touched;
        Parallel.forRange(nTouched, 16, (start, end) -> {
            for (int t = start; t < end; t++) {
                int key = touchedKeys[t];
                int h = key / (2 * n);
                int side = key / n % 2;
                Arrays.fill(dKeyRows, t * rowLen, (t + 1) * rowLen, 0f);
                for (int i = keyStart[key]; i < keyStart[key + 1]; i++) {
                    int e = keyEntries[i];
                    int b = e / (heads * 2 * m);
                    int qOff = b * qWidth + (h % querySlots * 2 + side) * dk;
                    for (int p = 0; p < rank; p++) {
                        float g = dExact[e * rank + p];
                        if (g != 0) {
                            kern.axpy(dKeyRows, (t * rank + p) * dk, g, qHat, qOff, dk);
                        }
                    }
                }
                System.arraycopy(keysT, key * rowLen, keyRows, t * rowLen, rowLen);
                System.arraycopy(kRstd, key * rank, keyRowRstd, t * rank, rank);
            }
        });
        float[] dIn = dKeyRows;
        if (keysNorm != null) {
            Arrays.fill(dKeyIn, 0, nTouched * rowLen, 0f);
            kern.rmsNormBackward(dKeyIn, keysNorm.grad, dKeyRows, keyRows, keysNorm.data, keyRowRstd,
                    nTouched * rank, dk);
            dIn = dKeyIn;
        }
        float[] src = dIn;
        Parallel.forRange(nTouched, 16, (start, end) -> {
            for (int t = start; t < end; t++) {
                int dst = touchedKeys[t] * dk * rank;
                for (int p = 0; p < rank; p++) {
                    for (int d = 0; d < dk; d++) {
                        keys.grad[dst + d * rank + p] += src[(t * rank + p) * dk + d];
                    }
                }
            }
        });
    }
}
