package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.KeyReader;

/**
 * A named list of training runs sharing one token budget and evaluation settings, read from a
 * JSON file in {@code configs/experiments/}:
 * <pre>{@code
 * {
 *   "name": "main", "description": "...",
 *   "token_budget": 5000000,          // tokens per run -> training.max_steps = round(budget / (batch·accum·seq))
 *   "seeds": [1, 2],                  // default seeds of every run
 *   "eval": {"eval_tokens": 131072, "evals": 10},   // evaluations per run (eval_every = max_steps / evals)
 *   "checkpoints": 10,                // checkpoints per run (what an interrupted run resumes from)
 *   "data_dir": "data",               // optional; else each config's training.data_dir
 *   "set": ["training.lr=2e-3"],      // overrides applied to every run, before the run's own
 *   "runs": [ {"name": "dense", "config": "../family-dense.json", "set": [], "seeds": [1, 2],
 *              "paper_delta": -0.006} ],
 *   "claims": [ {"kind": "below", "subject": "ultramem", "runs": ["pkm", "dense"], "text": "..."} ],
 *   "facts_eval": false               // optional; true: `eval --facts` on each finished trial (data_dir is a
 *                                     // facts folder), result in its facts-eval.json, knowledge in the report
 * }
 * }</pre>
 * Config paths are relative to the suite file's folder. Unknown keys are rejected.
 */
public record Suite(String name, String description, Path file, long tokenBudget, long evalTokens, int evals,
                    int checkpoints, String dataDir, List<String> overrides, List<RunSpec> runs,
                    List<ClaimSpec> claims, boolean factsEval) {

    private static final Set<String> KEYS = Set.of("name", "description", "token_budget", "seeds", "eval",
            "checkpoints", "data_dir", "set", "runs", "claims", "facts_eval");
    private static final Set<String> RUN_KEYS = Set.of("name", "config", "set", "seeds", "paper_delta");
    private static final Set<String> EVAL_KEYS = Set.of("eval_tokens", "evals");
    private static final Set<String> CLAIM_KEYS = Set.of("kind", "subject", "runs", "text", "factor");

    /** A suite without the facts evaluation. */
    public Suite(String name, String description, Path file, long tokenBudget, long evalTokens, int evals,
                 int checkpoints, String dataDir, List<String> overrides, List<RunSpec> runs, List<ClaimSpec> claims) {
        this(name, description, file, tokenBudget, evalTokens, evals, checkpoints, dataDir, overrides, runs, claims,
                false);
    }

    public Suite {
        KeyReader.requirePositive("token_budget", tokenBudget);
        KeyReader.requirePositive("eval.eval_tokens", evalTokens);
        KeyReader.requirePositive("eval.evals", evals);
        KeyReader.requirePositive("checkpoints", checkpoints);
        overrides = List.copyOf(overrides);
        runs = List.copyOf(runs);
        claims = List.copyOf(claims);
        Set<String> names = new HashSet<>();
        for (RunSpec r : runs) {
            if (!names.add(r.name())) {
                throw new ConfigException("suite `" + name + "` has two runs named `" + r.name()
                        + "`; names must be unique");
            }
        }
        for (ClaimSpec c : claims) {
            List<String> refs = new ArrayList<>(c.runs());
            if (c.subject() != null) {
                refs.add(c.subject());
            }
            for (String ref : refs) {
                if (!names.contains(ref)) {
                    throw new ConfigException("suite `" + name + "`: claim `" + c.kind() + "` names run `" + ref
                            + "`, which the suite does not have" + KeyReader.suggestion(ref, names));
                }
            }
        }
    }

    /**
     * The suite file for {@code nameOrPath}: the path itself when it is an existing file, else
     * {@code suitesDir/<name>.json}. Fails naming both places when neither exists.
     */
    public static Path locate(String nameOrPath, Path suitesDir) {
        Path direct = Path.of(nameOrPath);
        if (Files.isRegularFile(direct)) {
            return direct;
        }
        Path named = suitesDir.resolve(nameOrPath + ".json");
        if (Files.isRegularFile(named)) {
            return named;
        }
        throw new ConfigException("suite `" + nameOrPath + "` not found: neither a file of that name nor " + named
                + " exists; pass a suite name from " + suitesDir + " (e.g. smoke, main) or a path to a suite file");
    }

    /** Reads and validates a suite file (errors name the file). */
    public static Suite load(Path file) {
        ObjectNode root = ConfigJson.load(file);
        try {
            return fromJson(root, file);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    private static Suite fromJson(JsonNode root, Path file) {
        KeyReader.rejectUnknown(root, KEYS, "the suite file");
        String name = KeyReader.requireString(root, "name");
        List<Long> defaultSeeds = root.has("seeds") ? longs(root.get("seeds"), "seeds") : List.of(1L);
        JsonNode eval = root.path("eval");
        if (!eval.isMissingNode()) {
            KeyReader.rejectUnknown(eval, EVAL_KEYS, "the suite's `eval` object");
        }
        Path base = file.toAbsolutePath().getParent();
        List<RunSpec> runs = new ArrayList<>();
        JsonNode runsNode = root.get("runs");
        if (runsNode == null || !runsNode.isArray() || runsNode.isEmpty()) {
            throw new ConfigException("suite key `runs` must be a non-empty list of {\"name\", \"config\", ...}");
        }
        for (JsonNode r : runsNode) {
            KeyReader.rejectUnknown(r, RUN_KEYS, "a run of the suite");
            String runName = KeyReader.requireString(r, "name");
            runs.add(new RunSpec(runName, base.resolve(KeyReader.requireString(r, "config")).normalize(),
                    strings(r.get("set"), "runs." + runName + ".set"),
                    r.has("seeds") ? longs(r.get("seeds"), "runs." + runName + ".seeds") : defaultSeeds,
                    KeyReader.optDouble(r, "paper_delta", Double.NaN)));
        }
        List<ClaimSpec> claims = new ArrayList<>();
        for (JsonNode c : root.path("claims")) {
            KeyReader.rejectUnknown(c, CLAIM_KEYS, "a claim of the suite");
            claims.add(new ClaimSpec(KeyReader.requireString(c, "kind"), KeyReader.optString(c, "subject", null),
                    strings(c.get("runs"), "claims.runs"), KeyReader.optString(c, "text", ""),
                    KeyReader.optDouble(c, "factor", 1.0)));
        }
        return new Suite(name, KeyReader.optString(root, "description", ""), file,
                KeyReader.optLong(root, "token_budget", 0), eval.isMissingNode() ? 131072
                : KeyReader.optLong(eval, "eval_tokens", 131072),
                eval.isMissingNode() ? 10 : KeyReader.optInt(eval, "evals", 10),
                KeyReader.optInt(root, "checkpoints", 10), KeyReader.optString(root, "data_dir", null),
                strings(root.get("set"), "set"), runs, claims, KeyReader.optBool(root, "facts_eval", false));
    }

    /** This suite with every run's seeds replaced by {@code n} seeds ({@link RunSpec#withSeedCount}). */
    public Suite withSeedCount(int n) {
        return new Suite(name, description, file, tokenBudget, evalTokens, evals, checkpoints, dataDir, overrides,
                runs.stream().map(r -> r.withSeedCount(n)).toList(), claims, factsEval);
    }

    /** The run called {@code runName}; fails with a did-you-mean when there is none. */
    public RunSpec run(String runName) {
        for (RunSpec r : runs) {
            if (r.name().equals(runName)) {
                return r;
            }
        }
        throw new ConfigException("suite `" + name + "` has no run `" + runName + "`"
                + KeyReader.suggestion(runName, runs.stream().map(RunSpec::name).toList()));
    }

    private static List<String> strings(JsonNode node, String key) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new ConfigException("suite key `" + key + "` (" + node + ") must be a list of strings");
        }
        for (JsonNode e : node) {
            if (!e.isTextual()) {
                throw new ConfigException("suite key `" + key + "` entry (" + e + ") must be a string");
            }
            out.add(e.textValue());
        }
        return out;
    }

    private static List<Long> longs(JsonNode node, String key) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw new ConfigException("suite key `" + key + "` (" + node
                    + ") must be a non-empty list of integer seeds");
        }
        List<Long> out = new ArrayList<>();
        for (JsonNode e : node) {
            if (!e.canConvertToLong() || !e.isIntegralNumber()) {
                throw new ConfigException("suite key `" + key + "` entry (" + e + ") must be an integer seed");
            }
            out.add(e.longValue());
        }
        return out;
    }
}
