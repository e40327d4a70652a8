package org.ultramem.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.testing.SyntheticTokens;

/** Shared fixtures for training tests: a tiny model, a learnable synthetic corpus and a config. */
final class TinyRuns {

    static final int VOCAB = SyntheticTokens.VOCAB;

    private TinyRuns() {
    }

    static ModelConfig modelConfig() {
        return ModelConfig.of(VOCAB, 16, 2, 2, 32, 16);
    }

    /** A corpus where the next token is mostly a fixed function of the current one. */
    static int[] corpus(int n, long seed) {
        return SyntheticTokens.corpus(n, seed);
    }

    /** A synthetic prepared data folder holding the same tokens as {@link #data()}. */
    static Path dataDir(Path dir) throws IOException {
        return SyntheticTokens.writeDataDir(dir, 4000, 600);
    }

    static ArrayBatchSource data() {
        return new ArrayBatchSource(corpus(4000, 1), corpus(600, 2), 3.0);
    }

    static TrainConfig config(int maxSteps, int evalEvery, int checkpointEvery) {
        ObjectNode t = ConfigJson.newObject();
        t.put("batch_size", 4).put("seq_len", 8).put("lr", 1e-2).put("warmup_steps", 2)
                .put("max_steps", maxSteps).put("eval_every", evalEvery).put("eval_tokens", 256)
                .put("checkpoint_every", checkpointEvery).put("seed", 7).put("log_every", 1)
                .put("grad_accum", 2);
        return TrainConfig.fromJson(t);
    }

    static Transformer model() {
        return new Transformer(modelConfig(), 4, 8, 99);
    }

    static Trainer trainer(Transformer model, TrainConfig cfg, Path out, boolean resume, long stopAfter) {
        return new Trainer(model, cfg, data(), KernelProvider.get(),
                new Trainer.Options(out, resume, null, false, null, Map.of("note", "test"), stopAfter));
    }
}
