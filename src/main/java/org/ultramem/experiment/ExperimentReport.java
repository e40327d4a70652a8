package org.ultramem.experiment;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ultramem.io.AtomicFiles;

/**
 * The markdown report of a suite ({@code <out>/<suite>/report.md}) with its plots in
 * {@code plots/}: a table with one row per run (mean ± sample standard deviation over the finished
 * seeds), a table with one row per seed, the loss curves, the paper's claims decided by
 * {@link ClaimCheck}, and — for a scaling claim — validation loss against log(memory size).
 * Runs not finished yet show as such; the report can be written at any point of a suite.
 */
public final class ExperimentReport {

    /** File name of the report inside the suite directory. */
    public static final String FILE = "report.md";

    private final Suite suite;
    private final Path suiteDir;
    private final List<RunFigures> runs;

    /** Gathers the figures of {@code suite}'s planned {@code trials} (see {@link ExperimentRunner#plan}). */
    public ExperimentReport(Suite suite, Path suiteDir, List<Trial> trials) {
        this.suite = suite;
        this.suiteDir = suiteDir;
        this.runs = new ArrayList<>();
        for (RunSpec r : suite.runs()) {
            List<Trial> mine = trials.stream().filter(t -> t.run().name().equals(r.name())).toList();
            if (!mine.isEmpty()) {
                runs.add(RunFigures.of(r, mine));
            }
        }
    }

    /** Per-run figures, in suite order. */
    public List<RunFigures> runs() {
        return runs;
    }

    /** Decides every claim of the suite. */
    public List<ClaimCheck.Result> claims() {
        ClaimCheck check = claimCheck();
        List<ClaimCheck.Result> out = new ArrayList<>();
        for (ClaimSpec c : suite.claims()) {
            out.addAll(check.check(c));
        }
        return out;
    }

    private ClaimCheck claimCheck() {
        Map<String, SeedStats> val = new LinkedHashMap<>();
        Map<String, Double> paper = new LinkedHashMap<>();
        Map<String, Long> rows = new LinkedHashMap<>();
        for (RunFigures r : runs) {
            val.put(r.run().name(), r.valLoss());
            paper.put(r.run().name(), r.run().paperDelta());
            rows.put(r.run().name(), r.memoryRows());
        }
        return new ClaimCheck(val, paper, rows, suite.factsEval() ? KnowledgeTable.bits(runs) : Map.of());
    }

    /** Writes report.md and the plots; returns the report file. */
    public Path write() throws IOException {
        Path plots = suiteDir.resolve("plots");
        StringBuilder md = new StringBuilder();
        md.append("# Experiment suite `").append(suite.name()).append("`\n\n");
        if (!suite.description().isEmpty()) {
            md.append(suite.description()).append("\n\n");
        }
        md.append(fmt("Token budget %,d per run; validation on the first %,d tokens of the validation split,"
                + " %d evaluations per run. Suite file: `%s`.%n%n", suite.tokenBudget(), suite.evalTokens(),
                suite.evals(), suite.file()));
        runTable(md);
        seedTable(md);
        machineTime(md);
        MemoryTable.append(md, runs);
        if (suite.factsEval()) {
            KnowledgeTable.append(md, runs, suiteDir);
        }
        md.append("\n## Loss curves\n\n");
        link(md, "training loss", ReportPlots.lossCurves(runs, false, plots.resolve("train-loss.png")));
        link(md, "validation loss", ReportPlots.lossCurves(runs, true, plots.resolve("val-loss.png")));
        if (suite.claims().stream().anyMatch(c -> c.kind().equals("log_slots"))) {
            link(md, "validation loss vs log(memory size)",
                    ReportPlots.lossVsSlots(runs, plots.resolve("val-vs-log-slots.png")));
        }
        claimSection(md);
        Path file = suiteDir.resolve(FILE);
        AtomicFiles.writeString(file, md.toString());
        return file;
    }

    private void runTable(StringBuilder md) {
        md.append("## Runs (mean ± sd over seeds)\n\n");
        md.append("| run | seeds done | val loss | bits/byte | total params | active params | FLOPs/token"
                + " | train tokens/s | decode bytes/token | memory rows | tokens/run | seeds |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        List<String> costErrors = new ArrayList<>();
        for (RunFigures r : runs) {
            Trial t = r.trials().getFirst();
            String seeds = String.join(", ", r.trials().stream().map(x -> Long.toString(x.seed())).toList());
            String done = r.done() + "/" + r.trials().size() + (r.diverged() > 0 ? " (" + r.diverged()
                    + " diverged)" : "");
            String total = r.cost() == null ? "n/a" : millions(r.cost().totalParams());
            String active = r.cost() == null ? "n/a" : millions(r.cost().activeParams());
            String flops = r.cost() == null ? "n/a" : fmt("%.2f M", r.cost().flopsPerToken() / 1e6);
            String decode = r.cost() == null ? "n/a" : fmt("%,d", r.cost().decodeBytesPerToken());
            if (r.cost() == null) {
                costErrors.add(r.run().name() + ": " + r.costError());
            }
            md.append(fmt("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %,d | %,d | %s |%n", r.run().name(), done,
                    r.valLoss().format(4), r.valBpb().format(4), total, active, flops, r.tokensPerS().format(0),
                    decode, r.memoryRows(), t.training().maxSteps() * t.training().tokensPerStep(), seeds));
        }
        md.append("\nParameters in millions; FLOPs are forward, per token, 2 × multiply-adds; decode bytes are"
                + " weight bytes read per decoded token at batch 1 in bf16 (KV cache excluded), both from"
                + " `ModelCost`. Train tokens/s is the median logged window (JIT warm-up and evaluation time"
                + " excluded by the median). ± is the sample standard deviation over seeds.\n");
        for (String e : costErrors) {
            md.append("\n- cost not available for ").append(e).append('\n');
        }
    }

    private void seedTable(StringBuilder md) {
        md.append("\n## Per seed\n\n| run | seed | status | steps | tokens | val loss | bits/byte | last train loss"
                + " | train tokens/s | train time | commit |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (RunFigures r : runs) {
            for (int i = 0; i < r.trials().size(); i++) {
                RunResult res = r.results().get(i);
                long seed = r.trials().get(i).seed();
                if (res == null) {
                    md.append(fmt("| %s | %d | not finished | | | | | | | | |%n", r.run().name(), seed));
                } else {
                    md.append(fmt("| %s | %d | %s | %d | %,d | %.4f | %.4f | %.4f | %,.0f | %s | %s |%n", r.run().name(),
                            seed, res.status(), res.steps(), res.tokens(), res.valLoss(), res.valBpb(),
                            res.trainLoss(), res.tokensPerS(), Double.isFinite(res.trainSeconds())
                                    ? SuiteEstimate.duration(res.trainSeconds()) : "n/a",
                            CheckpointCommit.of(r.trials().get(i).dir())));
                }
            }
        }
        md.append("\nCommit: the commit the code that wrote the final checkpoint was built from (`-dirty`: with"
                + " uncommitted changes); `HEAD x` marks a checkpoint written before builds recorded that, where"
                + " only the checkout's HEAD at writing time is known.\n");
    }

    /**
     * The suite's machine time so far: the sum of the finished trials' training time, with the part
     * spent in trials copied from another suite ({@link ExperimentRunner#COPIED_FROM}) named apart.
     */
    private void machineTime(StringBuilder md) {
        double seconds = 0;
        double copiedSeconds = 0;
        int trials = 0;
        int copied = 0;
        int planned = 0;
        for (RunFigures r : runs) {
            planned += r.trials().size();
            for (int i = 0; i < r.results().size(); i++) {
                RunResult res = r.results().get(i);
                if (res != null && Double.isFinite(res.trainSeconds())) {
                    seconds += res.trainSeconds();
                    trials++;
                    if (Files.exists(r.trials().get(i).dir().resolve(ExperimentRunner.COPIED_FROM))) {
                        copiedSeconds += res.trainSeconds();
                        copied++;
                    }
                }
            }
        }
        md.append(fmt("%nMachine time: %s of training over %d of %d trials", SuiteEstimate.duration(seconds),
                trials, planned));
        if (copied > 0) {
            md.append(fmt("; %s of it in %d trial%s copied from another suite (see %s in %s), so this suite"
                    + " itself trained %s", SuiteEstimate.duration(copiedSeconds), copied, copied == 1 ? "" : "s",
                    ExperimentRunner.COPIED_FROM, copied == 1 ? "its directory" : "their directories",
                    SuiteEstimate.duration(seconds - copiedSeconds)));
        }
        md.append(" (train time: the logged training windows summed; evaluation, checkpoints, data loading and"
                + " steps redone after a resume not included; on a machine shared with other work the windows are"
                + " longer).\n");
    }

    private void claimSection(StringBuilder md) {
        if (suite.claims().isEmpty()) {
            return;
        }
        ClaimCheck check = claimCheck();
        md.append("\n## The paper's claims at this scale\n\n");
        for (ClaimSpec spec : suite.claims()) {
            if (spec.kind().equals("ladder")) {
                ladderTable(md, spec);
            }
            if (!spec.text().isEmpty()) {
                md.append("*").append(spec.text()).append("*\n\n");
            }
            for (ClaimCheck.Result c : check.check(spec)) {
                md.append("- **").append(c.verdict().label).append("**: ").append(c.claim()).append(" — ")
                        .append(c.evidence()).append('\n');
            }
            md.append('\n');
        }
        md.append(fmt("Noise is the larger seed standard deviation of the two runs compared, else the suite's"
                + " largest (%s here); a difference inside it is inconclusive.%n", Double.isNaN(check.suiteNoise())
                ? "unknown: no run has two finished seeds" : fmt("%.4f", check.suiteNoise())));
    }

    /** Each rung's validation loss, its change from the previous rung, and the paper's change (Table 2). */
    private void ladderTable(StringBuilder md, ClaimSpec spec) {
        md.append("| step | val loss | change | paper's change |\n|---|---|---|---|\n");
        SeedStats previous = null;
        for (String name : spec.runs()) {
            RunFigures r = runs.stream().filter(x -> x.run().name().equals(name)).findFirst().orElseThrow();
            SeedStats v = r.valLoss();
            String change = previous == null || previous.n() == 0 || v.n() == 0 ? ""
                    : fmt("%+.4f", v.mean() - previous.mean());
            String paper = Double.isNaN(r.run().paperDelta()) ? "" : fmt("%+.3f", r.run().paperDelta());
            md.append(fmt("| %s | %s | %s | %s |%n", name, v.format(4), change, paper));
            previous = v;
        }
        md.append('\n');
    }

    private void link(StringBuilder md, String what, Path png) {
        if (png == null) {
            md.append("- ").append(what).append(": no finished points yet\n");
        } else {
            md.append("![").append(what).append("](").append(suiteDir.relativize(png).toString().replace('\\', '/'))
                    .append(")\n\n");
        }
    }

    private static String millions(long n) {
        return fmt("%.3f M", n / 1e6);
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
