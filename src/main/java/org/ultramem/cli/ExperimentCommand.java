package org.ultramem.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.ultramem.experiment.ExperimentReport;
import org.ultramem.experiment.ExperimentRunner;
import org.ultramem.experiment.Suite;
import org.ultramem.experiment.SuiteEstimate;
import org.ultramem.experiment.Trial;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ultramem experiment run|report|estimate SUITE}: named suites of training runs (see
 * {@link org.ultramem.experiment}). {@code run} trains every unfinished trial (resuming an
 * interrupted one from its checkpoint) and writes the report at the end; {@code report} writes
 * it from whatever has finished; {@code estimate} measures throughput and prints the wall time.
 */
@Command(name = "experiment", mixinStandardHelpOptions = true,
        description = "Run suites of training runs (configs/experiments/*.json) and report on them.",
        subcommands = {ExperimentCommand.Run.class, ExperimentCommand.Report.class, ExperimentCommand.Estimate.class})
public final class ExperimentCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options every subcommand shares. */
    static class SuiteOptions {
        @Parameters(index = "0", paramLabel = "SUITE",
                description = "Suite name in --suites (smoke, main, long, v2, sizing, ablation, scaling, recipe, remedies, knowledge) or a suite"
                        + " file.")
        String suite;

        @Option(names = "--out", defaultValue = "runs/experiments",
                description = "Folder holding one subfolder per suite (default: ${DEFAULT-VALUE}).")
        Path out;

        @Option(names = "--suites", defaultValue = "configs/experiments",
                description = "Folder of suite files (default: ${DEFAULT-VALUE}).")
        Path suites;

        @Option(names = "--seeds", description = "Seeds per run (first N of each run's list, extended by"
                + " consecutive seeds); give `report` the same value as `run`.")
        Integer seeds;

        @Option(names = "--data", description = "Prepared data folder for every run (overrides the configs).")
        String data;

        Suite load() {
            Suite s = Suite.load(Suite.locate(suite, suites));
            return seeds == null ? s : s.withSeedCount(seeds);
        }

        ExperimentRunner runner(Suite s, PrintStream log, long stopAfterStep) {
            return new ExperimentRunner(s, new ExperimentRunner.Options(out, data, log, stopAfterStep));
        }
    }

    @Command(name = "run", mixinStandardHelpOptions = true,
            description = "Train every unfinished run of SUITE (finished ones are skipped, interrupted ones resume),"
                    + " then write the report.")
    static final class Run extends SuiteOptions implements Callable<Integer> {
        @Option(names = "--stop-after-step", hidden = true, defaultValue = "-1",
                description = "Interrupt the first trial that trains past this step (testing).")
        long stopAfterStep;

        @Option(names = "--reuse", paramLabel = "SUITE_DIR", description = "Another suite's folder (e.g."
                + " runs/experiments/main): copy in its finished trials whose resolved config, seed and budget"
                + " equal a trial of SUITE not started yet, instead of retraining them.")
        Path reuse;

        @Override
        public Integer call() throws Exception {
            Suite s = load();
            ExperimentRunner runner = runner(s, System.out, stopAfterStep);
            if (reuse != null) {
                System.out.printf("reused %d finished trials from %s%n", runner.reuse(reuse), reuse);
            }
            ExperimentRunner.Outcome o = runner.run();
            System.out.printf("suite %s: %d started, %d resumed, %d skipped%s%n", s.name(), o.started(), o.resumed(),
                    o.skipped(), o.interrupted() ? "; interrupted (rerun to resume)" : "");
            Path report = new ExperimentReport(s, runner.suiteDir(), runner.plan()).write();
            System.out.println("report: " + report.toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "report", mixinStandardHelpOptions = true,
            description = "Write report.md and plots for SUITE from the runs finished so far.")
    static final class Report extends SuiteOptions implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            Suite s = load();
            ExperimentRunner runner = runner(s, null, -1);
            Path report = new ExperimentReport(s, runner.suiteDir(), runner.plan()).write();
            System.out.println("report: " + report.toAbsolutePath());
            return 0;
        }
    }

    @Command(name = "estimate", mixinStandardHelpOptions = true,
            description = "Measure training throughput of each run of SUITE briefly and print the suite's wall time.")
    static final class Estimate extends SuiteOptions implements Callable<Integer> {
        @Option(names = "--steps", defaultValue = "5", description = "Timed steps per run (median; at least 5).")
        int steps;

        @Override
        public Integer call() throws Exception {
            Suite s = load();
            List<Trial> trials = runner(s, null, -1).plan();
            List<SuiteEstimate.Line> lines = SuiteEstimate.measure(s, trials, steps, System.out);
            System.out.println("suite " + s.name() + ": ~" + SuiteEstimate.duration(SuiteEstimate.totalSeconds(lines))
                    + " of training on this machine (checkpoints and data loading not counted)");
            return 0;
        }
    }
}
