package org.ultramem.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.KeyReader;
import org.ultramem.model.ModelConfig;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.moe.MoeConfig;

/**
 * A run config file after its {@code --set} overrides: the model keys at top level, a
 * {@code training} object, optionally a {@code data} object. The one loader behind
 * {@code ultramem train}, {@code ultramem inspect --config} and a suite's trials, so all three
 * accept and reject the same files and overrides:
 * <ol>
 *   <li>the file must be a JSON object ({@link ConfigJson#load});</li>
 *   <li>each {@code key=value} is applied in order ({@link ConfigJson#set}). A key the config
 *       already has may always be set (step 3 checks it). A new key must be one the parsers read:
 *       a model key ({@link ModelConfig#KEYS}, {@link ModelConfig#SPARSE_KEYS}),
 *       {@code training.<key>} ({@link TrainConfig#KEYS}), {@code moe.<key>} or
 *       {@code memory_layers.<i>.<key>}; any other is refused, named, with a did-you-mean;</li>
 *   <li>the model keys are parsed strictly by {@link ModelConfig#fromJson}, and the training
 *       object, when present, by {@link TrainConfig#fromJson} (both reject unknown keys).</li>
 * </ol>
 * A config without a {@code training} object is a model-only config: {@code inspect} accepts it,
 * training asks for the object ({@link #requireTraining}).
 *
 * @param source names the config in errors (its path)
 * @param training null for a model-only config
 */
public record RunConfig(String source, ObjectNode root, ModelConfig model, TrainConfig training) {

    private static final Pattern MEMORY_LAYER_KEY = Pattern.compile("memory_layers\\.(\\d{1,9})\\.([^.]+)");

    /** Loads {@code file}, applies {@code overrides} and parses it; errors name the file. */
    public static RunConfig load(Path file, List<String> overrides) {
        return parse(loadTree(file, overrides), file.toString());
    }

    /**
     * Loads {@code file} and applies {@code overrides} (steps 1 and 2), for callers that edit the
     * tree before {@link #parse} (a suite fixes max_steps, seed and the cadences).
     */
    public static ObjectNode loadTree(Path file, List<String> overrides) {
        ObjectNode root = ConfigJson.load(file);
        applyOverrides(root, overrides);
        return root;
    }

    /** Applies {@code key=value} overrides in order under the rules of step 2. */
    public static void applyOverrides(ObjectNode root, List<String> overrides) {
        for (String o : overrides) {
            int eq = o.indexOf('=');
            String key = eq > 0 ? o.substring(0, eq).strip() : "";
            if (eq > 0 && !exists(root, key) && !mayAdd(key)) {
                throw new ConfigException("--set " + o + ": config key `" + key + "` is not a run config"
                        + " key" + KeyReader.suggestion(key, candidates(key)));
            }
            ConfigJson.applyOverrides(root, List.of(o), k -> true);
        }
    }

    /** Parses a config tree (step 3); errors are prefixed with {@code source}. */
    public static RunConfig parse(ObjectNode root, String source) {
        try {
            JsonNode t = root.get("training");
            TrainConfig training = t == null || t.isNull() ? null : TrainConfig.fromJson(t);
            return new RunConfig(source, root, ModelConfig.fromJson(root), training);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigException(source + ": " + e.getMessage(), e);
        }
    }

    /** The training config; fails naming the file when this is a model-only config. */
    public TrainConfig requireTraining() {
        if (training == null) {
            throw new ConfigException(source + ": config key `training` is missing; a run config needs"
                    + " \"training\": {\"batch_size\": ..., \"seq_len\": ..., \"lr\": ..., \"max_steps\": ...}");
        }
        return training;
    }

    /** Whether the dotted {@code key} already names a node of {@code root}. */
    private static boolean exists(JsonNode root, String key) {
        JsonNode node = root;
        for (String part : key.split("\\.", -1)) {
            if (node.isObject()) {
                node = node.get(part);
            } else if (node.isArray() && part.matches("\\d{1,9}")) {
                node = node.get(Integer.parseInt(part));
            } else {
                return false;
            }
            if (node == null) {
                return false;
            }
        }
        return true;
    }

    /** Whether a parser reads {@code key}, so {@code --set} may add it. */
    private static boolean mayAdd(String key) {
        if (key.startsWith("training.")) {
            return TrainConfig.KEYS.contains(key.substring("training.".length()));
        }
        if (key.startsWith("moe.")) {
            return MoeConfig.KEYS.contains(key.substring("moe.".length()));
        }
        Matcher m = MEMORY_LAYER_KEY.matcher(key);
        if (m.matches()) {
            return memoryLayerKeys().contains(m.group(2));
        }
        return ModelConfig.KEYS.contains(key) || ModelConfig.SPARSE_KEYS.contains(key);
    }

    /** The keys a did-you-mean for {@code key} draws from: its section's keys, else every key. */
    private static List<String> candidates(String key) {
        List<String> section = new ArrayList<>();
        Matcher m = MEMORY_LAYER_KEY.matcher(key);
        String layer = m.matches() ? "memory_layers." + m.group(1) + "." : "memory_layers.0.";
        if (key.startsWith("training.")) {
            TrainConfig.KEYS.forEach(k -> section.add("training." + k));
        } else if (key.startsWith("moe.")) {
            MoeConfig.KEYS.forEach(k -> section.add("moe." + k));
        } else if (m.matches()) {
            memoryLayerKeys().forEach(k -> section.add(layer + k));
        }
        if (!section.isEmpty() && !KeyReader.closeMatches(key, section).isEmpty()) {
            return section;
        }
        Set<String> all = new LinkedHashSet<>(ModelConfig.KEYS);
        all.addAll(ModelConfig.SPARSE_KEYS);
        TrainConfig.KEYS.forEach(k -> all.add("training." + k));
        MoeConfig.KEYS.forEach(k -> all.add("moe." + k));
        memoryLayerKeys().forEach(k -> all.add(layer + k));
        return section.isEmpty() || !KeyReader.closeMatches(key, all).isEmpty() ? List.copyOf(all) : section;
    }

    private static Set<String> memoryLayerKeys() {
        Set<String> keys = new LinkedHashSet<>(List.of("mem_type", "placement"));
        keys.addAll(UltraMemConfig.KEYS);
        keys.addAll(PkmConfig.PKM_KEYS);
        keys.addAll(UltraMemV2Config.KEYS);
        return keys;
    }
}
