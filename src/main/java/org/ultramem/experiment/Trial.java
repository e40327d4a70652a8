package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.io.ConfigException;
import org.ultramem.model.ModelConfig;
import org.ultramem.train.RunConfig;
import org.ultramem.train.TrainConfig;

/**
 * One training run of a suite: a {@link RunSpec} at one seed, with its fully resolved config and
 * its directory ({@code <out>/<suite>/<run>-s<seed>}).
 *
 * <p>Resolution, in order: load the run's config file; apply the suite's {@code set}, then the
 * run's, under the same rules as {@code train --set} ({@link RunConfig}); then the suite's fixed settings, which win over both: {@code training.seed} = seed,
 * {@code max_steps} = max(1, round(token_budget / (batch_size · grad_accum · seq_len))),
 * {@code eval_tokens}, {@code eval_every} = max(1, max_steps / evals), {@code checkpoint_every} =
 * max(1, max_steps / checkpoints), {@code log_every} ≤ max(1, max_steps / 50) (so every curve has
 * ≥ 50 points), {@code warmup_steps} clamped to max_steps / 10 when it would exceed max_steps, and
 * {@code data_dir} when the suite or the command line names one.
 *
 * @param config the resolved config JSON (what {@code experiment-config.json} holds)
 */
public record Trial(RunSpec run, long seed, Path dir, ObjectNode config, ModelConfig model, TrainConfig training) {

    /**
     * Resolves {@code run} at {@code seed} under {@code suiteOut}; {@code dataDir} (nullable) wins
     * over the suite's {@code data_dir}.
     */
    public static Trial plan(Suite suite, RunSpec run, long seed, Path suiteOut, String dataDir) {
        String where = "suite `" + suite.name() + "` run `" + run.name() + "` (" + run.config() + ")";
        ObjectNode root;
        try {
            List<String> sets = new ArrayList<>(suite.overrides());
            sets.addAll(run.overrides());
            root = RunConfig.loadTree(run.config(), sets);
            JsonNode t = root.get("training");
            if (t == null || !t.isObject()) {
                throw new ConfigException("the config has no `training` object; add batch_size, seq_len and lr");
            }
            ObjectNode training = (ObjectNode) t;
            long tokensPerStep = (long) training.path("batch_size").asInt(0) * training.path("grad_accum").asInt(1)
                    * training.path("seq_len").asInt(0);
            if (tokensPerStep <= 0) {
                throw new ConfigException("training.batch_size · grad_accum · seq_len must be > 0 (found "
                        + tokensPerStep + ")");
            }
            int maxSteps = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.round(
                    (double) suite.tokenBudget() / tokensPerStep)));
            training.put("max_steps", maxSteps);
            training.put("seed", seed);
            training.put("eval_tokens", suite.evalTokens());
            training.put("eval_every", Math.max(1, maxSteps / suite.evals()));
            training.put("checkpoint_every", Math.max(1, maxSteps / suite.checkpoints()));
            training.put("log_every", Math.max(1, Math.min(training.path("log_every").asInt(10), maxSteps / 50)));
            if (training.path("warmup_steps").asInt(0) > maxSteps) {
                training.put("warmup_steps", maxSteps / 10);
            }
            String data = dataDir != null ? dataDir : suite.dataDir();
            if (data != null) {
                training.put("data_dir", data);
            }
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage(), e);
        }
        RunConfig parsed = RunConfig.parse(root, where); // errors start with `where` too
        return new Trial(run, seed, suiteOut.resolve(run.dirName(seed)), root, parsed.model(),
                parsed.requireTraining());
    }

    /** The resolved config as the trainer takes it. */
    public RunConfig runConfig() {
        return new RunConfig(run.config().toString(), config, model, training);
    }

    /** {@code <run>-s<seed>}, as in the run directory. */
    public String label() {
        return run.dirName(seed);
    }
}
