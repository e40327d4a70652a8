package org.ultramem.infer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ultramem.infer.DecodeArchitecture.MemorySlot;
import org.ultramem.infer.StageClock.Stage;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.io.DType;
import org.ultramem.io.MemoryBudget;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.TensorInfo;
import org.ultramem.model.CheckpointValidator;
import org.ultramem.model.LanguageModel;
import org.ultramem.model.ModelConfig;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * The inference engine: a model built from a {@link WeightStore} (a memory-mapped checkpoint or
 * off-heap memory) that decodes B independent sequences together, one token each per step, with
 * no activation caches and no gradients. Reading order of a pass ({@link #forward}):
 * <pre>
 *   x = E[ids]                                          [rows, D]
 *   for block l: x += Attn(RMS_attn(x)) with the KV cache; a = RMS_ff(x)
 *                memory layers sourced at l: pending = Mem(a)  (UltraMem, UltraMemV2 or PKM)
 *                x += FFN(a)  (SwiGLU or MoE);  memory layers targeting l: x += pending
 *                (Mem(a) runs as a task beside FFN(a)'s gate/up GEMVs where they are one
 *                parallel region: the same bits, DenseBlockDecoder#applyAll)
 *                (the last block, once every row's k, v is cached, goes on with only the rows
 *                whose logits are wanted: #keepLogitRows)
 *   logits = RMS_final(x)·Eᵀ (tied)                     [rows wanted, V]
 * </pre>
 * Every weight matrix is read once per step as a GEMM over the step's rows. The {@link #meter()}
 * counts the bytes each step reads, per component. One pass at a time per model.
 */
public final class InferenceModel implements AutoCloseable {

    private final DecodeArchitecture arch;
    private final ModelConfig cfg;
    private final WeightStore store;
    private final Arena arena = Arena.ofShared();
    private final Kernels kern;
    private final Matrix embedding;
    private final float[] finalNorm;
    private final DenseBlockDecoder[] blocks;
    private final MemoryDecoder[] memory;
    /** UltraMemV2's shared tables, or null without V2 layers. */
    private final UltraMemV2Tables v2Tables;
    private final TrafficMeter meter = new TrafficMeter();
    private final StageClock stages = new StageClock();
    private boolean overlapMemory = true;
    private boolean pruneLastBlock = true;
    private final Precision precision;

    /** Builds the engine over {@code store}; the store must outlive the model (closed with it). */
    public InferenceModel(DecodeArchitecture arch, WeightStore store, Precision precision) {
        this(arch, store, precision, KernelProvider.get());
    }

    /**
     * As above, with every kernel of every step (GEMMs over the weights, attention, top-k, key
     * scores, gathers) taken from {@code kern}: tests decode with {@link KernelProvider#scalar()}
     * or {@link KernelProvider#vector()} to compare the twins end to end.
     */
    public InferenceModel(DecodeArchitecture arch, WeightStore store, Precision precision,
                          Kernels kern) {
        this(arch, store, precision, kern, ValueStores.LOCAL);
    }

    /**
     * As above, with every value table read through {@code stores}: {@link ValueStores#LOCAL}
     * reads the store's own tables, a cluster's stores read rows held by its members (the rest
     * of the model still comes from {@code store}).
     */
    public InferenceModel(DecodeArchitecture arch, WeightStore store, Precision precision,
                          Kernels kern, ValueStores stores) {
        this.kern = kern;
        this.arch = arch;
        this.cfg = arch.model();
        this.store = store;
        this.precision = precision;
        int d = cfg.hiddenSize();
        embedding = Matrix.load(store, "model.embed_tokens.weight", cfg.vocabSize(), d, precision,
                arena);
        store.requireShape("model.norm.weight", d);
        finalNorm = store.readF32("model.norm.weight");
        blocks = new DenseBlockDecoder[cfg.numLayers()];
        for (int l = 0; l < blocks.length; l++) {
            MoeDecoder moe = arch.moeAt(l) ? new MoeDecoder(store, "model.layers." + l + ".mlp.",
                    arch.moe(), d, precision, arena, kern) : null;
            blocks[l] = new DenseBlockDecoder(store, cfg, l, moe, precision, arena, kern);
        }
        memory = new MemoryDecoder[arch.memory().size()];
        UltraMemV2Tables tables = null;
        for (MemorySlot s : arch.memory()) {
            String prefix = "model.memory_layers." + s.index() + ".";
            if (s.ultraMemV2() != null) {
                if (tables == null) {
                    tables = UltraMemV2Tables.load(store, s.ultraMemV2().geometry(), precision,
                            arena);
                }
                memory[s.index()] = new UltraMemV2Decoder(store, prefix, s.ultraMemV2(), tables,
                        d, precision, arena, kern, stores);
            } else {
                memory[s.index()] = s.pkm() != null
                        ? new PkmDecoder(store, prefix, s.pkm(), d, precision, arena, kern, stores)
                        : new UltraMemDecoder(store, prefix, s.ultraMem(), d, precision, arena,
                                kern, stores);
            }
        }
        v2Tables = tables;
    }

    /**
     * Loads {@code modelDir/config.json} and maps {@code modelDir/model.safetensors}: weights page
     * in on demand, so value tables larger than the heap work. Weights already stored in
     * {@code precision} are used in place; others are converted into off-heap copies (checked
     * against the native-memory budget first). Before anything is built, {@link
     * CheckpointValidator} checks every tensor's name, dtype, shape and values against the config.
     */
    public static InferenceModel load(Path modelDir, Precision precision) throws IOException {
        return load(modelDir, precision, ValueStores.LOCAL);
    }

    /** As {@link #load(Path, Precision)}, reading the value tables through {@code stores}. */
    public static InferenceModel load(Path modelDir, Precision precision, ValueStores stores)
            throws IOException {
        Path config = modelDir.resolve("config.json");
        Path weights = modelDir.resolve("model.safetensors");
        if (!Files.exists(config) || !Files.exists(weights)) {
            throw new IllegalArgumentException(modelDir + " must hold config.json and"
                    + " model.safetensors (a checkpoint written by `ultramem train`)");
        }
        DecodeArchitecture arch = DecodeArchitecture.load(config);
        SafeTensorsFile file = SafeTensorsFile.open(weights);
        WeightStore store = new MappedWeightStore(file);
        try {
            CheckpointValidator.validate(file, arch.model());
            MemoryBudget.requireNative("converting the weights to " + precision.name()
                    .toLowerCase(java.util.Locale.ROOT), conversionBytes(file, precision),
                    "use --precision " + storedPrecision(file));
            return new InferenceModel(arch, store, precision, KernelProvider.get(), stores);
        } catch (IOException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /**
     * The engine over a copy of a live training model's weights ({@link ModelWeights#copyOf}):
     * how the demo and the tests decode a model that was not saved, with the same math as a
     * checkpoint loaded by {@link #load}.
     */
    public static InferenceModel of(LanguageModel model, Precision precision) {
        return of(model, precision, KernelProvider.get());
    }

    /** As {@link #of(LanguageModel, Precision)}, decoding on {@code kern}. */
    public static InferenceModel of(LanguageModel model, Precision precision, Kernels kern) {
        DecodeArchitecture arch = DecodeArchitecture.of(model.config());
        WeightStore store = ModelWeights.copyOf(model);
        try {
            return new InferenceModel(arch, store, precision, kern);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    /** Bytes of the off-heap copies {@link Matrix#load} makes for weights not stored in
     * {@code precision} (an upper bound: small tensors are read onto the heap instead). */
    private static long conversionBytes(SafeTensorsFile file, Precision precision) {
        long bytes = 0;
        for (String name : file.names()) {
            TensorInfo t = file.info(name);
            if (t.dtype().isFloat() && t.dtype() != precision.dtype()) {
                bytes = Math.addExact(bytes, Math.multiplyExact(t.numel(), precision.bytes()));
            }
        }
        return bytes;
    }

    /** "f32" or "bf16": the dtype most of the file's bytes are stored in. */
    private static String storedPrecision(SafeTensorsFile file) {
        long bf16 = 0;
        long other = 0;
        for (String name : file.names()) {
            TensorInfo t = file.info(name);
            if (t.dtype() == DType.BF16) {
                bf16 += t.byteSize();
            } else {
                other += t.byteSize();
            }
        }
        return bf16 > other ? "bf16" : "f32";
    }

    public DecodeArchitecture architecture() {
        return arch;
    }

    public ModelConfig config() {
        return cfg;
    }

    public Precision precision() {
        return precision;
    }

    /** Bytes read per step and component (reset it to measure a window). */
    public TrafficMeter meter() {
        return meter;
    }

    /** Time and bytes per stage of the passes (off until {@link StageClock#enable}). */
    public StageClock stages() {
        return stages;
    }

    /** A state for {@code batch} sequences of up to {@code capacity} positions each, fp32 KV. */
    public DecodeState newState(int batch, int capacity) {
        return newState(batch, capacity, Precision.F32);
    }

    /**
     * A state for {@code batch} sequences of up to {@code capacity} positions each, its KV cache
     * stored in {@code kvPrecision} (bf16 halves the bytes attention reads; scores and weighted
     * sums still accumulate in fp32).
     */
    public DecodeState newState(int batch, int capacity, Precision kvPrecision) {
        return newState(batch, capacity, kvPrecision, DecodeState.defaultRows(batch, capacity));
    }

    /**
     * As {@link #newState(int, int, Precision)}, with scratch for passes of up to
     * {@code passRows} tokens (at least max(batch, prefill chunk)): room for {@link #extend}
     * passes that carry prompt chunks beside every sequence's decode token.
     */
    public DecodeState newState(int batch, int capacity, Precision kvPrecision, int passRows) {
        if (capacity > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("capacity " + capacity + " exceeds the model's"
                    + " context (max_position_embeddings " + cfg.maxPositionEmbeddings() + ")");
        }
        requireStateMemory(batch, capacity, kvPrecision, passRows);
        return new DecodeState(batch, capacity, cfg.numLayers(), cfg.hiddenSize(),
                cfg.numHeads(), cfg.intermediateSize(), cfg.vocabSize(), memory.length,
                kvPrecision, passRows);
    }

    /**
     * Refuses, before allocating, a state whose KV cache (native: 2·L·B·capacity·D values) or
     * per-pass scratch (heap: rows·(11·D + 3·I + H·capacity) + B·V floats, with
     * rows the pass size) does not fit.
     */
    private void requireStateMemory(int batch, int capacity, Precision kvPrecision,
                                    int passRows) {
        if (batch < 1 || capacity < 1 || passRows < DecodeState.defaultRows(batch, capacity)) {
            return; // DecodeState names the bad argument
        }
        long d = cfg.hiddenSize();
        long rows = passRows;
        try {
            long kv = product(2, cfg.numLayers(), batch, capacity, d,
                    kvPrecision.bytes());
            long perRow = Math.addExact(Math.addExact(Math.multiplyExact(11 + memory.length, d),
                    3L * cfg.intermediateSize()), (long) cfg.numHeads() * capacity);
            long scratch = Math.addExact(product(4, rows, perRow),
                    product(4, batch, cfg.vocabSize()));
            String what = "the decode state (batch " + batch + " × " + capacity + " positions)";
            MemoryBudget.requireNative(what + "'s KV cache", kv, "lower --max-tokens, the prompt"
                    + " length or the batch, or use --kv-precision bf16");
            MemoryBudget.requireHeap(what, scratch, "lower --max-tokens or the batch");
        } catch (ArithmeticException e) {
            throw MemoryBudget.overflow("the decode state (batch " + batch + " × " + capacity
                    + " positions)");
        }
    }

    /**
     * Appends {@code prompt} to sequence {@code b} (in chunks of the state's pass size) and
     * returns that sequence's next-token logits [V] (a copy).
     */
    public float[] prefill(DecodeState s, int b, int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prefill needs at least one token");
        }
        s.requireRoom(b, prompt.length);
        for (int start = 0; start < prompt.length; start += s.maxRows) {
            int rows = Math.min(s.maxRows, prompt.length - start);
            stage(s, 0, b, prompt, start, rows);
            s.logitRows[0] = rows - 1;
            forward(s, rows, start + rows == prompt.length ? 1 : 0, false);
            s.length[b] += rows;
        }
        float[] out = new float[cfg.vocabSize()];
        System.arraycopy(s.logits, 0, out, 0, out.length);
        return out;
    }

    /**
     * One decode step: sequence b takes {@code tokens[b]} at its next position, for every b in
     * the batch. Returns logits [B, V] (owned by the state, overwritten by the next call).
     */
    public float[] decode(DecodeState s, int[] tokens) {
        if (tokens.length != s.batch) {
            throw new IllegalArgumentException("decode takes one token per sequence: "
                    + tokens.length + " given for a batch of " + s.batch);
        }
        int[] all = new int[s.batch];
        for (int b = 0; b < s.batch; b++) {
            all[b] = b;
        }
        return decode(s, all, tokens, s.batch);
    }

    /**
     * One decode step over some of the state's sequences (continuous batching: sequences join
     * and leave between steps): for r &lt; n, sequence {@code slots[r]} (distinct) takes
     * {@code tokens[r]} at its next position; the other sequences are untouched. Returns logits
     * [n, V], row r for {@code slots[r]} (owned by the state, overwritten by the next call).
     */
    public float[] decode(DecodeState s, int[] slots, int[] tokens, int n) {
        if (n < 1 || n > s.batch || slots.length < n || tokens.length < n) {
            throw new IllegalArgumentException("decode of " + n + " rows needs 1 <= n <= batch ("
                    + s.batch + ") slots and tokens (" + slots.length + ", " + tokens.length
                    + " given)");
        }
        requireDistinct(s, slots, n);
        for (int r = 0; r < n; r++) {
            s.requireRoom(slots[r], 1);
            s.ids[r] = checkToken(tokens[r]);
            s.seq[r] = slots[r];
            s.pos[r] = s.length[slots[r]];
            s.logitRows[r] = r;
        }
        forward(s, n, n, false);
        for (int r = 0; r < n; r++) {
            s.length[slots[r]]++;
        }
        meter.endStep();
        return s.logits;
    }

    /**
     * One pass over several sequences, each appending a run of tokens (continuous batching with
     * chunked prefill: a prompt chunk and every other sequence's decode token in one pass, so
     * the weights are read once for all of them). For e &lt; n, sequence {@code slots[e]}
     * (distinct) takes {@code tokens[e][from[e] .. from[e] + count[e])} at its next positions;
     * the pass holds Σ count ≤ {@link DecodeState#maxRows()} tokens. Each token's math is that
     * of a pass of its own (rows do not interact; with a fixed GEMM row path the logits are
     * bit-identical to {@link #prefill}/{@link #decode}). Under the default path
     * ({@code RowPath.BY_ROWS}, kernels switch at {@link #exactEntryTokens()} rows) an entry of
     * at least that many tokens still gets, bit for bit, the logits and KV of one {@link
     * #prefill} pass of its tokens alone (MoE experts then run per sequence and the logits in
     * calls of fewer rows, as a one-row prefill's); shorter entries may then differ in the last
     * bits, so a caller that needs them exact (eval's packed prefill) runs them alone. Returns
     * logits [n, V], row e the next-token logits after entry e's last token (owned by the state,
     * overwritten by the next call).
     */
    public float[] extend(DecodeState s, int[] slots, int[][] tokens, int[] from, int[] count,
                          int n) {
        if (n < 1 || n > s.batch || slots.length < n || tokens.length < n || from.length < n
                || count.length < n) {
            throw new IllegalArgumentException("a pass of " + n + " sequences needs 1 <= n <="
                    + " batch (" + s.batch + ") entries in slots, tokens, from and count");
        }
        requireDistinct(s, slots, n);
        long total = 0;
        for (int e = 0; e < n; e++) {
            if (count[e] < 1 || from[e] < 0 || from[e] > tokens[e].length - count[e]) {
                throw new IllegalArgumentException("entry " + e + ": tokens [" + from[e] + ", "
                        + from[e] + " + " + count[e] + ") must be a non-empty range of its "
                        + tokens[e].length + " tokens");
            }
            s.requireRoom(slots[e], count[e]);
            total += count[e];
        }
        if (total > s.maxRows) {
            throw new IllegalArgumentException("a pass of " + total + " tokens exceeds the"
                    + " state's " + s.maxRows + " rows per pass; split it");
        }
        int rows = 0;
        for (int e = 0; e < n; e++) {
            stage(s, rows, slots[e], tokens[e], from[e], count[e]);
            rows += count[e];
            s.logitRows[e] = rows - 1;
        }
        forward(s, rows, n, n > 1 && rowsDependOnCallSize());
        for (int e = 0; e < n; e++) {
            s.length[slots[e]] += count[e];
        }
        meter.endStep();
        return s.logits;
    }

    /**
     * Fewest tokens an {@link #extend} entry needs for its rows to be those of a pass of its own
     * under the GEMM row path in force: 1 with a fixed path (every row independent), the row
     * count at which {@code RowPath.BY_ROWS} switches kernels otherwise.
     */
    public static int exactEntryTokens() {
        return rowsDependOnCallSize() ? SegmentKernels.transposedMinRows() : 1;
    }

    private static boolean rowsDependOnCallSize() {
        return SegmentKernels.rowPath() == SegmentKernels.RowPath.BY_ROWS;
    }

    /** Rows [row, row + count) of the pass: sequence b's tokens from {@code from}, positions on. */
    private void stage(DecodeState s, int row, int b, int[] tokens, int from, int count) {
        for (int i = 0; i < count; i++) {
            s.ids[row + i] = checkToken(tokens[from + i]);
            s.seq[row + i] = b;
            s.pos[row + i] = s.length[b] + i;
        }
    }

    private static void requireDistinct(DecodeState s, int[] slots, int n) {
        boolean[] seen = new boolean[s.batch];
        for (int r = 0; r < n; r++) {
            int b = slots[r];
            if (b < 0 || b >= s.batch || seen[b]) {
                throw new IllegalArgumentException("decode slot " + b + " (row " + r + ") must"
                        + " be a distinct sequence of the state, in [0, " + s.batch + ")");
            }
            seen[b] = true;
        }
    }

    /**
     * One pass over {@code rows} tokens; logits for the {@code logitCount} rows listed in
     * {@code s.logitRows}, in that order. With {@code asAlone} (a pass of several sequences
     * under the row-count-dependent GEMM path) MoE experts run per sequence and the logits in
     * calls of fewer rows than the path switch, so each sequence's rows are summed as in a pass
     * of its own.
     */
    private void forward(DecodeState s, int rows, int logitCount, boolean asAlone) {
        int d = cfg.hiddenSize();
        stages.start(meter.total());
        for (int r = 0; r < rows; r++) {
            embedding.readRow(kern, s.x, r * d, s.ids[r]);
        }
        meter.add(Component.EMBEDDING, rows * embedding.rowBytes());
        stages.lap(Stage.EMBEDDING, meter.total());
        int last = blocks.length - 1;
        for (int l = 0; l < blocks.length; l++) {
            blocks[l].appendKv(s, l, rows, meter);
            if (l == last && pruneLastBlock && rows > logitCount
                    && (logitCount == 0 || !rowsDependOnCallSize())) {
                if (logitCount == 0) {
                    stages.lap(Stage.ATTENTION, meter.total());
                    return; // a prompt chunk before the last: its k, v are all it leaves
                }
                rows = keepLogitRows(s, logitCount, last);
            }
            blocks[l].attend(s, l, rows, meter);
            stages.lap(Stage.ATTENTION, meter.total());
            blocks[l].ffnInput(s, rows);
            stages.lap(Stage.FFN, meter.total());
            // Memory layers sourced here read the FFN's input and write only their pending
            // output, so they run as a task beside the FFN's gate/up GEMVs: one core waits on
            // the retrieval's memory latencies while the other streams weights. Their time is
            // then in the FFN stage.
            Runnable sourced = memorySourcedAt(s, l, rows);
            if (sourced != null && !(overlapMemory && blocks[l].runsBeside(rows))) {
                sourced.run();
                sourced = null;
            }
            stages.lap(Stage.MEMORY, meter.total());
            blocks[l].ffn(s, rows, asAlone, meter, sourced);
            stages.lap(Stage.FFN, meter.total());
            for (MemorySlot m : arch.memory()) {
                if (m.target() == l) {
                    kern.add(s.x, s.x, s.pending[m.index()], rows * d);
                }
            }
            stages.lap(Stage.MEMORY, meter.total());
        }
        if (logitCount == 0) {
            return;
        }
        for (int e = 0; e < logitCount; e++) {
            System.arraycopy(s.x, s.logitRows[e] * d, s.lastRows, e * d, d);
        }
        kern.rmsNormForward(s.normed, s.rstd, s.lastRows, finalNorm, logitCount, d,
                (float) cfg.rmsNormEps());
        int vocab = cfg.vocabSize();
        int most = asAlone ? SegmentKernels.transposedMinRows() - 1 : logitCount;
        for (int e = 0, g; e < logitCount; e += g) {
            g = Math.min(most, logitCount - e);
            embedding.apply(kern, s.logits, e * vocab, vocab, s.normed, e * d, d, g);
            meter.add(Component.EMBEDDING, embedding.bytes());
        }
        stages.lap(Stage.LOGITS, meter.total());
    }

    /**
     * Moves the rows whose logits are wanted ({@code s.logitRows}, ascending) to the front of the
     * pass, once the last block has cached every row's k, v: nothing after that point reads
     * another row, so the last block attends, runs its FFN and memory layers for these rows
     * only (the chunk rows of a prompt, all but its last, stop here, as llama.cpp's
     * {@code inp_out_ids}). Moved with them: the residual x, the query q, the sequence and
     * position, and the pending output of a memory layer sourced earlier that adds into this
     * block. Returns the rows left ({@code logitCount}). Only where a row's bits do not depend on
     * the rows beside it (a fixed GEMM row path), or when no logits are wanted, so no output
     * changes by a bit. In serving it matters: {@code ultramem bench serve}'s scheduler line
     * counts ~11 prompt rows per pass beside ~34 decode rows (2026-12-07, 16 and 64 clients).
     */
    private int keepLogitRows(DecodeState s, int logitCount, int block) {
        int d = cfg.hiddenSize();
        for (int e = 0; e < logitCount; e++) {
            int r = s.logitRows[e];
            if (r != e) {
                System.arraycopy(s.x, r * d, s.x, e * d, d);
                System.arraycopy(s.q, r * d, s.q, e * d, d);
                s.seq[e] = s.seq[r];
                s.pos[e] = s.pos[r];
                for (MemorySlot m : arch.memory()) {
                    if (m.target() == block && m.source() < block) {
                        System.arraycopy(s.pending[m.index()], r * d, s.pending[m.index()], e * d,
                                d);
                    }
                }
            }
            s.logitRows[e] = e;
        }
        return logitCount;
    }

    /** The memory layers whose input is block l's FFN input, as one task, or null if none. */
    private Runnable memorySourcedAt(DecodeState s, int l, int rows) {
        boolean any = false;
        for (MemorySlot m : arch.memory()) {
            any |= m.source() == l;
        }
        if (!any) {
            return null;
        }
        return () -> {
            for (MemorySlot m : arch.memory()) {
                if (m.source() == l) {
                    memory[m.index()].apply(s.pending[m.index()], s.normed, rows, meter);
                }
            }
        };
    }

    /**
     * Whether memory layers run beside their source block's FFN (default) or before it (the
     * sequential order, for tests that compare the two: the same bits).
     */
    void overlapMemory(boolean overlap) {
        overlapMemory = overlap;
    }

    /**
     * Whether the last block goes on with only the rows whose logits are wanted (default) or
     * with every row of the pass (for tests that compare the two: the same bits).
     */
    void pruneLastBlock(boolean prune) {
        pruneLastBlock = prune;
    }

    private int checkToken(int id) {
        if (id < 0 || id >= cfg.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                    + cfg.vocabSize() + "); check the tokenizer matches the model's vocab_size");
        }
        return id;
    }

    /** Bytes of weights by kind: dense (backbone + embedding), experts, value tables. */
    public long[] weightBytes() {
        long dense = embedding.bytes();
        long experts = 0;
        for (DenseBlockDecoder b : blocks) {
            dense += b.denseBytes();
        }
        for (int l = 0; l < blocks.length; l++) {
            if (arch.moeAt(l)) {
                experts += blocks[l].moeExpertBytes();
            }
        }
        long values = v2Tables == null ? 0 : v2Tables.bytes();
        for (MemoryDecoder m : memory) {
            dense += m.denseBytes();
            values += m.valueBytes();
        }
        return new long[] {dense, experts, values};
    }

    /** The exact product of {@code factors} ({@link ArithmeticException} on overflow). */
    private static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            p = Math.multiplyExact(p, f);
        }
        return p;
    }

    /** Releases converted copies and the weight store (mapping or off-heap memory). */
    @Override
    public void close() {
        arena.close();
        store.close();
    }
}
