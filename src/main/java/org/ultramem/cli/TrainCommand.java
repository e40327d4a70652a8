package org.ultramem.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ultramem.data.DataException;
import org.ultramem.data.Split;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.Provenance;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.train.DatasetBatches;
import org.ultramem.train.TrainConfig;
import org.ultramem.train.Trainer;
import org.ultramem.train.TrainingDivergedException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ultramem train}: trains a model from a config file, writing checkpoints and metrics. */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model from a config file (model keys at top level, a \"training\" object).")
public final class TrainCommand implements Callable<Integer> {

    /** Exit code when training diverged (NaN/Inf loss or gradient). */
    public static final int EXIT_DIVERGED = 3;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", required = true, description = "Run config JSON file.")
    Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config key, e.g. --set training.lr=1e-3 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--out", description = "Output directory (default: runs/<config name>).")
    Path out;

    @Option(names = "--resume", description = "Continue from the checkpoint in --out (bit-exact).")
    boolean resume;

    @Option(names = "--no-progress", description = "No progress display, only a line per evaluation."
            + " Without a terminal, progress is plain whole lines (every 10 s) anyway.")
    boolean noProgress;

    /** A run config after --set overrides: the JSON root, the model and the training configs. */
    public record RunConfig(ObjectNode root, ModelConfig model, TrainConfig training) {
    }

    /** Loads a run config and applies {@code --set} overrides (optional keys may be added). */
    public static RunConfig loadRunConfig(Path file, List<String> overrides) {
        ObjectNode root = ConfigJson.load(file);
        // A --set may add a key the file leaves at its default; keys inside memory layers and the
        // moe object are checked by their own strict parsers below, which name unknown keys.
        ConfigJson.applyOverrides(root, overrides, key -> key.startsWith("training.")
                ? TrainConfig.KEYS.contains(key.substring("training.".length()))
                : ModelConfig.KEYS.contains(key) || key.equals("memory_placement")
                        || key.equals("memory_allow_overlap")
                        || key.matches("memory_layers\\.\\d+\\.[a-z0-9_]+") || key.matches("moe\\.[a-z0-9_]+"));
        try {
            return new RunConfig(root, ModelConfig.fromJson(root), TrainConfig.fromJson(root.get("training")));
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err; // the progress bar needs a stream; picocli's err writer is the same console
        RunConfig run = loadRunConfig(config, overrides);
        Path outDir = out != null ? out : Path.of("runs", config.getFileName().toString().replaceFirst("\\.json$", ""));
        return train(run, outDir, resume, !noProgress, spec.commandLine().getOut(), err);
    }

    /** Trains {@code run} into {@code outDir}; returns the exit code (prints errors a user can fix). */
    static int train(RunConfig run, Path outDir, boolean resume, boolean progress, java.io.PrintWriter out,
                     PrintStream err) throws Exception {
        TrainConfig tc = run.training();
        Path dataDir = Path.of(tc.dataDir());
        try (DatasetBatches data = DatasetBatches.open(dataDir, Split.VALIDATION, true)) {
            int dataVocab = data.meta().vocabSize();
            if (dataVocab > run.model().vocabSize()) {
                throw new ConfigException("config key `vocab_size` (" + run.model().vocabSize() + ") is smaller than"
                        + " the data's vocabulary (" + dataVocab + " in " + dataDir.resolve("meta.json")
                        + "); set --set vocab_size=" + dataVocab);
            }
            Transformer model = new Transformer(run.model(), tc.batchSize(), tc.seqLen(), tc.seed());
            Map<String, String> provenance = Provenance.metadata(tc.seed(), run.root(),
                    data.meta().split(Split.TRAIN).sha256());
            out.printf(Locale.ROOT, "training %,d parameters on %s (%,d tokens/step, %d steps) -> %s%n",
                    run.model().parameterCount(), dataDir, tc.tokensPerStep(), tc.maxSteps(), outDir);
            out.flush();
            Trainer trainer = new Trainer(model, tc, data, KernelProvider.get(), new Trainer.Options(outDir, resume,
                    err, progress, data.tokenizerFile(), provenance, -1));
            Trainer.Result r;
            try {
                r = trainer.run();
            } catch (TrainingDivergedException e) {
                err.println("ultramem train: " + e.getMessage());
                return EXIT_DIVERGED;
            }
            if (r.eval() != null) {
                out.printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f, ppl %.2f, %.4f bits/byte%n",
                        r.step(), r.loss(), r.eval().loss(), r.eval().perplexity(), r.eval().bitsPerByte());
            }
            out.printf("checkpoint: %s%n", outDir.toAbsolutePath());
            out.flush();
            return 0;
        } catch (DataException e) {
            err.println("ultramem train: " + e.getMessage());
            return 2;
        }
    }
}
