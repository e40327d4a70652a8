package org.ultramem.cli;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ultramem.data.DataException;
import org.ultramem.train.RunConfig;
import org.ultramem.train.RunLock;
import org.ultramem.train.TrainConfig;
import org.ultramem.train.Trainer;
import org.ultramem.train.TrainingDivergedException;
import org.ultramem.train.TrainingRun;
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

    @Override
    public Integer call() throws Exception {
        PrintStream err = System.err; // the progress bar needs a stream; picocli's err writer is the same console
        RunConfig run = RunConfig.load(config, overrides);
        Path outDir = out != null ? out : Path.of("runs", config.getFileName().toString().replaceFirst("\\.json$", ""));
        if (resume && !Files.isDirectory(outDir)) {
            throw new IllegalArgumentException("--resume: " + outDir + " is not a directory; pass the --out of the"
                    + " run to continue, or drop --resume to start a new run there");
        }
        return train(run, outDir, resume, !noProgress, spec.commandLine().getOut(), err);
    }

    /**
     * Trains {@code run} into {@code outDir}, which this process owns meanwhile ({@link RunLock}:
     * a second training there is refused at once); returns the exit code.
     */
    static int train(RunConfig run, Path outDir, boolean resume, boolean progress, java.io.PrintWriter out,
                     PrintStream err) throws Exception {
        try (RunLock lock = RunLock.acquire(outDir)) {
            return train(lock, run, resume, progress, out, err);
        }
    }

    /** Trains {@code run} into the directory {@code lock} holds; returns the exit code. */
    static int train(RunLock lock, RunConfig run, boolean resume, boolean progress, java.io.PrintWriter out,
                     PrintStream err) throws Exception {
        TrainConfig tc = run.requireTraining();
        Path outDir = lock.dir();
        try {
            out.printf(Locale.ROOT, "training %,d parameters on %s (%,d tokens/step, %d steps) -> %s%n",
                    run.model().parameterCount(), tc.dataDir(), tc.tokensPerStep(), tc.maxSteps(), outDir);
            out.flush();
            Trainer.Result r;
            try {
                r = TrainingRun.train(lock, run, new TrainingRun.Options(resume, err, progress, -1));
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
