package org.ultramem.nn.memory;

import java.util.SplittableRandom;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Implicit value expansion (IVE) with multi-core value chunks (spec §A.3 steps 10-11, §B.2 step 2).
 *
 * <p>A grid cell z ∈ [0, E·N) maps through the fixed permutation π to v = π[z]; its virtual block
 * (projector) is p = v div N and its physical value row is v mod N. Since π is a permutation,
 * every physical row appears exactly once in each of the E blocks.
 *
 * <p>Pooling per token, for slots s with weights w_t[s] (T cores, chunk c = D_v / T):
 * {@code P[p_s, t·c:(t+1)·c] += w_t[s] · V[row_s, t·c:(t+1)·c]}; P is [E][D_v], block-major.
 * Backward: {@code dw_t[s] = ⟨V[row_s, chunk t], dP[p_s, chunk t]⟩} and
 * {@code dV[row_s, chunk t] += w_t[s] · dP[p_s, chunk t]} (duplicates add).
 */
final class ImplicitValueExpansion {

    private final int valueNum;
    private final int expand;
    private final int valueDim;
    private final int cores;
    private final int chunk;
    private final int[] shuffle;
    private final Kernels kern;

    ImplicitValueExpansion(UltraMemConfig cfg, long seed, Kernels kern) {
        this.valueNum = cfg.valueNum();
        this.expand = cfg.valueExpand();
        this.valueDim = cfg.valueDim();
        this.cores = cfg.tuckerCores();
        this.chunk = valueDim / cores;
        this.shuffle = randomPermutation(expand * valueNum, seed);
        this.kern = kern;
    }

    /** A uniform random permutation of [0, size) (Fisher-Yates with a seeded generator). */
    static int[] randomPermutation(int size, long seed) {
        int[] p = new int[size];
        for (int i = 0; i < size; i++) {
            p[i] = i;
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int i = size - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** The live permutation π, [E·N]. */
    int[] shuffle() {
        return shuffle;
    }

    /** Replaces π (e.g. from a checkpoint) after checking it is a permutation of [0, E·N). */
    void setShuffle(int[] pi) {
        CandidateRetrieval.requirePermutation("shuffle_index", pi, shuffle.length);
        System.arraycopy(pi, 0, shuffle, 0, pi.length);
    }

    /** Virtual block p of grid cell z. */
    int group(int z) {
        return shuffle[z] / valueNum;
    }

    /** Physical value row of grid cell z. */
    int row(int z) {
        return shuffle[z] % valueNum;
    }

    /** rows[s] and groups[s] of grid cells z[s] for slots s in [from, to). */
    void resolve(int[] rows, int[] groups, int[] z, int from, int to) {
        CandidateRetrieval.resolve(shuffle, valueNum, rows, groups, z, from, to);
    }

    /**
     * Pools {@code slots} slots of one token into P ({@code pooled[pOff ..]}, [E][D_v],
     * overwritten). rows/groups at sOff, weights [slots][T] at sOff·T. The slots are first
     * grouped by block (stable, so each block sums its slots in slot order), then each block is
     * one gathered weighted sum written once (was one axpy per slot and chunk, read-modify-write
     * of P each time). scratch: at least {@code slots + E + 1} ints.
     */
    void pool(float[] pooled, int pOff, float[] values, int[] rows, int[] groups, float[] w,
              int sOff, int slots, int[] scratch) {
        int start = slots;
        java.util.Arrays.fill(scratch, start, start + expand + 1, 0);
        for (int s = sOff; s < sOff + slots; s++) {
            scratch[start + groups[s] + 1]++;
        }
        for (int g = 0; g < expand; g++) {
            scratch[start + g + 1] += scratch[start + g];
        }
        for (int s = sOff; s < sOff + slots; s++) {
            scratch[scratch[start + groups[s]]++] = s;
        }
        // scratch[start + g] now holds the end of block g's list; block g starts where g-1 ends.
        for (int g = 0; g < expand; g++) {
            int from = g == 0 ? 0 : scratch[start + g - 1];
            int to = scratch[start + g];
            kern.gatherWeightedSum(pooled, pOff + g * valueDim, values, rows, w, scratch,
                    from, to - from, cores, chunk);
        }
    }

    /**
     * Stable counting sort of slots by physical row: afterwards the slots of row ρ are
     * {@code order[rowStart[ρ] .. rowStart[ρ+1])} in slot (= token) order. rowStart: [N + 1].
     */
    void sortSlotsByRow(int[] order, int[] rowStart, int[] rows, int count) {
        java.util.Arrays.fill(rowStart, 0);
        for (int s = 0; s < count; s++) {
            rowStart[rows[s] + 1]++;
        }
        for (int row = 0; row < valueNum; row++) {
            rowStart[row + 1] += rowStart[row];
        }
        int[] next = rowStart.clone();
        for (int s = 0; s < count; s++) {
            order[next[rows[s]]++] = s;
        }
    }

    /**
     * Value backward for the slots of rows [rowFrom, rowTo), visited in row order (from
     * {@link #sortSlotsByRow}): {@code dw_t[s] = ⟨V[row_s, chunk t], dP[p_s, chunk t]⟩}
     * (overwrites dw) and {@code dV[row_s, chunk t] += w_t[s] · dP[p_s, chunk t]}. Row order turns
     * the random row traffic into a nearly sequential sweep over V and dV; one thread per row
     * range keeps the scatter race-free, and slots of one row add in token order, so results do
     * not depend on the thread count.
     */
    void backward(float[] dw, float[] dValues, float[] dPooled, float[] values,
                  float[] w, int[] rows, int[] groups, int[] order, int[] rowStart,
                  int slotsPerToken, int rowFrom, int rowTo) {
        int pw = expand * valueDim;
        for (int i = rowStart[rowFrom]; i < rowStart[rowTo]; i++) {
            int s = order[i];
            int row = rows[s];
            int gOff = s / slotsPerToken * pw + groups[s] * valueDim;
            for (int t = 0; t < cores; t++) {
                int vOff = row * valueDim + t * chunk;
                dw[s * cores + t] = kern.dotAxpy(dValues, vOff, w[s * cores + t],
                        values, vOff, dPooled, gOff + t * chunk, chunk);
            }
        }
    }
}
