package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every suite in configs/experiments parses and every trial's config resolves (no training). */
class SuiteFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"smoke", "main", "ablation", "scaling", "recipe"})
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
}
