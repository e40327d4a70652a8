package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.ultramem.eval.FactsEvaluator;
import org.ultramem.eval.FactsReport;
import org.ultramem.io.ConfigJson;

/**
 * The facts evaluation of a suite's trial (suites with {@code "facts_eval": true}): {@code ultramem
 * eval --facts} of the trial's final checkpoint on its data folder (all people), stored as
 * {@value #FILE} in the trial directory (the JSON of {@link FactsReport#toJson}). Written after
 * {@code result.json}, so a sitting killed in between evaluates on the next run; a trial that
 * diverged is not evaluated.
 */
final class FactsTrialEval {

    /** The file in a trial directory. */
    static final String FILE = "facts-eval.json";

    private FactsTrialEval() {
    }

    /** Evaluates {@code t} unless done already or unfinished; returns a log line, or null. */
    static String ensure(Trial t) throws IOException {
        Path file = t.dir().resolve(FILE);
        RunResult result = RunResult.read(t.dir());
        if (Files.isRegularFile(file) || result == null || !result.finished()) {
            return null;
        }
        FactsReport r = FactsEvaluator.evaluate(new FactsEvaluator.Options(t.dir(),
                Path.of(t.training().dataDir()), null, FactsEvaluator.DEFAULT_BATCH), line -> { });
        ConfigJson.write(file, r.toJson());
        return String.format(Locale.ROOT, "facts: %.1f bits stored (held-out accuracy %.4f,"
                + " training-template %.4f), %.3e bits/param, %.0f s", r.bits(), r.accuracy(),
                r.accuracyTrainTemplate(), r.bits() / r.cost().totalParams(), r.seconds());
    }

    /** The stored evaluation of the trial in {@code dir}, or null. */
    static JsonNode read(Path dir) {
        Path file = dir.resolve(FILE);
        return Files.isRegularFile(file) ? ConfigJson.load(file) : null;
    }
}
