package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.ultramem.model.ModelCost;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every suite in configs/experiments parses and every trial's config resolves (no training). */
class SuiteFilesTest {

    /** Every suite file, so a new suite is covered without touching this test. */
    static Stream<String> suiteNames() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("configs/experiments"))) {
            List<String> names = files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".json"))
                    .map(n -> n.substring(0, n.length() - ".json".length())).sorted().toList();
            assertTrue(names.containsAll(List.of("smoke", "main", "long", "remedies", "knowledge")), names.toString());
            return names.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("suiteNames")
    void suiteParsesAndEveryTrialResolves(String name) {
        Suite suite = Suite.load(Suite.locate(name, Path.of("configs/experiments")));
        assertEquals(name, suite.name());
        List<Trial> trials = new ExperimentRunner(suite, new ExperimentRunner.Options(Path.of("unused"), null, null, -1))
                .plan();
        int expected = suite.runs().stream().mapToInt(r -> r.seeds().size()).sum();
        assertEquals(expected, trials.size());
        for (Trial t : trials) {
            long tokens = t.training().maxSteps() * t.training().tokensPerStep();
            assertTrue(Math.abs(tokens - suite.tokenBudget()) <= t.training().tokensPerStep() / 2,
                    t.label() + " trains " + tokens + " tokens for a budget of " + suite.tokenBudget());
            assertEquals(t.seed(), t.training().seed());
        }
    }

    @Test
    void knowledgeRunsAreMatchedInFlopsAndTheSparseOnesInParameters() {
        Suite suite = Suite.load(Suite.locate("knowledge", Path.of("configs/experiments")));
        java.util.Map<String, ModelCost> cost = new java.util.HashMap<>();
        java.util.Map<String, Trial> trial = new java.util.HashMap<>();
        for (Trial t : new ExperimentRunner(suite, new ExperimentRunner.Options(Path.of("unused"), null, null, -1))
                .plan()) {
            cost.put(t.run().name(), ModelCost.of(t.model()));
            trial.put(t.run().name(), t);
        }
        double dense = cost.get("dense").flopsPerToken();
        double sparse = cost.get("moe").totalParams();
        for (String r : List.of("moe", "pkm", "ultramem", "ultramem-v2")) {
            assertEquals(1.0, cost.get(r).flopsPerToken() / dense, 0.05, r + " FLOPs/token vs dense");
            assertEquals(1.0, cost.get(r).totalParams() / sparse, 0.05, r + " parameters vs moe");
            assertTrue(cost.get(r).totalParams() > 8 * cost.get("dense").totalParams(), r);
        }
        // V2 as the v2 suite trains it: a memory in every block, key-balance loss 1e-3
        var v2 = trial.get("ultramem-v2").model().memoryLayers();
        assertEquals(trial.get("ultramem-v2").model().numLayers(), v2.size());
        assertTrue(v2.stream().allMatch(m -> m.ultraMemV2() != null && m.ultraMemV2().config().balanceCoef() == 1e-3),
                v2.toString());
        assertTrue(cost.get("ultramem-k82").totalParams() < cost.get("ultramem").totalParams());
        assertTrue(cost.get("ultramem-k328").totalParams() > 3 * cost.get("ultramem").totalParams());
    }
}
