package org.ultramem.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.ultramem.data.DataMeta;
import org.ultramem.data.Split;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;

/** Shared fixtures for training tests: a tiny model, a learnable synthetic corpus and a config. */
final class TinyRuns {

    static final int VOCAB = 32;

    private TinyRuns() {
    }

    static ModelConfig modelConfig() {
        return ModelConfig.of(VOCAB, 16, 2, 2, 32, 16);
    }

    /** A corpus where the next token is mostly a fixed function of the current one. */
    static int[] corpus(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 1; i < n; i++) {
            t[i] = rnd.nextInt(10) == 0 ? rnd.nextInt(VOCAB) : (t[i - 1] * 5 + 3) % VOCAB;
        }
        return t;
    }

    /**
     * Writes a synthetic prepared data folder (train.bin, val.bin as int32 little-endian, meta.json)
     * holding {@link #corpus} tokens, 3 bytes per token.
     */
    static Path dataDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, DataMeta.SplitMeta> splits = new LinkedHashMap<>();
        int[][] parts = {corpus(4000, 1), corpus(600, 2)};
        Split[] which = {Split.TRAIN, Split.VALIDATION};
        for (int i = 0; i < 2; i++) {
            ByteBuffer b = ByteBuffer.allocate(parts[i].length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int t : parts[i]) {
                b.putInt(t);
            }
            Files.write(dir.resolve(which[i].fileName), b.array());
            splits.put(which[i].key, new DataMeta.SplitMeta(which[i].fileName, 1, parts[i].length,
                    3L * parts[i].length, 3.0, "0", List.of("synthetic")));
        }
        new DataMeta(DataMeta.FORMAT, DataMeta.TOKEN_DTYPE, VOCAB, VOCAB, 0, "tokenizer.json", "0", "0",
                List.of("synthetic"), splits).write(dir);
        return dir;
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
