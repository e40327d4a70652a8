package org.ultramem.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.ultramem.data.Split;
import org.ultramem.io.ConfigException;
import org.ultramem.io.Provenance;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;

/**
 * One training run, set up the same way for {@code ultramem train} and for a suite's trials: the
 * prepared data folder opened and checked against {@code vocab_size}, a fresh model at the run's
 * seed (a resume overwrites it from the checkpoint), the checkpoint provenance, and a
 * {@link Trainer} writing into a directory this process owns. Taking a {@link RunLock} rather
 * than a path makes "one training per directory" a precondition the compiler checks.
 */
public final class TrainingRun {

    /**
     * How to run: {@code resume} continues the checkpoint in the directory; {@code log} receives
     * progress and recovery notes (may be null); {@code stopAfterStep} ≥ 0 ends early without the
     * final checkpoint (tests simulate a kill with it; −1 runs to max_steps).
     */
    public record Options(boolean resume, PrintStream log, boolean progressBar, long stopAfterStep) {
    }

    private TrainingRun() {
    }

    /**
     * Trains {@code run} into {@code lock.dir()}. Throws {@link TrainingDivergedException} when the
     * loss or gradient stops being finite (the last good checkpoint is kept),
     * {@link org.ultramem.data.DataException} or {@link IOException} when the data folder is
     * missing or damaged, and {@link ConfigException} when {@code vocab_size} is smaller than the
     * data's vocabulary.
     */
    public static Trainer.Result train(RunLock lock, RunConfig run, Options opts) throws IOException {
        TrainConfig tc = run.requireTraining();
        Path dataDir = Path.of(tc.dataDir());
        try (DatasetBatches data = DatasetBatches.open(dataDir, Split.VALIDATION, true)) {
            int dataVocab = data.meta().vocabSize();
            if (dataVocab > run.model().vocabSize()) {
                throw new ConfigException(run.source() + ": config key `vocab_size` (" + run.model().vocabSize()
                        + ") is smaller than the data's vocabulary (" + dataVocab + " in "
                        + dataDir.resolve("meta.json") + "); set vocab_size=" + dataVocab
                        + " (train: --set vocab_size=" + dataVocab + "; a suite: in the run's \"set\")");
            }
            Transformer model = new Transformer(run.model(), tc.batchSize(), tc.seqLen(), tc.seed());
            Map<String, String> provenance = Provenance.metadata(tc.seed(), run.root(),
                    data.meta().split(Split.TRAIN).sha256());
            Trainer trainer = new Trainer(model, tc, data, KernelProvider.get(), new Trainer.Options(lock.dir(),
                    opts.resume(), opts.log(), opts.progressBar(), data.tokenizerFile(), provenance,
                    opts.stopAfterStep()));
            return trainer.run();
        }
    }
}
