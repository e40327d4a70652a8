package org.ultramem.nn.memory;

import org.ultramem.tensor.kernel.Kernels;

/**
 * The per-token retrieval of an UltraMem (V1 or V2) layer once the coarse top-m candidates are
 * chosen (spec §A, V2 spec §3.4-§3.7): per head and side, exact rank components of the m
 * candidates, exact[co·r + a·r + ρ] = q̂_side · K̂[h, side, cand_a, ρ]; then per head the m×m
 * grid, its top-k, per-core weights ({@link TuckerRetrieval#forward}) and the selected grid cells
 * z = row·n + col. Written once and used by {@link UltraMemLayer#forward},
 * {@link UltraMemV2Layer#forward} and the decode engine ({@code infer.UltraMemDecoder},
 * {@code infer.UltraMemV2Decoder}), so training and decoding select the same cells with the same
 * bits.
 *
 * <p>Layouts, per token b: q̂ [Q·2·D_k] at b·Q·2·D_k (V1: head h, side s reads slot h mod Q;
 * V2: Q = 2 and head h reads slot ⌊h/2⌋, V2 spec §3.2);
 * K̂ [H][2][n][r][D_k]; candidates [H][2][m] at {@link #candOff}; exact [H][2][m][r];
 * selections, scores and cells [H][k] at b·H·k; weights [H][k][T]. Immutable.
 */
public final class CandidateRetrieval {

    /**
     * A layer's keys as retrieval reads them, prepared once at load for decoding with the same
     * bits training's preparation gives: K̂ [H][2][n][r][D_k] (exact scores) and K_fold
     * [2][H][n][D_k] (coarse scores).
     */
    public record Keys(float[] kHat, float[] kFold) {
    }

    private final int heads;
    private final int n;
    private final int m;
    private final int rank;
    private final int dk;
    private final int kFinal;
    private final int cores;
    private final int querySlots;
    /** Query slot each head reads: h mod Q (V1) or ⌊h/2⌋ (V2). */
    private final int[] slotOfHead;
    private final TuckerRetrieval grid;
    private final Kernels kern;

    /** Retrieval for {@code cfg} on {@code kern} (exact scores and the grid's top-k). */
    public CandidateRetrieval(UltraMemConfig cfg, Kernels kern) {
        this(cfg.heads(), cfg.keysPerSide(), cfg.candidates(), cfg.tuckerRank(), cfg.keyDim(),
                cfg.topK(), cfg.tuckerCores(), cfg.querySlots(), false, new TuckerRetrieval(cfg, kern), kern);
    }

    private CandidateRetrieval(int heads, int n, int m, int rank, int dk, int kFinal, int cores,
                               int querySlots, boolean pairedHeads, TuckerRetrieval grid, Kernels kern) {
        this.heads = heads;
        this.n = n;
        this.m = m;
        this.rank = rank;
        this.dk = dk;
        this.kFinal = kFinal;
        this.cores = cores;
        this.querySlots = querySlots;
        this.slotOfHead = new int[heads];
        for (int h = 0; h < heads; h++) {
            slotOfHead[h] = pairedHeads ? h / 2 : h % querySlots;
        }
        this.grid = grid;
        this.kern = kern;
    }

    /**
     * The retrieval of an UltraMemV2 layer of {@code geo} on {@code kern} (V2 spec §3.2-§3.7): two
     * query slots, head h reading slot ⌊h/2⌋; m = k = knn; n = κ_e·K0'; raw per-core Tucker weights.
     */
    public static CandidateRetrieval ultraMemV2(UltraMemV2Geometry geo, Kernels kern) {
        UltraMemV2Config c = geo.config();
        return new CandidateRetrieval(c.heads(), geo.keysPerSide(), c.knn(), c.tuckerRank(),
                c.keyDim(), c.knn(), c.tuckerCores(), UltraMemV2Keys.QUERY_ROWS / 2, true,
                new TuckerRetrieval(c.knn(), c.knn(), c.tuckerRank(), c.tuckerCores(), kern), kern);
    }

    /** H, heads. */
    public int heads() {
        return heads;
    }

    /** n, keys per side. */
    public int keysPerSide() {
        return n;
    }

    /** m, candidates per side. */
    public int candidates() {
        return m;
    }

    /** r, Tucker rank. */
    public int rank() {
        return rank;
    }

    /** D_k, floats per query half and key row. */
    public int keyDim() {
        return dk;
    }

    /** T, Tucker cores: weights per selected cell. */
    public int cores() {
        return cores;
    }

    /** k, cells kept per head. */
    public int topK() {
        return kFinal;
    }

    /** Floats of one token's q̂: Q·2·D_k. */
    public int queryWidth() {
        return querySlots * 2 * dk;
    }

    /** The query slot head h reads. */
    public int slotOfHead(int h) {
        return slotOfHead[h];
    }

    /** The grid step (also the layer's backward uses it). */
    public TuckerRetrieval grid() {
        return grid;
    }

    /** Scratch for one thread's {@link #retrieve} calls. */
    public float[] newScratch() {
        return grid.newScratch();
    }

    /** Offset of token b's candidates for head h and side (0 rows, 1 columns). */
    public int candOff(int b, int h, int side) {
        return ((b * heads + h) * 2 + side) * m;
    }

    /**
     * Token b's exact candidate scores, grid, top-k ({@code sel}, {@code selScore}), per-core
     * weights ({@code slotW}) and selected cells ({@code cells}, z = row·n + col); the summed and
     * per-core Tucker cores are [H][r][r] each.
     */
    public void retrieve(int b, float[] qHat, float[] kHat, int[] cand, float[] exact, int[] sel,
                         float[] selScore, float[] slotW, int[] cells, float[] coreSum,
                         float[][] coreData, float[] scratch) {
        for (int h = 0; h < heads; h++) {
            retrieveHead(b, h, qHat, kHat, cand, exact, sel, selScore, slotW, cells, coreSum,
                    coreData, scratch);
        }
    }

    /**
     * {@link #retrieve} for head h alone: it reads and writes only head h's candidates, exact
     * scores, selections, weights and cells, so heads may run on different threads.
     */
    public void retrieveHead(int b, int h, float[] qHat, float[] kHat, int[] cand,
                             float[] exact, int[] sel, float[] selScore, float[] slotW,
                             int[] cells, float[] coreSum, float[][] coreData, float[] scratch) {
        int qWidth = querySlots * 2 * dk;
        for (int side = 0; side < 2; side++) {
            int co = candOff(b, h, side);
            kern.gatherDot(exact, co * rank, qHat,
                    b * qWidth + (slotOfHead[h] * 2 + side) * dk, 0, kHat,
                    (h * 2 + side) * n * rank * dk, cand, co, m, rank, dk);
        }
        int s0 = b * heads * kFinal + h * kFinal;
        int rowOff = candOff(b, h, 0);
        int colOff = candOff(b, h, 1);
        grid.forward(sel, selScore, s0, slotW, s0 * cores, exact, rowOff * rank,
                colOff * rank, coreSum, h * rank * rank, coreData, h * rank * rank, scratch);
        for (int j = 0; j < kFinal; j++) {
            int f = sel[s0 + j];
            cells[s0 + j] = cand[rowOff + f / m] * n + cand[colOff + f % m];
        }
    }

    /**
     * Fails unless {@code pi} (the tensor {@code name}, a value shuffle π) holds each of
     * 0..size−1 exactly once: resolving a cell through anything else reads the wrong rows, or
     * rows outside the layer's window. Checked wherever a π comes in (layers, the decode engine).
     */
    public static void requirePermutation(String name, int[] pi, int size) {
        if (pi.length != size) {
            throw new IllegalArgumentException("`" + name + "` has " + pi.length + " entries; the"
                    + " config needs E·N = " + size + "; the checkpoint and config.json belong"
                    + " to different models");
        }
        boolean[] seen = new boolean[size];
        for (int i = 0; i < size; i++) {
            int v = pi[i];
            if (v < 0 || v >= size || seen[v]) {
                throw new IllegalArgumentException("`" + name + "`[" + i + "] = " + v
                        + " breaks the permutation rule (each of 0.." + (size - 1) + " exactly"
                        + " once); the buffer is corrupt: re-save the checkpoint");
            }
            seen[v] = true;
        }
    }

    /**
     * Value row and block of each cell in [from, to): v = π[z], row = v mod N, block = v div N
     * (implicit value expansion, {@code shuffle} = π over E·N virtual rows).
     */
    public static void resolve(int[] shuffle, int valueNum, int[] rows, int[] groups, int[] cells,
                               int from, int to) {
        for (int s = from; s < to; s++) {
            int v = shuffle[cells[s]];
            rows[s] = v % valueNum;
            groups[s] = v / valueNum;
        }
    }
}
