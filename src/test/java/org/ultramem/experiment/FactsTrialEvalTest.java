package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigJson;
import org.ultramem.testing.FactsFixture;

/** A suite with {@code facts_eval}: every finished trial gets facts-eval.json, the report a knowledge section. */
@Tag("slow")
class FactsTrialEvalTest {

    @TempDir
    Path dir;

    @Test
    void aFactsSuiteEvaluatesEachTrialOnceAndReportsBitsAndTheClaim() throws Exception {
        Path facts = FactsFixture.facts(dir.resolve("facts"), 10, 2, 400);
        var model = ConfigJson.parse("""
                {"vocab_size": 400, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "max_position_embeddings": 128}
                """, "test");
        model.set("training", FactsFixture.trainingJson(10, facts));
        ConfigJson.write(dir.resolve("m.json"), model);
        Files.writeString(dir.resolve("k.json"), """
                {"name": "k", "token_budget": 1280, "eval": {"eval_tokens": 256, "evals": 1}, "checkpoints": 1,
                 "facts_eval": true, "seeds": [1],
                 "runs": [{"name": "small", "config": "m.json"},
                          {"name": "wide", "config": "m.json", "set": ["intermediate_size=48"]}],
                 "claims": [{"kind": "bits_above", "subject": "wide", "runs": ["small"], "factor": 3,
                             "text": "wide stores 3x"}]}
                """);
        Suite suite = Suite.load(dir.resolve("k.json"));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ExperimentRunner runner = new ExperimentRunner(suite, new ExperimentRunner.Options(dir.resolve("out"), null,
                new PrintStream(log, true, StandardCharsets.UTF_8), -1));
        runner.run();
        List<Trial> trials = runner.plan();
        for (Trial t : trials) {
            assertNotNull(FactsTrialEval.read(t.dir()), t.label());
            assertEquals(10, FactsTrialEval.read(t.dir()).get("people").asInt());
        }
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("facts: "), log.toString(StandardCharsets.UTF_8));

        // a rerun skips the finished trials and does not evaluate again; a lost evaluation is redone
        Path first = trials.getFirst().dir().resolve(FactsTrialEval.FILE);
        long stamp = Files.getLastModifiedTime(first).toMillis();
        Files.delete(trials.get(1).dir().resolve(FactsTrialEval.FILE));
        log.reset();
        assertEquals(new ExperimentRunner.Outcome(0, 0, 2, false), runner.run());
        assertEquals(stamp, Files.getLastModifiedTime(first).toMillis());
        assertNotNull(FactsTrialEval.read(trials.get(1).dir()));
        assertEquals(1, log.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("facts: ")).count());

        String md = Files.readString(new ExperimentReport(suite, runner.suiteDir(), trials).write());
        assertTrue(md.contains("## Knowledge stored (`eval --facts`)"), md);
        assertTrue(md.contains("| small | 1/1 | "), md);
        assertTrue(md.contains("wide stores more than 3x small's bits of knowledge"), md);
        assertTrue(md.contains("| birth_date |") || md.contains(" birth_date |"), md);
    }

    @Test
    void aDivergedOrUnfinishedTrialIsNotEvaluated() throws Exception {
        Path trialDir = Files.createDirectories(dir.resolve("t"));
        new RunResult("a", 1, "diverged", 3, 30, Double.NaN, Double.NaN, Double.NaN, 1, "nan", 1).write(trialDir);
        Suite s = new Suite("x", "", dir.resolve("x.json"), 64, 64, 1, 1, null, List.of(),
                List.of(new RunSpec("a", dir.resolve("none.json"), List.of(), List.of(1L), Double.NaN)), List.of(),
                true);
        Trial t = new Trial(s.runs().getFirst(), 1, trialDir, ConfigJson.newObject(), null, null);
        assertNull(FactsTrialEval.ensure(t));
        assertNull(FactsTrialEval.read(trialDir));
    }
}
