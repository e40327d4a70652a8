package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.RunLock;
import org.ultramem.train.Trainer;
import org.ultramem.train.TrainingDivergedException;
import org.ultramem.train.TrainingRun;

/**
 * Runs a suite's trials one after another, resumably. Trials go seed-major (every run at the first
 * seed, then every run at the second ...), so a suite stopped half-way already has one of each.
 * For each trial directory:
 * <ul>
 *   <li>{@code result.json} present: finished, skipped;</li>
 *   <li>a complete training checkpoint: resumed from it ({@link Trainer} resume is bit-exact); a
 *       checkpoint already at max_steps (a sitting that ended between the last save and
 *       {@code result.json}) only gets its result written;</li>
 *   <li>otherwise: trained from scratch.</li>
 * </ul>
 * Every trial directory holds {@code experiment-config.json}, the resolved config; skipping or
 * resuming a trial whose suite or config has changed since is an error (delete the directory to
 * retrain it), so a report never mixes two settings under one name.
 *
 * <p>Trials run in this JVM through the library API ({@link Trainer}), not as subprocesses: no
 * JVM start-up or JIT warm-up per run, errors arrive as exceptions, and a test can run a suite.
 * Isolation comes from building a fresh model, optimizer and data view per trial
 * ({@link TrainingRun}, the same setup as {@code ultramem train}); a killed JVM (Ctrl-C, power
 * loss) loses at most the steps since the last checkpoint. A trial's directory is locked
 * ({@link RunLock}) while the trial runs, so a second sitting of the suite, or a {@code train}
 * pointed there, is refused rather than interleaving checkpoints and metrics.
 */
public final class ExperimentRunner {

    /** Name of the resolved-config file in each trial directory. */
    public static final String CONFIG_FILE = "experiment-config.json";

    /**
     * A file whose presence in a trial directory says the trial was trained by another suite and
     * copied in (same resolved config, seed and budget); its text says from where. The report counts
     * such trials' training time apart, since it was spent once, in the other suite.
     */
    public static final String COPIED_FROM = "COPIED_FROM";

    /**
     * How to run: {@code outRoot} holds one folder per suite; {@code dataDir} (nullable) replaces
     * every config's data folder; {@code stopAfterStep} ≥ 0 interrupts the first trial that trains
     * past that step and ends the sitting there (tests simulate a kill with it; −1 runs everything).
     */
    public record Options(Path outRoot, String dataDir, PrintStream log, long stopAfterStep) {
    }

    /** What a sitting did: trials trained from scratch, resumed, skipped as finished; interrupted or not. */
    public record Outcome(int started, int resumed, int skipped, boolean interrupted) {
    }

    private final Suite suite;
    private final Options opts;

    public ExperimentRunner(Suite suite, Options opts) {
        this.suite = suite;
        this.opts = opts;
    }

    /** {@code <outRoot>/<suite name>}: the trial directories, report.md and plots. */
    public Path suiteDir() {
        return opts.outRoot().resolve(suite.name());
    }

    /** Every trial of the suite, seed-major, with configs resolved (fails early on a bad config). */
    public List<Trial> plan() {
        List<Trial> out = new ArrayList<>();
        int maxSeeds = suite.runs().stream().mapToInt(r -> r.seeds().size()).max().orElse(0);
        for (int s = 0; s < maxSeeds; s++) {
            for (RunSpec r : suite.runs()) {
                if (s < r.seeds().size()) {
                    out.add(Trial.plan(suite, r, r.seeds().get(s), suiteDir(), opts.dataDir()));
                }
            }
        }
        return out;
    }

    /**
     * Copies into this suite every finished trial of {@code otherSuiteDir} (another suite's folder)
     * whose resolved config, seed and budget equal those of a trial planned here and not started
     * yet, and marks each copy with a {@link #COPIED_FROM} file. Directory names may differ (a
     * suite's {@code ultramem-k500-s1} can be another's {@code ultramem-s1}). Each copy is written
     * beside its target and renamed into place, so an interrupted copy leaves nothing half-done.
     * Returns how many trials were copied.
     */
    public int reuse(Path otherSuiteDir) throws IOException {
        if (!Files.isDirectory(otherSuiteDir)) {
            throw new ConfigException("--reuse " + otherSuiteDir + " is not a directory; pass another suite's folder"
                    + " (for example runs/experiments/main)");
        }
        List<Path> finished = new ArrayList<>();
        try (var dirs = Files.list(otherSuiteDir)) {
            for (Path d : dirs.sorted().toList()) {
                if (Files.isRegularFile(d.resolve(CONFIG_FILE)) && RunResult.read(d) != null) {
                    finished.add(d);
                }
            }
        }
        int copied = 0;
        for (Trial t : plan()) {
            if (Files.exists(t.dir())) {
                continue;
            }
            for (Path d : finished) {
                if (sameConfig(d.resolve(CONFIG_FILE), t)) {
                    copyTrial(d, t.dir());
                    log("%s: copied from %s (same resolved config, seed and budget)", t.label(), d);
                    copied++;
                    break;
                }
            }
        }
        return copied;
    }

    private static void copyTrial(Path from, Path to) throws IOException {
        Path tmp = to.resolveSibling(to.getFileName() + ".copying");
        if (Files.exists(tmp)) {
            try (var old = Files.walk(tmp)) {
                for (Path p : old.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        Files.createDirectories(tmp);
        try (var files = Files.list(from)) {
            for (Path f : files.filter(f -> Files.isRegularFile(f)
                    && !f.getFileName().toString().equals(RunLock.FILE)).toList()) {
                Files.copy(f, tmp.resolve(f.getFileName().toString()));
            }
        }
        Files.writeString(tmp.resolve(COPIED_FROM), "copied from " + from.toAbsolutePath().normalize()
                + " by `ultramem experiment run --reuse`: same resolved config, seed and token budget\n");
        Files.move(tmp, to, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Runs every unfinished trial; returns what was done. */
    public Outcome run() throws IOException {
        List<Trial> trials = plan();
        int started = 0;
        int resumed = 0;
        int skipped = 0;
        for (int i = 0; i < trials.size(); i++) {
            Trial t = trials.get(i);
            String head = String.format(Locale.ROOT, "[%d/%d] %s", i + 1, trials.size(), t.label());
            if (RunResult.read(t.dir()) != null) {
                requireSameConfig(t);
                skipped++;
                log("%s: finished, skipped", head);
                factsEval(t, head);
                continue;
            }
            TrialEnd end;
            // the trial directory is this process's until the trial ends: a second runner (or a
            // `train --out` there) is refused instead of interleaving checkpoints and metrics
            try (RunLock lock = RunLock.acquire(t.dir())) {
                end = runTrial(lock, t, head);
            }
            switch (end.kind()) {
                case SKIPPED -> skipped++;
                case STARTED -> started++;
                case RESUMED -> resumed++;
            }
            if (end.interrupted()) {
                log("%s: interrupted at step %d (stop requested); rerun to resume", head, opts.stopAfterStep());
                return new Outcome(started, resumed, skipped, true);
            }
            factsEval(t, head);
        }
        return new Outcome(started, resumed, skipped, false);
    }

    private enum TrialKind { SKIPPED, STARTED, RESUMED }

    /** How one trial of a sitting ended: what it was, and whether a stop request cut it short. */
    private record TrialEnd(TrialKind kind, boolean interrupted) {
    }

    /** Settles, then resumes, starts or finishes trial {@code t}, in the directory {@code lock} owns. */
    private TrialEnd runTrial(RunLock lock, Trial t, String head) throws IOException {
        if (RunResult.read(t.dir()) != null) { // finished by another sitting since the check above
            requireSameConfig(t);
            log("%s: finished, skipped", head);
            return new TrialEnd(TrialKind.SKIPPED, false);
        }
        String recovered = Checkpoints.recoverInterruptedSave(t.dir());
        if (recovered != null) {
            log("%s: %s", head, recovered);
        }
        boolean resume = Checkpoints.hasTrainingCheckpoint(t.dir());
        if (resume) {
            requireSameConfig(t);
            long step = Checkpoints.modelStep(t.dir());
            if (step >= t.training().maxSteps()) {
                RunResult.fromMetrics(t.run().name(), t.seed(), t.dir(), "finished", "").write(t.dir());
                log("%s: trained to step %d already, result written", head, step);
                return new TrialEnd(TrialKind.SKIPPED, false);
            }
            log("%s: resuming from step %d of %d", head, step, t.training().maxSteps());
        } else {
            ConfigJson.write(t.dir().resolve(CONFIG_FILE), t.config());
            log("%s: training %d steps (%,d tokens) from %s", head, t.training().maxSteps(),
                    t.training().maxSteps() * t.training().tokensPerStep(), t.run().config());
        }
        boolean finished = train(lock, t, resume);
        return new TrialEnd(resume ? TrialKind.RESUMED : TrialKind.STARTED, !finished);
    }

    /** Trains one trial; false when it stopped early on request (no result written). */
    private boolean train(RunLock lock, Trial t, boolean resume) throws IOException {
        Trainer.Result r;
        try {
            r = TrainingRun.train(lock, t.runConfig(),
                    new TrainingRun.Options(resume, opts.log(), false, opts.stopAfterStep()));
        } catch (TrainingDivergedException e) {
            log("%s: %s", t.label(), e.getMessage());
            RunResult.fromMetrics(t.run().name(), t.seed(), t.dir(), "diverged", e.getMessage()).write(t.dir());
            return true;
        } catch (ConfigException e) {
            throw new ConfigException(t.label() + ": " + e.getMessage(), e);
        }
        if (r.step() < t.training().maxSteps()) {
            return false;
        }
        RunResult res = RunResult.fromMetrics(t.run().name(), t.seed(), t.dir(), "finished", "");
        res.write(t.dir());
        log("%s: val loss %.4f, %.4f bits/byte, %,.0f tokens/s", t.label(), res.valLoss(), res.valBpb(),
                res.tokensPerS());
        return true;
    }

    /** Suites with {@code facts_eval}: evaluates a finished trial's knowledge once ({@link FactsTrialEval}). */
    private void factsEval(Trial t, String head) throws IOException {
        if (suite.factsEval()) {
            String line = FactsTrialEval.ensure(t);
            if (line != null) {
                log("%s: %s", head, line);
            }
        }
    }

    private void requireSameConfig(Trial t) {
        Path file = t.dir().resolve(CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(t.dir() + " holds a run but no " + CONFIG_FILE + " (not written by `ultramem"
                    + " experiment run`); delete the directory or choose another --out");
        }
        if (!sameConfig(file, t)) {
            throw new ConfigException(t.dir() + " was trained with a different config than suite `" + suite.name()
                    + "` now gives run `" + t.run().name() + "` (compare " + file + " with the suite and "
                    + t.run().config() + "); delete that directory to retrain it, or pass another --out");
        }
    }

    /** Whether the config saved in {@code file} is {@code t}'s resolved config. */
    private static boolean sameConfig(Path file, Trial t) {
        JsonNode saved = ConfigJson.load(file);
        // compare parsed text with parsed text, so int/long and float/double node types agree
        return saved.equals(ConfigJson.parse(ConfigJson.toCompactJson(t.config()), "the resolved config"));
    }

    private void log(String fmt, Object... args) {
        if (opts.log() != null) {
            opts.log().println(String.format(Locale.ROOT, fmt, args));
            opts.log().flush();
        }
    }
}
