package org.ultramem.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.model.ModelConfig;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.TokenizerIdentity;

/** The served model: its id (what {@code GET /v1/models} lists), the engine and the tokenizer. */
public record LoadedModel(String id, InferenceModel engine, BpeTokenizer tokenizer)
        implements AutoCloseable {

    /**
     * Loads a checkpoint directory (config.json, model.safetensors, tokenizer.json) with weights
     * in {@code precision}; the id is the directory's name.
     */
    public static LoadedModel load(Path dir, Precision precision, Consumer<String> warn)
            throws IOException {
        ModelConfig cfg = Checkpoints.readConfig(dir);
        BpeTokenizer tok = TokenizerIdentity.loadCheckpointTokenizer(dir, cfg.vocabSize(), warn);
        Path name = dir.toAbsolutePath().normalize().getFileName();
        return new LoadedModel(name == null ? "ultramem" : name.toString(),
                InferenceModel.load(dir, precision), tok);
    }

    /**
     * The bytes of token {@code id}; {@code <id>} for ids the tokenizer lacks (a model whose
     * vocabulary is larger than its tokenizer's, like a random-weight benchmark model), so every
     * generated token shows.
     */
    byte[] tokenBytes(int id) {
        return id < tokenizer.vocabSize() ? tokenizer.tokenBytes(id)
                : ("<" + id + ">").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        engine.close();
    }
}
