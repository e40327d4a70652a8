package org.ultramem.serve;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.infer.ValueStores;
import org.ultramem.infer.cluster.ClusterConfig;
import org.ultramem.infer.cluster.ClusterValueStores;
import org.ultramem.model.ModelConfig;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.TokenizerIdentity;

/**
 * The served model: its id (what {@code GET /v1/models} lists), the engine, the tokenizer, and
 * the cluster connection its value tables are read through (null: read locally).
 */
public record LoadedModel(String id, InferenceModel engine, BpeTokenizer tokenizer,
                          ClusterValueStores cluster) implements AutoCloseable {

    public LoadedModel(String id, InferenceModel engine, BpeTokenizer tokenizer) {
        this(id, engine, tokenizer, null);
    }

    /**
     * Loads a checkpoint directory (config.json, model.safetensors, tokenizer.json) with weights
     * in {@code precision}; the id is the directory's name.
     */
    public static LoadedModel load(Path dir, Precision precision, Consumer<String> warn)
            throws IOException {
        return load(dir, precision, null, warn);
    }

    /**
     * As {@link #load(Path, Precision, Consumer)}, reading the value tables from the members of
     * {@code cluster} (null: from the checkpoint, locally); see docs/cluster.md.
     */
    public static LoadedModel load(Path dir, Precision precision, ClusterConfig cluster,
                                   Consumer<String> warn) throws IOException {
        ModelConfig cfg = Checkpoints.readConfig(dir);
        BpeTokenizer tok = TokenizerIdentity.loadCheckpointTokenizer(dir, cfg.vocabSize(), warn);
        Path name = dir.toAbsolutePath().normalize().getFileName();
        ClusterValueStores stores = cluster == null ? null : ClusterValueStores.connect(cluster);
        try {
            return new LoadedModel(name == null ? "ultramem" : name.toString(),
                    InferenceModel.load(dir, precision, stores == null ? ValueStores.LOCAL : stores),
                    tok, stores);
        } catch (IOException | RuntimeException e) {
            if (stores != null) {
                stores.close();
            }
            throw e;
        }
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
        if (cluster != null) {
            cluster.close(); // after the engine: its last step may still read through it
        }
    }
}
