package org.ultramem.testing;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.ultramem.data.DataMeta;
import org.ultramem.data.Split;
import org.ultramem.data.facts.FactsCorpus;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.train.DatasetBatches;
import org.ultramem.train.TrainConfig;
import org.ultramem.train.Trainer;

/** A small facts folder and a tiny checkpoint trained on it, for the facts evaluation tests. */
public final class FactsFixture {

    /** Context of the tiny model: a prompt plus its longest answer fits with room to spare. */
    public static final int CONTEXT = 128;

    private FactsFixture() {
    }

    /** {@code ultramem data facts --people people --seed seed --vocab vocab --bios 1 --out dir}. */
    public static Path facts(Path dir, int people, long seed, int vocab) throws IOException {
        FactsCorpus.write(new FactsCorpus.Options(dir, people, seed, vocab, 1), line -> { });
        return dir;
    }

    /** The training config of the tiny model ({@code steps} steps of 4 × 32 tokens). */
    public static ObjectNode trainingJson(int steps, Path data) {
        ObjectNode t = ConfigJson.newObject();
        t.put("batch_size", 4).put("seq_len", 32).put("lr", 1e-2).put("warmup_steps", 1)
                .put("max_steps", steps).put("eval_every", steps).put("eval_tokens", 256)
                .put("checkpoint_every", steps).put("seed", 3).put("log_every", 1)
                .put("data_dir", data.toString());
        return t;
    }

    /** Trains a 1-block, D 16 model on {@code data} for {@code steps} steps into {@code out}. */
    public static Path train(Path data, Path out, int steps) throws IOException {
        int vocab = DataMeta.read(data).vocabSize();
        ModelConfig cfg = ModelConfig.of(vocab, 16, 1, 2, 32, CONTEXT);
        TrainConfig tc = TrainConfig.fromJson(trainingJson(steps, data));
        try (DatasetBatches ds = DatasetBatches.open(data, Split.VALIDATION, true)) {
            Transformer model = new Transformer(cfg, tc.batchSize(), tc.seqLen(), 5);
            new Trainer(model, tc, ds, KernelProvider.get(), new Trainer.Options(out, false, null, false,
                    ds.tokenizerFile(), Map.of(), -1)).run();
        }
        return out;
    }
}
