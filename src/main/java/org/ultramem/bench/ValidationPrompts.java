package org.ultramem.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.ultramem.data.Split;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.DatasetBatches;
import org.ultramem.train.TokenizerIdentity;
import org.ultramem.train.TrainConfig;

/**
 * Prompts for a checkpoint from its validation split: consecutive non-overlapping windows of
 * the split's first tokens, the data folder being {@code --data} or the checkpoint's
 * {@code training.data_dir} (checked against the model's vocabulary and tokenizer, as
 * {@code eval} checks it).
 */
final class ValidationPrompts {

    private ValidationPrompts() {
    }

    /**
     * {@code count} prompts of {@code length} tokens; when the split holds fewer windows, they
     * repeat from the first. {@code data} may be null (the checkpoint's data folder).
     */
    static int[][] read(Path model, Path data, int count, int length, int vocab,
                        PrintStream err) throws IOException {
        TrainConfig tc = Checkpoints.readTrainConfig(model);
        Path dir = data != null ? data : Path.of(tc != null ? tc.dataDir() : "data");
        try (DatasetBatches ds = DatasetBatches.open(dir, Split.VALIDATION, false)) {
            if (ds.meta().vocabSize() > vocab) {
                throw new IllegalArgumentException("data folder " + dir + " has "
                        + ds.meta().vocabSize() + " token ids but the model's vocab_size is "
                        + vocab + ": it was made for another model; pass --data with the folder"
                        + " the model was trained on");
            }
            TokenizerIdentity.requireDataMatches(model, dir, ds.meta(),
                    line -> err.println("ultramem bench cluster: " + line));
            long windows = (ds.evalSize() - 1) / length;
            if (windows < 1) {
                throw new IllegalArgumentException("data folder " + dir + ": the validation split"
                        + " holds " + ds.evalSize() + " tokens, fewer than one prompt of "
                        + length + "; lower --prompt-tokens");
            }
            int[][] prompts = new int[count][];
            int[] targets = new int[length];
            for (int i = 0; i < count; i++) {
                prompts[i] = new int[length];
                ds.evalBatch(i % windows, length, ds.evalSize(), prompts[i], targets);
            }
            return prompts;
        }
    }
}
