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

    /** The bytes of token {@code id}; none for ids the tokenizer lacks (a random model's). */
    byte[] tokenBytes(int id) {
        return id < tokenizer.vocabSize() ? tokenizer.tokenBytes(id) : new byte[0];
    }

    @Override
    public void close() {
        engine.close();
    }
}
