package org.ultramem.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.ultramem.io.ConfigException;
import org.ultramem.io.KeyReader;

/**
 * The {@code training} object of a run config: batch geometry, optimizer, schedule, evaluation and
 * checkpoint cadence. JSON keys are snake_case (listed in {@link #KEYS}); unknown keys are rejected
 * with a did-you-mean. Steps count optimizer steps; one step sees
 * {@code batchSize · gradAccum · seqLen} tokens.
 *
 * @param noDecay glob patterns of parameters excluded from weight decay, or null to use the
 *     model's own groups (norm gains and biases undecayed)
 * @param valuesOptimizer "dense" (every value-table row every step, as the reference) or "lazy"
 *     (touched rows only; see {@link AdamW})
 * @param collapseWarnSlotFrac {@code collapse_warn_slot_frac}: a memory layer whose rows in use
 *     ({@code mem{ℓ}.slot_frac}) fall below it at an evaluation is reported ({@link CollapseWatch};
 *     0 reports only halvings)
 */
public record TrainConfig(int batchSize, int seqLen, double lr, double minLrRatio, int warmupSteps,
                          int maxSteps, double weightDecay, double beta1, double beta2, double eps,
                          double gradClip, int gradAccum, int evalEvery, long evalTokens,
                          int checkpointEvery, long seed, List<String> noDecay, String dataDir,
                          int logEvery, double valueLrMult, double valueLrDecayFrac,
                          String valuesOptimizer, double collapseWarnSlotFrac) {

    /** Every key the {@code training} object accepts. */
    public static final Set<String> KEYS = new LinkedHashSet<>(List.of(
            "batch_size", "seq_len", "lr", "min_lr_ratio", "warmup_steps", "max_steps", "weight_decay",
            "beta1", "beta2", "eps", "grad_clip", "grad_accum", "eval_every", "eval_tokens",
            "checkpoint_every", "seed", "no_decay", "data_dir", "log_every", "value_lr_mult",
            "value_lr_decay_frac", "values_optimizer", "collapse_warn_slot_frac"));

    public TrainConfig {
        positive("batch_size", batchSize);
        positive("seq_len", seqLen);
        positive("max_steps", maxSteps);
        positive("grad_accum", gradAccum);
        positive("eval_every", evalEvery);
        positive("eval_tokens", evalTokens);
        positive("checkpoint_every", checkpointEvery);
        positive("log_every", logEvery);
        if (!(lr > 0) || !Double.isFinite(lr)) {
            throw new ConfigException("config key `training.lr` (" + lr + ") must be finite and > 0");
        }
        range("min_lr_ratio", minLrRatio, 0, 1);
        range("beta1", beta1, 0, 0.999999);
        range("beta2", beta2, 0, 0.999999999);
        range("weight_decay", weightDecay, 0, 10);
        if (!(eps > 0)) {
            throw new ConfigException("config key `training.eps` (" + eps + ") must be > 0");
        }
        if (!(gradClip >= 0)) {
            throw new ConfigException("config key `training.grad_clip` (" + gradClip + ") must be >= 0 (0 disables)");
        }
        if (warmupSteps < 0 || warmupSteps > maxSteps) {
            throw new ConfigException("config key `training.warmup_steps` (" + warmupSteps
                    + ") must be in [0, max_steps = " + maxSteps + "]");
        }
        if (!(valueLrMult >= 1)) {
            throw new ConfigException("config key `training.value_lr_mult` (" + valueLrMult + ") must be >= 1");
        }
        if (!(valueLrDecayFrac > 0)) {
            throw new ConfigException("config key `training.value_lr_decay_frac` (" + valueLrDecayFrac
                    + ") must be > 0");
        }
        if (lr * valueLrMult * weightDecay >= 1) {
            throw new ConfigException("training.lr · value_lr_mult · weight_decay (" + lr * valueLrMult * weightDecay
                    + ") must be < 1, else weight decay flips parameter signs; lower lr or weight_decay");
        }
        if (!valuesOptimizer.equals("dense") && !valuesOptimizer.equals("lazy")) {
            throw new ConfigException("config key `training.values_optimizer` (\"" + valuesOptimizer
                    + "\") must be \"dense\" or \"lazy\"");
        }
        range("collapse_warn_slot_frac", collapseWarnSlotFrac, 0, 1);
        noDecay = noDecay == null ? null : List.copyOf(noDecay);
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new ConfigException("config key `training." + key + "` (" + v + ") must be > 0");
        }
    }

    private static void range(String key, double v, double lo, double hi) {
        if (!(v >= lo && v <= hi)) {
            throw new ConfigException("config key `training." + key + "` (" + v + ") must be in [" + lo + ", " + hi + "]");
        }
    }

    /** Parses a {@code training} object strictly (unknown keys fail with a did-you-mean). */
    public static TrainConfig fromJson(JsonNode t) {
        if (t == null || !t.isObject()) {
            throw new ConfigException("config key `training` is missing or not an object; add "
                    + "\"training\": {\"batch_size\": ..., \"seq_len\": ..., \"lr\": ..., \"max_steps\": ...}");
        }
        KeyReader.rejectUnknown(t, KEYS, "the `training` object");
        int maxSteps = KeyReader.requireInt(t, "max_steps");
        return new TrainConfig(
                KeyReader.requireInt(t, "batch_size"),
                KeyReader.requireInt(t, "seq_len"),
                KeyReader.requireDouble(t, "lr"),
                KeyReader.optDouble(t, "min_lr_ratio", 0.1),
                KeyReader.optInt(t, "warmup_steps", Math.min(maxSteps, Math.max(1, maxSteps / 20))),
                maxSteps,
                KeyReader.optDouble(t, "weight_decay", 0.1),
                KeyReader.optDouble(t, "beta1", 0.9),
                KeyReader.optDouble(t, "beta2", 0.95),
                KeyReader.optDouble(t, "eps", 1e-8),
                KeyReader.optDouble(t, "grad_clip", 1.0),
                KeyReader.optInt(t, "grad_accum", 1),
                KeyReader.optInt(t, "eval_every", Math.max(1, maxSteps / 10)),
                KeyReader.optLong(t, "eval_tokens", 131072),
                KeyReader.optInt(t, "checkpoint_every", Math.max(1, maxSteps / 4)),
                KeyReader.optLong(t, "seed", 1234),
                readPatterns(t),
                KeyReader.optPath(t, "data_dir", "data"),
                KeyReader.optInt(t, "log_every", 10),
                KeyReader.optDouble(t, "value_lr_mult", 4.0),
                KeyReader.optDouble(t, "value_lr_decay_frac", 1.0),
                KeyReader.optString(t, "values_optimizer", "dense"),
                KeyReader.optDouble(t, "collapse_warn_slot_frac", 0.5));
    }

    private static List<String> readPatterns(JsonNode t) {
        JsonNode v = t.get("no_decay");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw new ConfigException("config key `training.no_decay` (" + v + ") must be a list of name "
                    + "patterns such as [\"*norm*\", \"*bias\"]");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw new ConfigException("config key `training.no_decay` entry (" + e + ") must be a string");
            }
            out.add(e.textValue());
        }
        return out;
    }

    /** This config as a {@code training} JSON object (every key explicit). */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("batch_size", batchSize).put("seq_len", seqLen).put("lr", lr).put("min_lr_ratio", minLrRatio)
                .put("warmup_steps", warmupSteps).put("max_steps", maxSteps).put("weight_decay", weightDecay)
                .put("beta1", beta1).put("beta2", beta2).put("eps", eps).put("grad_clip", gradClip)
                .put("grad_accum", gradAccum).put("eval_every", evalEvery).put("eval_tokens", evalTokens)
                .put("checkpoint_every", checkpointEvery).put("seed", seed);
        if (noDecay != null) {
            ArrayNode a = o.putArray("no_decay");
            noDecay.forEach(a::add);
        }
        o.put("data_dir", dataDir).put("log_every", logEvery).put("value_lr_mult", valueLrMult)
                .put("value_lr_decay_frac", valueLrDecayFrac)
                .put("values_optimizer", valuesOptimizer)
                .put("collapse_warn_slot_frac", collapseWarnSlotFrac);
        return o;
    }

    /** Tokens seen per optimizer step. */
    public long tokensPerStep() {
        return (long) batchSize * gradAccum * seqLen;
    }

    public LrSchedule schedule() {
        return new LrSchedule(lr, minLrRatio, warmupSteps, maxSteps, valueLrMult, valueLrDecayFrac);
    }

    public AdamW.Settings optimizerSettings() {
        return new AdamW.Settings(beta1, beta2, eps, weightDecay, noDecay,
                valuesOptimizer.equals("lazy") ? AdamW.ValuesMode.LAZY : AdamW.ValuesMode.DENSE);
    }
}
