package org.ultramem.infer;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import org.ultramem.infer.DecodeArchitecture.MemorySlot;
import org.ultramem.infer.TrafficMeter.Component;
import org.ultramem.model.ModelConfig;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * The inference engine: a model built from a {@link WeightStore} (a memory-mapped checkpoint or
 * off-heap memory) that decodes B independent sequences together, one token each per step, with
 * no activation caches and no gradients. Reading order of a pass ({@link #forward}):
 * <pre>
 *   x = E[ids]                                          [rows, D]
 *   for block l: x += Attn(RMS_attn(x)) with the KV cache; a = RMS_ff(x)
 *                memory layers sourced at l: pending = Mem(a)  (UltraMem or PKM)
 *                x += FFN(a)  (SwiGLU or MoE);  memory layers targeting l: x += pending
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
    private final Kernels kern = KernelProvider.get();
    private final Matrix embedding;
    private final float[] finalNorm;
    private final DenseBlockDecoder[] blocks;
    private final MemoryDecoder[] memory;
    private final TrafficMeter meter = new TrafficMeter();
    private final Precision precision;

    /** Builds the engine over {@code store}; the store must outlive the model (closed with it). */
    public InferenceModel(DecodeArchitecture arch, WeightStore store, Precision precision) {
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
                    arch.moe(), d, precision, arena) : null;
            blocks[l] = new DenseBlockDecoder(store, cfg, l, moe, precision, arena);
        }
        memory = new MemoryDecoder[arch.memory().size()];
        for (MemorySlot s : arch.memory()) {
            String prefix = "model.memory_layers." + s.index() + ".";
            memory[s.index()] = s.pkm() != null
                    ? new PkmDecoder(store, prefix, s.pkm(), d, precision, arena)
                    : new UltraMemDecoder(store, prefix, s.ultraMem(), d, precision, arena);
        }
    }

    /**
     * Loads {@code modelDir/config.json} and maps {@code modelDir/model.safetensors}: weights page
     * in on demand, so value tables larger than the heap work. Weights already stored in
     * {@code precision} are used in place; others are converted into off-heap copies.
     */
    public static InferenceModel load(Path modelDir, Precision precision) throws IOException {
        Path config = modelDir.resolve("config.json");
        Path weights = modelDir.resolve("model.safetensors");
        if (!Files.isRegularFile(config) || !Files.isRegularFile(weights)) {
            throw new IllegalArgumentException(modelDir + " must hold config.json and"
                    + " model.safetensors (a checkpoint written by `ultramem train`)");
        }
        DecodeArchitecture arch = DecodeArchitecture.load(config);
        WeightStore store = WeightStore.mapped(weights);
        try {
            return new InferenceModel(arch, store, precision);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
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
        if (capacity > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("capacity " + capacity + " exceeds the model's"
                    + " context (max_position_embeddings " + cfg.maxPositionEmbeddings() + ")");
        }
        return new DecodeState(batch, capacity, cfg.numLayers(), cfg.hiddenSize(),
                cfg.numHeads(), cfg.intermediateSize(), cfg.vocabSize(), memory.length,
                kvPrecision);
    }

    /**
     * Appends {@code prompt} to sequence {@code b} (in chunks of the state's pass size) and
     * returns that sequence's next-token logits [V] (a view owned by the state: row b of
     * {@link #decode}'s output buffer, overwritten by the next call).
     */
    public float[] prefill(DecodeState s, int b, int[] prompt) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("prefill needs at least one token");
        }
        s.requireRoom(b, prompt.length);
        int vocab = cfg.vocabSize();
        for (int start = 0; start < prompt.length; start += s.maxRows) {
            int rows = Math.min(s.maxRows, prompt.length - start);
            for (int r = 0; r < rows; r++) {
                s.ids[r] = checkToken(prompt[start + r]);
                s.seq[r] = b;
                s.pos[r] = s.length[b] + r;
            }
            boolean last = start + rows == prompt.length;
            forward(s, rows, last ? 1 : 0, rows - 1);
            s.length[b] += rows;
        }
        float[] out = new float[vocab];
        System.arraycopy(s.logits, 0, out, 0, vocab);
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
        for (int b = 0; b < s.batch; b++) {
            s.requireRoom(b, 1);
            s.ids[b] = checkToken(tokens[b]);
            s.seq[b] = b;
            s.pos[b] = s.length[b];
        }
        forward(s, s.batch, s.batch, 0);
        for (int b = 0; b < s.batch; b++) {
            s.length[b]++;
        }
        meter.endStep();
        return s.logits;
    }

    /** One pass over {@code rows} tokens; logits for {@code logitRows} rows from {@code first}. */
    private void forward(DecodeState s, int rows, int logitRows, int first) {
        int d = cfg.hiddenSize();
        for (int r = 0; r < rows; r++) {
            embedding.readRow(s.x, r * d, s.ids[r]);
        }
        meter.add(Component.EMBEDDING, rows * embedding.rowBytes());
        for (int l = 0; l < blocks.length; l++) {
            blocks[l].attention(s, l, rows, meter);
            blocks[l].ffnInput(s, rows);
            for (MemorySlot m : arch.memory()) {
                if (m.source() == l) {
                    memory[m.index()].apply(s.pending[m.index()], s.normed, rows, meter);
                }
            }
            blocks[l].ffn(s, rows, meter);
            for (MemorySlot m : arch.memory()) {
                if (m.target() == l) {
                    kern.add(s.x, s.x, s.pending[m.index()], rows * d);
                }
            }
        }
        if (logitRows > 0) {
            System.arraycopy(s.x, first * d, s.lastRows, 0, logitRows * d);
            kern.rmsNormForward(s.normed, s.rstd, s.lastRows, finalNorm, logitRows, d,
                    (float) cfg.rmsNormEps());
            embedding.apply(s.logits, s.normed, logitRows);
            meter.add(Component.EMBEDDING, embedding.bytes());
        }
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
        long values = 0;
        for (MemoryDecoder m : memory) {
            dense += m.denseBytes();
            values += m.valueBytes();
        }
        return new long[] {dense, experts, values};
    }

    /** Releases converted copies and the weight store (mapping or off-heap memory). */
    @Override
    public void close() {
        arena.close();
        store.close();
    }
}
