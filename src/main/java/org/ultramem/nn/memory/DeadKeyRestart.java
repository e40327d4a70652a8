package org.ultramem.nn.memory;

import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.ParameterReset;

/**
 * Dead sub-key restart of one UltraMem layer ({@code dead_key_restart_steps} W): the codebook
 * reset of VQ models (Jukebox {@code bottleneck.py} L75-77 replaces codes unused over a window by
 * random current encoder outputs) applied to product keys.
 *
 * <p>Training forwards count how often each sub-key (h, side, i) appears in a top-m candidate set
 * ({@link #windowUse}, a checkpointed buffer, so a resumed run restarts the same keys). After
 * optimizer step t with t mod W = 0, every sub-key with no appearance since the last restart is
 * re-initialised from a normalized query half q̂ [D_k] of the last training forward, chosen at
 * random (tokens drawn without replacement while they last): for rank component p
 * <pre>
 *   K[h, side, i, :, p] = q̂[b, slot(h), side, :] · w_p / ‖w‖²     w = u[h] (rows), v[h] (cols)
 * </pre>
 * so the folded key Σ_p w_p·K[.., p] equals q̂ without qk_norm (without TDQKR r = 1 and w = 1,
 * so K = q̂); with qk_norm each component is re-normalized, and the folded key becomes
 * g_k ⊙ q̂ · Σ_p |w_p| / rms(q̂), pointing at the same query. The key's AdamW moments are
 * forgotten ({@link ParameterReset}), then the counters restart. The draw is seeded by the
 * training seed, the layer index and t: deterministic and resumable.
 */
final class DeadKeyRestart {

    private final int window;
    private final int heads;
    private final int n;
    private final int dk;
    private final int rank;
    private final int m;
    private final int querySlots;
    private final boolean tdqkr;
    /** Candidate-set appearances per sub-key [H][2][n] since the last restart (saturating). */
    final int[] windowUse;

    DeadKeyRestart(UltraMemConfig cfg) {
        this.window = cfg.remedies().deadKeyRestartSteps();
        this.heads = cfg.heads();
        this.n = cfg.keysPerSide();
        this.dk = cfg.keyDim();
        this.rank = cfg.tuckerRank();
        this.m = cfg.candidates();
        this.querySlots = cfg.querySlots();
        this.tdqkr = cfg.tdqkr();
        this.windowUse = new int[heads * 2 * n];
    }

    /** Counts one training forward's candidate sets cand [B][H][2][m]. */
    void count(int[] cand, int tokens) {
        int entries = tokens * heads * 2 * m;
        for (int e = 0; e < entries; e++) {
            int key = (e / m % (heads * 2)) * n + cand[e];
            if (windowUse[key] < Integer.MAX_VALUE) {
                windowUse[key]++;
            }
        }
    }

    /**
     * After optimizer step {@code stepsDone} (a count, 1-based): when it ends a window, restarts
     * the unused sub-keys of {@code keys} [H, 2, n, D_k, r] from qHat [tokens, Q·2·D_k] and
     * returns how many; otherwise returns 0 and changes nothing.
     */
    int afterStep(long stepsDone, long seed, Parameter keys, float[] qHat, int tokens,
                  float[] tuckerU, float[] tuckerV, ParameterReset reset) {
        if (stepsDone % window != 0) {
            return 0;
        }
        SplittableRandom rnd = new SplittableRandom(seed ^ (stepsDone * 0x9E3779B97F4A7C15L));
        int[] order = new int[tokens];
        int drawn = tokens;
        int restarted = 0;
        int qWidth = querySlots * 2 * dk;
        int keyLen = dk * rank;
        for (int key = 0; key < windowUse.length; key++) {
            if (windowUse[key] != 0) {
                continue;
            }
            if (drawn == tokens) {
                shuffle(order, rnd);
                drawn = 0;
            }
            int b = order[drawn++];
            int h = key / (2 * n);
            int side = key / n % 2;
            float[] w = side == 0 ? tuckerU : tuckerV;
            // u, v are unit vectors after any Tucker refresh; all-zero ones (never refreshed)
            // fall back to w = 1.
            boolean useW = tdqkr && norm2(w, h) > 0;
            double norm2 = useW ? norm2(w, h) : rank;
            int qOff = b * qWidth + (h % querySlots * 2 + side) * dk;
            int kOff = key * keyLen;
            for (int p = 0; p < rank; p++) {
                float scale = (float) ((useW ? w[h * rank + p] : 1) / norm2);
                for (int d = 0; d < dk; d++) {
                    keys.data[kOff + d * rank + p] = qHat[qOff + d] * scale;
                }
            }
            reset.reset(keys, kOff, keyLen);
            restarted++;
        }
        java.util.Arrays.fill(windowUse, 0);
        return restarted;
    }

    private double norm2(float[] w, int h) {
        double s = 0;
        for (int p = 0; p < rank; p++) {
            s += (double) w[h * rank + p] * w[h * rank + p];
        }
        return s;
    }

    /** order ← a uniformly random permutation of [0, order.length). */
    private static void shuffle(int[] order, SplittableRandom rnd) {
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    }
}
