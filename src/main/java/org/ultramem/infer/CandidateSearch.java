package org.ultramem.infer;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.ultramem.nn.memory.CandidateRetrieval;
import org.ultramem.tensor.kernel.KeyScores;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The key search of an UltraMem (V1 or V2) decode step, from normalized queries to each token's
 * selected cells: coarse scores q̂·K_foldᵀ per side and key group, top-m rows and columns per
 * head, then the training layers' own {@link CandidateRetrieval} (exact scores, grid, top-k,
 * per-core weights, cells z). Shapes: q̂ [B, Q·2·D_k]; coarse [2][B][H·n]; candidates
 * [B][H][2][m]; cells [B·H·k]; weights [B·H·k, T]. A key group is the heads that read one query
 * slot, scored in one call: all H heads (V1 with one shared query), one head (V1, a query per
 * head) or the pair 2g, 2g + 1 (V2). One call at a time; scratch grows on demand.
 */
final class CandidateSearch {

    /** Key columns per coarse-scoring task: ~32 KB of K_foldᵀ at D_k 32, several tasks per core. */
    static final int KEY_BLOCK = 256;
    /** From this many tokens, scoring and retrieval run per token chunk (see {@link #run}). */
    static final int CHUNKED_ROWS = 8;
    /**
     * Tokens per chunk at most: their scores (2 × 8 × H·n floats) stay in L2, and a batch of 64
     * makes 8 chunks, which the cores claim one at a time ({@link Parallel#forChunks}).
     */
    static final int MAX_CHUNK = 8;
    /** Floats per 64-byte cache line. */
    private static final int LINE_FLOATS = 16;

    /** What the decoder does with token b once all its cells are chosen, on that thread. */
    @FunctionalInterface
    interface TokenStep {
        void accept(int b);
    }

    /**
     * One thread's scratch: the retrieval grid, a side's top-m scores, and where the candidate
     * rows' touched values go ({@link #touchCandidates}: stored, so the reads are not dropped).
     */
    private record Scratch(float[] retrieval, float[] top, float[] sink) {
    }

    private final Kernels kern;
    private final CandidateRetrieval retrieval;
    private final int heads;
    private final int n;
    private final int m;
    private final int rank;
    private final int dk;
    private final int qWidth;
    private final int slots;
    private final int cores;
    private final int headsPerGroup;
    private final int groups;
    private final int packedLen;
    private final float[] kHat;
    private final float[] kFold;
    /** K_fold per (side, key group) packed for {@link KeyScores}, at {@link #packedOff}. */
    private final float[] kFoldPacked;
    private final float[] coreSum;
    private final float[][] coreData;
    private final DistinctKeys distinctKeys;
    private final ThreadLocal<Scratch> scratch;
    /** Per token of a small batch: heads not yet retrieved ({@link #run}). */
    private final AtomicIntegerArray headsPending = new AtomicIntegerArray(CHUNKED_ROWS);

    private int capacity;
    private float[] coarse;
    private int[] cand;
    private float[] exact;
    private int[] sel;
    private float[] selScore;
    private float[] weights;
    private int[] cells;

    /**
     * The search of {@code retrieval} over {@code keys}, {@code headsPerGroup} heads per key
     * group, with the Tucker cores [T][H·r·r] (none without Tucker decomposition).
     */
    CandidateSearch(CandidateRetrieval retrieval, CandidateRetrieval.Keys keys,
                    float[][] coreData, int headsPerGroup, Kernels kern) {
        this.kern = kern;
        this.retrieval = retrieval;
        this.heads = retrieval.heads();
        this.n = retrieval.keysPerSide();
        this.m = retrieval.candidates();
        this.rank = retrieval.rank();
        this.dk = retrieval.keyDim();
        this.qWidth = retrieval.queryWidth();
        this.slots = heads * retrieval.topK();
        this.cores = retrieval.cores();
        this.headsPerGroup = headsPerGroup;
        this.groups = (heads + headsPerGroup - 1) / headsPerGroup;
        this.kHat = keys.kHat();
        this.kFold = keys.kFold();
        this.coreData = coreData;
        this.coreSum = new float[heads * rank * rank];
        for (float[] c : coreData) {
            kern.axpy(coreSum, 0, 1f, c, 0, coreSum.length);
        }
        packedLen = KeyScores.packedLength(groupKeys(0), dk);
        kFoldPacked = new float[2 * groups * packedLen];
        for (int side = 0; side < 2; side++) {
            for (int g = 0; g < groups; g++) {
                KeyScores.pack(kFoldPacked, packedOff(side, g), kFold,
                        (side * heads + g * headsPerGroup) * n * dk, groupKeys(g), dk);
            }
        }
        distinctKeys = new DistinctKeys(heads, n, m);
        scratch = ThreadLocal.withInitial(() -> new Scratch(retrieval.newScratch(), new float[m],
                new float[1]));
    }

    /** Keys of group g: its heads' n keys each (the last group may hold fewer heads). */
    private int groupKeys(int g) {
        return Math.min(headsPerGroup, heads - g * headsPerGroup) * n;
    }

    private int packedOff(int side, int g) {
        return (side * groups + g) * packedLen;
    }

    /** Grows the buffers to {@code rows} tokens (may replace {@link #cells}, {@link #weights}). */
    void ensure(int rows) {
        if (rows <= capacity) {
            return;
        }
        capacity = rows;
        coarse = new float[2 * rows * heads * n];
        cand = new int[rows * heads * 2 * m];
        exact = new float[cand.length * rank];
        sel = new int[rows * slots];
        selScore = new float[rows * slots];
        weights = new float[rows * slots * cores];
        cells = new int[rows * slots];
    }

    /** Selected cells z of the last {@link #run}: [rows·H·k]. */
    int[] cells() {
        return cells;
    }

    /** Per-core weights of the selected cells of the last {@link #run}: [rows·H·k, T]. */
    float[] weights() {
        return weights;
    }

    /** fp32 bytes of the folded keys, read in full every step. */
    long foldedBytes() {
        return (long) kFold.length * Float.BYTES;
    }

    /** Key bytes the last {@link #run} read: the folded keys plus the distinct candidates' rows. */
    long keyBytes(int rows) {
        return foldedBytes() + distinctKeys.count(cand, rows) * rank * dk * Float.BYTES;
    }

    /**
     * Cells and weights of tokens [0, rows) from q̂ (after {@link #ensure}); {@code step} runs for
     * each token right after its retrieval, on the thread that finished it.
     */
    void run(float[] qHat, int rows, TokenStep step) {
        if (rows < CHUNKED_ROWS) {
            // Few tokens: the step is bound by reading K_fold (0.5 MB per layer), so both cores
            // score key columns, then both retrieve (token, head) pairs: at batch 1 a token per
            // task left one core waiting through the whole retrieval. A token's step runs on
            // the thread that finishes its last head (the atomic decrement orders the other
            // heads' writes before it). Where the engine runs the layer as a task beside the
            // FFN (InferenceModel), these regions run inline on that task's thread.
            coarseScores(qHat, rows);
            AtomicIntegerArray pending = headsPending;
            for (int b = 0; b < rows; b++) {
                pending.set(b, heads);
            }
            Parallel.forRange(rows * heads, 1, (from, to) -> {
                Scratch sc = scratch.get();
                for (int item = from; item < to; item++) {
                    int b = item / heads;
                    retrieveHead(qHat, b, item % heads, rows, sc);
                    if (pending.decrementAndGet(b) == 0) {
                        step.accept(b);
                    }
                }
            });
            return;
        }
        // One pass per chunk of tokens on one core: coarse scores of both sides, then each
        // token's top-m, exact scores, grid, top-k and the decoder's step while its scores are
        // still in that core's L2 (faster at batch 64 than scoring by key columns on both cores
        // and retrieving afterwards, 2026-12; that order is not kept, `ultramem bench decode
        // --batches 64` times the step). Any chunking gives the same bits. At least two chunks
        // per thread, so a core the machine slows down leaves its second chunk to the other.
        int threads = Parallel.threads();
        int chunk = Math.max(1, Math.min(MAX_CHUNK, (rows + 2 * threads - 1) / (2 * threads)));
        Parallel.forChunks(rows, chunk, (b0, b1) -> {
            Scratch sc = scratch.get();
            for (int side = 0; side < 2; side++) {
                for (int g = 0; g < groups; g++) {
                    scoreKeys(qHat, rows, side, g, b0, b1 - b0, 0, groupKeys(g));
                }
            }
            for (int b = b0; b < b1; b++) {
                retrieve(qHat, b, rows, sc, step);
            }
        });
    }

    /** coarse [side][rows][H·n] = q̂·K_foldᵀ for every token, key columns split over the cores. */
    private void coarseScores(float[] qHat, int rows) {
        int blocks = (groupKeys(0) + KEY_BLOCK - 1) / KEY_BLOCK;
        Parallel.forRange(2 * groups * blocks, 1, (from, to) -> {
            for (int item = from; item < to; item++) {
                int g = item / blocks % groups;
                int side = item / blocks / groups;
                int j0 = item % blocks * KEY_BLOCK;
                int j1 = Math.min(groupKeys(g), j0 + KEY_BLOCK);
                if (j0 < j1) {
                    scoreKeys(qHat, rows, side, g, 0, rows, j0, j1);
                }
            }
        });
    }

    /**
     * Coarse scores of tokens [b0, b0 + count) on one side against keys [j0, j1) of key group g
     * (its heads read one query slot), into coarse [side][rows][H·n].
     */
    private void scoreKeys(float[] qHat, int rows, int side, int g, int b0, int count, int j0,
                           int j1) {
        int h0 = g * headsPerGroup;
        kern.keyScores(coarse, (side * rows + b0) * heads * n + h0 * n, heads * n, qHat,
                b0 * qWidth + (retrieval.slotOfHead(h0) * 2 + side) * dk, qWidth, count,
                kFoldPacked, packedOff(side, g), groupKeys(g), dk, j0, j1);
    }

    /**
     * Reads one float per cache line of the m candidate rows of K̂ (head h, side; r·D_k floats
     * each) in one tight loop of independent loads, before the exact scores read them in full:
     * K̂ (2 MB per layer of the decode benchmark) is out of cache by then, and the exact scores'
     * dot products, row after row, kept only a few of those misses in flight (JFR: 23% of the
     * memory layers' samples in those dot products). With the touch the memory-layer stage took
     * 0.56-0.61 of the attention stage's time, against 0.63-0.64 without (`ultramem bench decode
     * --batches 1,64 --stages`, batch 64, four rounds alternating, AVX2, 2026-12-07). Returns the
     * sum of the values read.
     */
    private float touchCandidates(int h, int side, int co) {
        int rowFloats = rank * dk;
        int base = (h * 2 + side) * n * rowFloats;
        float sum = 0;
        for (int a = 0; a < m; a++) {
            int row = base + cand[co + a] * rowFloats;
            for (int f = 0; f < rowFloats; f += LINE_FLOATS) {
                sum += kHat[row + f];
            }
        }
        return sum;
    }

    /** Token b: top-m candidates per head and side, the shared retrieval, then the step. */
    private void retrieve(float[] qHat, int b, int rows, Scratch sc, TokenStep step) {
        for (int h = 0; h < heads; h++) {
            retrieveHead(qHat, b, h, rows, sc);
        }
        step.accept(b);
    }

    /** Token b, head h: top-m candidates per side, then the shared retrieval of that head. */
    private void retrieveHead(float[] qHat, int b, int h, int rows, Scratch sc) {
        float touched = 0;
        for (int side = 0; side < 2; side++) {
            int co = retrieval.candOff(b, h, side);
            kern.topK(coarse, ((side * rows + b) * heads + h) * n, n, m, cand, co, sc.top(), 0);
            touched += touchCandidates(h, side, co);
        }
        sc.sink()[0] = touched;
        retrieval.retrieveHead(b, h, qHat, kHat, cand, exact, sel, selScore, weights, cells,
                coreSum, coreData, sc.retrieval());
    }
}
