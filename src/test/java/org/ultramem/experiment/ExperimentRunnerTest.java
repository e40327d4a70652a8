package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigException;
import org.ultramem.testing.SyntheticTokens;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.MetricsLog;
import org.ultramem.train.RunLock;

/** The {@code smoke} suite end to end on synthetic data: run, interrupt, resume, skip, report. */
@Tag("slow")
class ExperimentRunnerTest {

    private static final Path SMOKE = Path.of("configs/experiments/smoke.json");

    @TempDir
    Path dir;

    @Test
    void smokeSuiteRunsResumesSkipsAndReports() throws Exception {
        String data = SyntheticTokens.writeDataDir(dir.resolve("data"), 20000, 3000).toString();
        Suite suite = Suite.load(SMOKE);
        Path out = dir.resolve("out");

        // first sitting: killed at step 15 of the first trial (its last checkpoint is step 10)
        ExperimentRunner.Outcome first = runner(suite, out, data, 15).run();
        assertEquals(new ExperimentRunner.Outcome(1, 0, 0, true), first);
        List<Trial> trials = runner(suite, out, data, -1).plan();
        Trial dense = trials.get(0);
        assertNull(RunResult.read(dense.dir()));
        assertTrue(Checkpoints.hasTrainingCheckpoint(dense.dir()));

        // second sitting: resumes the first trial, trains the second
        assertEquals(new ExperimentRunner.Outcome(1, 1, 0, false), runner(suite, out, data, -1).run());
        for (Trial t : trials) {
            RunResult r = RunResult.read(t.dir());
            assertNotNull(r, t.label());
            assertTrue(r.finished(), t.label() + " " + r);
            assertEquals(t.training().maxSteps(), r.steps());
            assertTrue(r.valLoss() > 0 && r.valLoss() < Math.log(8192), "val loss " + r.valLoss());
            assertEquals(r.valLoss() / (3.0 * Math.log(2)), r.valBpb(), 1e-9);
            assertTrue(r.trainSeconds() > 0 && r.trainSeconds() < 600, "train time " + r.trainSeconds());
        }
        // the resumed log has every step exactly once: entries after the checkpoint were dropped
        List<Long> steps = new ArrayList<>();
        for (JsonNode m : MetricsLog.read(dense.dir().resolve(RunResult.METRICS))) {
            if (m.get("type").asText().equals("train")) {
                steps.add(m.get("step").asLong());
            }
        }
        assertEquals(new HashSet<>(steps).size(), steps.size(), "duplicate steps " + steps);
        assertEquals(dense.training().maxSteps(), steps.getLast());

        // third sitting: nothing left to do
        assertEquals(new ExperimentRunner.Outcome(0, 0, 2, false), runner(suite, out, data, -1).run());

        Path report = new ExperimentReport(suite, out.resolve("smoke"), trials).write();
        String md = Files.readString(report);
        assertTrue(md.contains("| dense | 1/1 |"), md);
        assertTrue(md.contains("| ultramem | 1/1 |"), md);
        assertTrue(md.contains("of training over 2 of 2 trials"), md);
        String commit = CheckpointCommit.of(java.util.Map.of(org.ultramem.io.Provenance.KEY_BUILD_COMMIT,
                org.ultramem.io.Provenance.buildCommit()));
        assertTrue(md.contains(" | " + commit + " |\n"), commit + "\n" + md);
        assertTrue(md.contains("## Memory layers at the last evaluation"), md);
        long umSteps = trials.stream().filter(x -> x.run().name().equals("ultramem")).findFirst().orElseThrow()
                .training().maxSteps();
        assertTrue(md.contains("| ultramem | 1 | 0 | " + umSteps + " | "), md); // the last eval is at the end
        assertTrue(!md.contains("| dense | 1 | 0 |"), md);
        assertTrue(md.contains("![training loss](plots/train-loss.png)"), md);
        assertTrue(Files.size(out.resolve("smoke/plots/train-loss.png")) > 1000);
        assertTrue(Files.size(out.resolve("smoke/plots/val-loss.png")) > 1000);
        assertTrue(md.contains("ultramem val loss within the seed spread of dense's, or below"), md);

        // another output folder reuses both finished trials instead of training them; the report
        // names their time apart
        Path out2 = dir.resolve("out2");
        assertEquals(2, runner(suite, out2, data, -1).reuse(out.resolve("smoke")));
        assertEquals(new ExperimentRunner.Outcome(0, 0, 2, false), runner(suite, out2, data, -1).run());
        assertTrue(Files.isRegularFile(out2.resolve("smoke/dense-s1").resolve(ExperimentRunner.COPIED_FROM)));
        List<Trial> copies = runner(suite, out2, data, -1).plan();
        md = Files.readString(new ExperimentReport(suite, out2.resolve("smoke"), copies).write());
        assertTrue(md.contains("of it in 2 trials copied from another suite (see COPIED_FROM in their"
                + " directories), so this suite itself trained "), md);
        assertEquals(RunResult.read(dense.dir()).valLoss(), RunResult.read(copies.get(0).dir()).valLoss(), 0.0);
    }

    @Test
    void reuseCopiesOnlyTrialsWithTheSameResolvedConfig() throws Exception {
        String data = SyntheticTokens.writeDataDir(dir.resolve("data"), 20000, 3000).toString();
        Suite dense = onlyDense(Suite.load(SMOKE));
        runner(dense, dir.resolve("a"), data, -1).run();
        Suite changed = new Suite(dense.name(), dense.description(), dense.file(), dense.tokenBudget(),
                dense.evalTokens(), dense.evals(), dense.checkpoints(), dense.dataDir(), List.of("training.lr=1e-3"),
                dense.runs(), dense.claims());
        assertEquals(0, runner(changed, dir.resolve("b"), data, -1).reuse(dir.resolve("a/smoke")));
        assertTrue(!Files.exists(dir.resolve("b/smoke/dense-s1")));
        ConfigException e = assertThrows(ConfigException.class,
                () -> runner(dense, dir.resolve("b"), data, -1).reuse(dir.resolve("nowhere")));
        assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
    }

    @Test
    void interruptedRunResumesToTheSameResultAsAnUninterruptedOne() throws Exception {
        String data = SyntheticTokens.writeDataDir(dir.resolve("data"), 20000, 3000).toString();
        Suite dense = onlyDense(Suite.load(SMOKE));
        runner(dense, dir.resolve("a"), data, -1).run();
        runner(dense, dir.resolve("b"), data, 12).run();
        runner(dense, dir.resolve("b"), data, -1).run();
        RunResult a = RunResult.read(dir.resolve("a/smoke/dense-s1"));
        RunResult b = RunResult.read(dir.resolve("b/smoke/dense-s1"));
        assertEquals(a.valLoss(), b.valLoss(), 0.0);
        assertEquals(a.trainLoss(), b.trainLoss(), 0.0);
    }

    @Test
    void changedConfigOfAFinishedRunIsAnErrorNotASilentRetrain() throws Exception {
        String data = SyntheticTokens.writeDataDir(dir.resolve("data"), 20000, 3000).toString();
        Suite dense = onlyDense(Suite.load(SMOKE));
        Path out = dir.resolve("out");
        runner(dense, out, data, -1).run();
        Suite changed = new Suite(dense.name(), dense.description(), dense.file(), dense.tokenBudget(),
                dense.evalTokens(), dense.evals(), dense.checkpoints(), dense.dataDir(), List.of("training.lr=1e-3"),
                dense.runs(), dense.claims());
        ConfigException e = assertThrows(ConfigException.class, () -> runner(changed, out, data, -1).run());
        assertTrue(e.getMessage().contains("different config") && e.getMessage().contains("delete"), e.getMessage());
    }

    private static Suite onlyDense(Suite s) {
        return new Suite(s.name(), s.description(), s.file(), s.tokenBudget(), s.evalTokens(), s.evals(),
                s.checkpoints(), s.dataDir(), s.overrides(), List.of(s.run("dense")), List.of());
    }

    @Test
    void aTrialInUseByAnotherRunIsRefusedNamingItsPid() throws Exception {
        String data = SyntheticTokens.writeDataDir(dir.resolve("data"), 20000, 3000).toString();
        Suite suite = Suite.load(SMOKE);
        Path out = dir.resolve("out");
        Trial first = runner(suite, out, data, -1).plan().get(0);
        try (RunLock held = RunLock.acquire(first.dir())) {
            java.io.IOException e = assertThrows(java.io.IOException.class, () -> runner(suite, out, data, -1).run());
            assertTrue(e.getMessage().contains(first.dir().toString())
                    && e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
        }
        assertTrue(!Files.exists(first.dir().resolve(ExperimentRunner.CONFIG_FILE)), "the held trial was left alone");
    }

    private static ExperimentRunner runner(Suite suite, Path out, String data, long stopAfter) {
        return new ExperimentRunner(suite, new ExperimentRunner.Options(out, data, null, stopAfter));
    }
}
