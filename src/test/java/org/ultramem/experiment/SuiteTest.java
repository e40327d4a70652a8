package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigException;

/** Suite parsing, lookup, seeds and trial resolution. */
class SuiteTest {

    @TempDir
    Path dir;

    private static final String MODEL = """
            {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 2, "max_position_embeddings": 16,
             "training": {"batch_size": 4, "seq_len": 8, "grad_accum": 2, "lr": 1e-2, "max_steps": 5,
                          "warmup_steps": 500, "log_every": 10}}
            """;

    private Path suite(String json) throws IOException {
        Files.createDirectories(dir.resolve("models"));
        Files.writeString(dir.resolve("models/m.json"), MODEL);
        Path f = dir.resolve("s.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void trialResolutionAppliesBudgetSeedEvalAndOverridesInOrder() throws IOException {
        Suite s = Suite.load(suite("""
                {"name": "t", "token_budget": 6400, "seeds": [3, 4], "eval": {"eval_tokens": 512, "evals": 4},
                 "checkpoints": 2, "data_dir": "somewhere", "set": ["training.lr=5e-3", "hidden_size=32"],
                 "runs": [{"name": "a", "config": "models/m.json", "set": ["training.lr=7e-3"]}]}
                """));
        Trial t = Trial.plan(s, s.run("a"), 4, dir.resolve("out"), null);
        assertEquals(100, t.training().maxSteps()); // 6400 / (4·2·8)
        assertEquals(4, t.training().seed());
        assertEquals(512, t.training().evalTokens());
        assertEquals(25, t.training().evalEvery());
        assertEquals(50, t.training().checkpointEvery());
        assertEquals(2, t.training().logEvery()); // capped at max_steps / 50
        assertEquals(10, t.training().warmupSteps()); // 500 > max_steps: clamped to max_steps / 10
        assertEquals(7e-3, t.training().lr()); // the run's override wins over the suite's
        assertEquals(32, t.model().hiddenSize());
        assertEquals("somewhere", t.training().dataDir());
        assertEquals(dir.resolve("out/a-s4"), t.dir());
        assertEquals("elsewhere", Trial.plan(s, s.run("a"), 4, dir, "elsewhere").training().dataDir());
    }

    @Test
    void seedCountTruncatesOrExtendsEachRunsSeeds() throws IOException {
        Suite s = Suite.load(suite("""
                {"name": "t", "token_budget": 64, "seeds": [3, 9],
                 "runs": [{"name": "a", "config": "models/m.json"}, {"name": "b", "config": "models/m.json",
                           "seeds": [1]}]}
                """));
        assertEquals(List.of(3L, 9L), s.run("a").seeds());
        assertEquals(List.of(3L), s.withSeedCount(1).run("a").seeds());
        assertEquals(List.of(3L, 9L, 10L), s.withSeedCount(3).run("a").seeds());
        assertEquals(List.of(1L, 2L), s.withSeedCount(2).run("b").seeds());
    }

    @Test
    void factsEvalAndABitsClaimWithAFactorAreRead() throws IOException {
        Suite s = Suite.load(suite("""
                {"name": "k", "token_budget": 64, "facts_eval": true,
                 "runs": [{"name": "dense", "config": "models/m.json"}, {"name": "um", "config": "models/m.json"}],
                 "claims": [{"kind": "bits_above", "subject": "um", "runs": ["dense"], "factor": 3}]}
                """));
        assertTrue(s.factsEval());
        assertTrue(s.withSeedCount(2).factsEval());
        assertEquals(3.0, s.claims().getFirst().factor());
        Suite plain = Suite.load(suite("""
                {"name": "p", "token_budget": 64, "runs": [{"name": "a", "config": "models/m.json"}]}
                """));
        assertTrue(!plain.factsEval());
        String factor = assertThrows(ConfigException.class, () -> Suite.load(suite("""
                {"name": "k", "token_budget": 64, "runs": [{"name": "a", "config": "models/m.json"}],
                 "claims": [{"kind": "bits_above", "subject": "a", "runs": ["a"], "factor": 0}]}
                """))).getMessage();
        assertTrue(factor.contains("`factor` (0.0) must be a finite number > 0"), factor);
        String subject = assertThrows(ConfigException.class, () -> Suite.load(suite("""
                {"name": "k", "token_budget": 64, "runs": [{"name": "a", "config": "models/m.json"}],
                 "claims": [{"kind": "bits_above", "runs": ["a"]}]}
                """))).getMessage();
        assertTrue(subject.contains("needs \"subject\""), subject);
    }

    @Test
    void badSuitesFailNamingTheProblem() throws IOException {
        String unknownKey = assertThrows(ConfigException.class, () -> Suite.load(suite("""
                {"name": "t", "token_budgt": 64, "runs": [{"name": "a", "config": "models/m.json"}]}
                """))).getMessage();
        assertTrue(unknownKey.contains("token_budgt") && unknownKey.contains("token_budget"), unknownKey);
        String duplicate = assertThrows(ConfigException.class, () -> Suite.load(suite("""
                {"name": "t", "token_budget": 64, "runs": [{"name": "a", "config": "models/m.json"},
                                                          {"name": "a", "config": "models/m.json"}]}
                """))).getMessage();
        assertTrue(duplicate.contains("two runs named `a`"), duplicate);
        String claim = assertThrows(ConfigException.class, () -> Suite.load(suite("""
                {"name": "t", "token_budget": 64, "runs": [{"name": "ultramem", "config": "models/m.json"}],
                 "claims": [{"kind": "below", "subject": "ultramem", "runs": ["ultramen2"]}]}
                """))).getMessage();
        assertTrue(claim.contains("`ultramen2`") && claim.contains("did you mean `ultramem`"), claim);
        String budget = assertThrows(ConfigException.class, () -> Suite.load(suite("""
                {"name": "t", "runs": [{"name": "a", "config": "models/m.json"}]}
                """))).getMessage();
        assertTrue(budget.contains("token_budget"), budget);
        Suite badSet = Suite.load(suite("""
                {"name": "t", "token_budget": 64, "runs": [{"name": "a", "config": "models/m.json",
                  "set": ["hiden_size=8"]}]}
                """));
        String set = assertThrows(ConfigException.class, () -> Trial.plan(badSet, badSet.run("a"), 1, dir, null))
                .getMessage();
        assertTrue(set.contains("run `a`") && set.contains("hiden_size"), set);
    }

    @Test
    void locateFindsNamesAndPathsAndListsWhereItLooked() throws IOException {
        Path f = suite("{}");
        assertEquals(f, Suite.locate(f.toString(), dir.resolve("nowhere")));
        Files.copy(f, dir.resolve("named.json"));
        assertEquals(dir.resolve("named.json"), Suite.locate("named", dir));
        String msg = assertThrows(ConfigException.class, () -> Suite.locate("nope", dir)).getMessage();
        assertTrue(msg.contains("nope") && msg.contains(dir.resolve("nope.json").toString()), msg);
    }
}
