package org.ultramem.nn.memory;

import java.util.Arrays;
import org.ultramem.nn.Gelu;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;

/**
 * One V2 layer's access to the shared tables: shuffle, virtual block and physical row of each
 * selected cell, the pre-value gate, and multi-core pooling (the official {@code FusedLookup} and
 * {@code XperfGlu}, spec §3.8-§3.10, §5.2-§5.3).
 *
 * <p>Per slot s of token b, with grid cell z, Tucker weights ŵ[s, t] and pre-input p[b]:
 * <pre>
 *   v = π[z]     g = v div N     row = ((v mod N) + off_ℓ) mod N_all
 *   π_s = ⟨p[b], Pre[row]⟩       γ_s = GELU(π_s) (glu) or π_s      (γ ≡ 1 without pre-values)
 *   w[s, t] = ŵ[s, t]·γ_s
 *   P[b, blk, t·c + d] += w[s, t]·V[row, t·c + d]      c = D_v/T, blk = g (E = E') or 0 (E = 1)
 * </pre>
 * With E = 1 pooling every slot into one block equals the reference's sum of the E' blocks.
 * Backward, for the slots of each row in token order: dw[s, t] = ⟨V[row, chunk t], dP[b, blk,
 * chunk t]⟩, dV[row, chunk t] += w[s, t]·dP; then dγ = Σ_t dw·ŵ, dπ = dγ·GELU'(π) (or dγ),
 * dŵ = dw·γ, dPre[row] += dπ·p[b]; per token dp[b] = Σ_s dπ_s·Pre[row_s].
 */
public final class UltraMemV2Lookup {

    private final Kernels kern;
    private final UltraMemV2Config cfg;
    private final Parameter values;
    private final Parameter preValues;
    private final int valueNum;
    private final int allValueNum;
    private final int offset;
    private final int blocks;
    private final int valueDim;
    private final int preDim;
    private final int cores;
    private final int chunk;
    private final int slots;
    private final boolean glu;
    private final int[] shuffle;
    /** Scratch of {@link #sortSlotsByRow}: the next free position per window row. */
    private int[] sortNext;

    UltraMemV2Lookup(UltraMemV2Values holder, int layerId, long seed, Kernels kern) {
        this.kern = kern;
        UltraMemV2Geometry geo = holder.geometry();
        UltraMemV2Config cfg = geo.config();
        this.cfg = cfg;
        this.values = holder.values();
        this.preValues = holder.preValues();
        this.valueNum = geo.valueNum();
        this.allValueNum = geo.allValueNum();
        this.offset = geo.offset(layerId);
        this.blocks = cfg.valueExpand();
        this.valueDim = cfg.valueDim();
        this.preDim = cfg.preValueDim();
        this.cores = cfg.tuckerCores();
        this.chunk = valueDim / cores;
        this.slots = cfg.slots();
        this.glu = cfg.gluAct();
        this.shuffle = ImplicitValueExpansion.randomPermutation(geo.virtualValueNum(), seed);
    }

    /** The live permutation π [E'·N]. */
    int[] shuffle() {
        return shuffle;
    }

    /** Replaces π after checking it is a permutation of [0, E'·N). */
    void setShuffle(int[] pi) {
        CandidateRetrieval.requirePermutation("shuffle_index", pi, shuffle.length);
        System.arraycopy(pi, 0, shuffle, 0, pi.length);
    }

    /** Virtual index π[z], block and table row of the cells z[s] for slots s in [from, to). */
    void resolve(int[] virtual, int[] group, int[] row, int[] z, int from, int to) {
        resolve(shuffle, valueNum, offset, allValueNum, virtual, group, row, z, from, to);
    }

    /**
     * For slots s in [from, to): v = π[z[s]], block v div N, table row ((v mod N) + off_ℓ) mod
     * N_all (spec §3.8); shared by training and the decode engine. {@code virtual} may be null.
     */
    public static void resolve(int[] shuffle, int valueNum, int offset, int allValueNum,
                               int[] virtual, int[] group, int[] row, int[] z, int from, int to) {
        // The window fits the table (N ≤ N_all) and off_ℓ < N_all, so (v mod N) + off_ℓ is below
        // 2·N_all: one conditional subtraction is the mod N_all. v < E'·N with E' ≤ a few
        // blocks, so the block and remainder come from subtractions too; the integers are those
        // of the divisions (this runs for every slot of every token).
        boolean fast = valueNum <= allValueNum && offset >= 0 && offset < allValueNum
                && allValueNum <= Integer.MAX_VALUE / 2;
        for (int s = from; s < to; s++) {
            int v = shuffle[z[s]];
            if (virtual != null) {
                virtual[s] = v;
            }
            if (fast) {
                int g = 0;
                int rem = v;
                while (rem >= valueNum) {
                    rem -= valueNum;
                    g++;
                }
                int r = rem + offset;
                group[s] = g;
                row[s] = r >= allValueNum ? r - allValueNum : r;
            } else {
                group[s] = v / valueNum;
                row[s] = (int) (((long) (v % valueNum) + offset) % allValueNum);
            }
        }
    }

    /**
     * The gate of token b over the holder's Pre, keeping erf(π_s/√2) of each slot in
     * {@code preErf} (GELU gate only; null otherwise) for {@link #backward}'s GELU', which then
     * needs no series of its own.
     */
    void gate(float[] w, float[] gate, float[] preScore, float[] tuckerW, float[] p, int[] row,
              int b, double[] preErf) {
        gate(kern, cfg, w, gate, preScore, tuckerW, p, preValues == null ? null : preValues.data,
                row, b, preErf);
    }

    /**
     * Pre-scores and gated weights of token b: preScore[s] = ⟨p[b], pre[row_s]⟩, gate[s] = γ_s,
     * w[s, t] = ŵ[s, t]·γ_s. p: [B, D_p]; pre: rows of D_p indexed by row (the table, or the
     * decode engine's gathered copy); without pre-values (pre null) γ = 1 and w = ŵ.
     */
    public static void gate(Kernels kern, UltraMemV2Config cfg, float[] w, float[] gate,
                            float[] preScore, float[] tuckerW, float[] p, float[] pre, int[] row,
                            int b) {
        gate(kern, cfg, w, gate, preScore, tuckerW, p, pre, row, b, null);
    }

    /**
     * As the gate above; with {@code erf} (slot-indexed, non-null) the GELU takes the slots'
     * erf(π/√2) from one batched {@link Gelu#erfOfScaled} and leaves them there: the same
     * bits as one {@link Gelu#forward} per slot.
     */
    static void gate(Kernels kern, UltraMemV2Config cfg, float[] w, float[] gate,
                     float[] preScore, float[] tuckerW, float[] p, float[] pre, int[] row, int b,
                     double[] erf) {
        int slots = cfg.slots();
        int cores = cfg.tuckerCores();
        int preDim = cfg.preValueDim();
        int s0 = b * slots;
        if (pre == null) {
            Arrays.fill(gate, s0, s0 + slots, 1f);
            System.arraycopy(tuckerW, s0 * cores, w, s0 * cores, slots * cores);
            return;
        }
        kern.gatherDot(preScore, s0, p, b * preDim, 0, pre, 0, row, s0, slots, 1, preDim);
        boolean batched = cfg.gluAct() && erf != null;
        if (batched) {
            Gelu.erfOfScaled(preScore, s0, slots, erf, s0);
        }
        for (int s = s0; s < s0 + slots; s++) {
            float g = !cfg.gluAct() ? preScore[s]
                    : (float) (batched ? Gelu.forwardFromErf(preScore[s], erf[s])
                            : Gelu.forward(preScore[s]));
            gate[s] = g;
            for (int t = 0; t < cores; t++) {
                w[s * cores + t] = tuckerW[s * cores + t] * g;
            }
        }
    }

    /** {@link #pool(Kernels, UltraMemV2Config, float[], float[], float[], int[], int[], int,
     * int[])} over the holder's V. */
    void pool(float[] pooled, float[] w, int[] group, int[] row, int b, int[] scratch) {
        pool(kern, cfg, pooled, values.data, w, group, row, b, scratch);
    }

    /**
     * Pools the slots of token b into P ({@code pooled[b·E·D_v ..]}, [E][D_v], overwritten):
     * slots grouped by block (stable), each block one gathered weighted sum in slot order over
     * {@code table} (rows of D_v indexed by row). scratch: at least slots + E + 1 ints.
     */
    public static void pool(Kernels kern, UltraMemV2Config cfg, float[] pooled, float[] table,
                            float[] w, int[] group, int[] row, int b, int[] scratch) {
        int slots = cfg.slots();
        int blocks = cfg.valueExpand();
        int valueDim = cfg.valueDim();
        int s0 = b * slots;
        int start = slots;
        Arrays.fill(scratch, start, start + blocks + 1, 0);
        for (int s = s0; s < s0 + slots; s++) {
            scratch[start + block(blocks, group, s) + 1]++;
        }
        for (int g = 0; g < blocks; g++) {
            scratch[start + g + 1] += scratch[start + g];
        }
        for (int s = s0; s < s0 + slots; s++) {
            scratch[scratch[start + block(blocks, group, s)]++] = s;
        }
        // scratch[start + g] now holds the end of block g's list; block g starts where g-1 ends.
        int pOff = b * blocks * valueDim;
        for (int g = 0; g < blocks; g++) {
            int from = g == 0 ? 0 : scratch[start + g - 1];
            int to = scratch[start + g];
            kern.gatherWeightedSum(pooled, pOff + g * valueDim, table, row, w, scratch,
                    from, to - from, cfg.tuckerCores(), valueDim / cfg.tuckerCores());
        }
    }

    private static int block(int blocks, int[] group, int s) {
        return blocks == 1 ? 0 : group[s];
    }

    /**
     * Stable counting sort of the first {@code count} slots by table row: the slots of the row at
     * window position ω = (row − off_ℓ) mod N_all are {@code order[rowStart[ω] .. rowStart[ω+1])}
     * in slot (= token) order. rowStart: [N + 1]. Counting over the layer's window of N rows, not
     * the whole shared table of N_all = layers·N rows, keeps this serial pass N rows long; the
     * rows come in window order, which changes no result (each row's work is independent).
     */
    void sortSlotsByRow(int[] order, int[] rowStart, int[] row, int count) {
        Arrays.fill(rowStart, 0, valueNum + 1, 0);
        for (int s = 0; s < count; s++) {
            rowStart[windowRow(row[s]) + 1]++;
        }
        for (int r = 0; r < valueNum; r++) {
            rowStart[r + 1] += rowStart[r];
        }
        if (sortNext == null) {
            sortNext = new int[valueNum];
        }
        System.arraycopy(rowStart, 0, sortNext, 0, valueNum);
        for (int s = 0; s < count; s++) {
            order[sortNext[windowRow(row[s])]++] = s;
        }
    }

    /** N, the rows of this layer's window. */
    int windowRows() {
        return valueNum;
    }

    /** N_all, the rows of the shared table. */
    int tableRows() {
        return allValueNum;
    }

    /** off_ℓ, the first row of this layer's window. */
    int offset() {
        return offset;
    }

    /** Window position (row − off_ℓ) mod N_all of a table row of this layer, in [0, N). */
    int windowRow(int row) {
        int w = row - offset;
        return w < 0 ? w + allValueNum : w;
    }

    /**
     * The first position ≥ i of the row-sorted slot order (from {@link #sortSlotsByRow}) where a
     * row's slots begin, or {@code count}: cutting the order only at such positions gives each
     * row, with all its slots, to one task.
     */
    int rowAligned(int[] order, int[] rowStart, int[] row, int i, int count) {
        if (i >= count) {
            return count;
        }
        int r = windowRow(row[order[i]]);
        return rowStart[r] == i ? i : rowStart[r + 1];
    }

    /**
     * Table backward for the slots at positions [from, to) of the row-sorted order (cut at row
     * starts, {@link #rowAligned}), in row order then token order: one task per row, so
     * race-free, and each row's work is the same whoever does it, so independent of the thread
     * count. Writes dTuckerW (dŵ [B·H·k, T]) and dPreScore (dπ, [B·H·k]); adds into dV and dPre.
     * preErf: erf(π/√2) per slot as {@link #gate} kept it (GELU gate only).
     */
    void backward(float[] dTuckerW, float[] dPreScore, float[] dPooled, float[] w, float[] tuckerW,
                  float[] gate, float[] preScore, double[] preErf, float[] p, int[] group,
                  int[] row, int[] order, int from, int to) {
        int pw = blocks * valueDim;
        for (int i = from; i < to; i++) {
            int s = order[i];
            int r = row[s];
            int b = s / slots;
            int gOff = b * pw + block(blocks, group, s) * valueDim;
            float dGate = 0;
            for (int t = 0; t < cores; t++) {
                int vOff = r * valueDim + t * chunk;
                float dw = kern.dotAxpy(values.grad, vOff, w[s * cores + t],
                        values.data, vOff, dPooled, gOff + t * chunk, chunk);
                dGate += dw * tuckerW[s * cores + t];
                dTuckerW[s * cores + t] = dw * gate[s];
            }
            if (preValues != null) {
                float dPi = glu
                        ? (float) (dGate * Gelu.derivativeFromErf(preScore[s], preErf[s]))
                        : dGate;
                dPreScore[s] = dPi;
                kern.axpy(preValues.grad, r * preDim, dPi, p, b * preDim, preDim);
            }
        }
    }

    /**
     * dp[b] = Σ_s dπ_s·Pre[row_s] over token b's slots, in slot order (overwrites dp[b]), as one
     * axpy chain. offs: scratch of at least H·k ints.
     */
    void preInputBackward(float[] dp, float[] dPreScore, int[] row, int b, int[] offs) {
        int off = b * preDim;
        Arrays.fill(dp, off, off + preDim, 0f);
        int s0 = b * slots;
        for (int i = 0; i < slots; i++) {
            offs[i] = row[s0 + i] * preDim;
        }
        kern.axpyRows(dp, off, dPreScore, s0, preValues.data, offs, slots, preDim, false);
    }

    /**
     * Marks the value-table rows of the first {@code count} slots as touched (row-sparse grads),
     * in slot order.
     */
    void touchValueRows(int[] row, int count) {
        values.touchRows(row, 0, count);
    }

    /** As {@link #touchValueRows} for the pre-value table (nothing without one). */
    void touchPreValueRows(int[] row, int count) {
        if (preValues != null) {
            preValues.touchRows(row, 0, count);
        }
    }
}
