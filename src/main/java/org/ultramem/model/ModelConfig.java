package org.ultramem.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.KeyReader;

/**
 * Architecture of a decoder-only language model. This is the one place where Hugging Face style
 * snake_case keys ({@code config.json}) meet Java names:
 * <pre>
 *   vocab_size               vocabSize              required, > 0
 *   hidden_size              hiddenSize             required, > 0, divisible by num_attention_heads
 *   num_hidden_layers        numLayers              required, > 0
 *   num_attention_heads      numHeads               required, > 0, head dim even (RoPE)
 *   intermediate_size        intermediateSize       required, > 0 (SwiGLU inner width)
 *   max_position_embeddings  maxPositionEmbeddings  required, > 0 (longest sequence / KV cache)
 *   rms_norm_eps             rmsNormEps             default 1e-5
 *   rope_theta               ropeTheta              default 10000
 *   tie_word_embeddings      tieWordEmbeddings      default true; false is not supported yet
 *   initializer_range        initializerRange       default 0.02
 *   model_type               modelType              default "ultramem"
 * </pre>
 * A training config file carries these keys at top level beside a {@code "training"} and a
 * {@code "data"} object; those two are left to their own parsers. {@code "moe"} and
 * {@code "memory_layers"} are reserved for the sparse variants and rejected until this build
 * supports them. Any other key is an error with a did-you-mean hint.
 */
public record ModelConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads,
                          int intermediateSize, int maxPositionEmbeddings, double rmsNormEps,
                          double ropeTheta, boolean tieWordEmbeddings, double initializerRange,
                          String modelType) {

    /** The only model_type this build reads and writes. */
    public static final String MODEL_TYPE = "ultramem";
    /** Keys of this record, in the order {@link #toJson()} writes them. */
    public static final List<String> KEYS = List.of("model_type", "vocab_size", "hidden_size",
            "intermediate_size", "num_hidden_layers", "num_attention_heads", "max_position_embeddings",
            "rms_norm_eps", "rope_theta", "initializer_range", "tie_word_embeddings");
    /** Sibling objects of a training config that other parsers own. */
    public static final Set<String> IGNORED_OBJECTS = Set.of("training", "data");
    /** Keys reserved for sparse variants (MoE blocks, memory layers), not wired in this build. */
    public static final Set<String> RESERVED = Set.of("moe", "memory_layers");

    /** Validates every field; messages name the JSON key, the value, the rule and the fix. */
    public ModelConfig {
        KeyReader.requirePositive("vocab_size", vocabSize);
        KeyReader.requirePositive("hidden_size", hiddenSize);
        KeyReader.requirePositive("num_hidden_layers", numLayers);
        KeyReader.requirePositive("num_attention_heads", numHeads);
        KeyReader.requirePositive("intermediate_size", intermediateSize);
        KeyReader.requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (hiddenSize % numHeads != 0) {
            throw new ConfigException("config key `hidden_size` (" + hiddenSize + ") must be divisible by"
                    + " `num_attention_heads` (" + numHeads + "); e.g. hidden_size "
                    + Math.max(1, hiddenSize / numHeads) * numHeads + " or num_attention_heads "
                    + largestEvenSplit(hiddenSize, numHeads));
        }
        if ((hiddenSize / numHeads) % 2 != 0) {
            throw new ConfigException("config keys `hidden_size` (" + hiddenSize + ") / `num_attention_heads` ("
                    + numHeads + ") give head dim " + hiddenSize / numHeads
                    + ", which must be even: RoPE rotates pairs of channels");
        }
        requireFinitePositive("rms_norm_eps", rmsNormEps);
        requireFinitePositive("rope_theta", ropeTheta);
        requireFinitePositive("initializer_range", initializerRange);
        if (!tieWordEmbeddings) {
            throw new ConfigException("config key `tie_word_embeddings` (false): untied output embeddings"
                    + " are not supported yet; set it to true");
        }
        if (!MODEL_TYPE.equals(modelType)) {
            throw new ConfigException("config key `model_type` (\"" + modelType + "\") must be \""
                    + MODEL_TYPE + "\"");
        }
        long embed = (long) vocabSize * hiddenSize;
        long ffn = (long) intermediateSize * hiddenSize;
        if (embed > Integer.MAX_VALUE - 16 || ffn > Integer.MAX_VALUE - 16) {
            throw new ConfigException("config keys `vocab_size` (" + vocabSize + "), `hidden_size` ("
                    + hiddenSize + ") and `intermediate_size` (" + intermediateSize
                    + ") make a weight matrix larger than one Java array holds");
        }
    }

    /** A config with the defaults for every optional key. */
    public static ModelConfig of(int vocabSize, int hiddenSize, int numLayers, int numHeads,
                                 int intermediateSize, int maxPositionEmbeddings) {
        return new ModelConfig(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositionEmbeddings, 1e-5, 10000, true, 0.02, MODEL_TYPE);
    }

    /** Width of one attention head: hidden_size / num_attention_heads. */
    public int headDim() {
        return hiddenSize / numHeads;
    }

    /** Trainable parameters: V·D (tied) + L·(4D² + 3·D·I + 2D) + D. */
    public long parameterCount() {
        long d = hiddenSize;
        return (long) vocabSize * d + (long) numLayers * (4 * d * d + 3 * d * intermediateSize + 2 * d) + d;
    }

    /** Parses a model config (or a training config with the model keys at top level). */
    public static ModelConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new ConfigException("a model config must be a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        for (String key : RESERVED) {
            if (root.has(key)) {
                throw new ConfigException("config key `" + key + "` is reserved for sparse variants and"
                        + " not supported in this build; remove it to train a dense model");
            }
        }
        Set<String> known = new LinkedHashSet<>(KEYS);
        known.addAll(IGNORED_OBJECTS);
        KeyReader.rejectUnknown(root, known, "the model config");
        for (String key : IGNORED_OBJECTS) {
            if (root.has(key) && !root.get(key).isObject()) {
                throw new ConfigException("config key `" + key + "` (" + root.get(key) + ") must be an object");
            }
        }
        return new ModelConfig(
                KeyReader.requireInt(root, "vocab_size"),
                KeyReader.requireInt(root, "hidden_size"),
                KeyReader.requireInt(root, "num_hidden_layers"),
                KeyReader.requireInt(root, "num_attention_heads"),
                KeyReader.requireInt(root, "intermediate_size"),
                KeyReader.requireInt(root, "max_position_embeddings"),
                KeyReader.optDouble(root, "rms_norm_eps", 1e-5),
                KeyReader.optDouble(root, "rope_theta", 10000),
                KeyReader.optBool(root, "tie_word_embeddings", true),
                KeyReader.optDouble(root, "initializer_range", 0.02),
                KeyReader.optString(root, "model_type", MODEL_TYPE));
    }

    /** Parses JSON text ({@code source} names it in errors). */
    public static ModelConfig fromJson(String json, String source) {
        return fromJson(ConfigJson.parse(json, source));
    }

    /** Reads {@code config.json} or a training config file; errors name the file. */
    public static ModelConfig load(Path file) {
        ObjectNode root = ConfigJson.load(file);
        try {
            return fromJson(root);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** The Hugging Face style {@code config.json} object (every key, defaults included). */
    public ObjectNode toJsonNode() {
        ObjectNode o = ConfigJson.newObject();
        o.put("model_type", modelType);
        o.put("vocab_size", vocabSize);
        o.put("hidden_size", hiddenSize);
        o.put("intermediate_size", intermediateSize);
        o.put("num_hidden_layers", numLayers);
        o.put("num_attention_heads", numHeads);
        o.put("max_position_embeddings", maxPositionEmbeddings);
        o.put("rms_norm_eps", rmsNormEps);
        o.put("rope_theta", ropeTheta);
        o.put("initializer_range", initializerRange);
        o.put("tie_word_embeddings", tieWordEmbeddings);
        return o;
    }

    /** {@link #toJsonNode()} as indented JSON text. */
    public String toJson() {
        return ConfigJson.toPrettyJson(toJsonNode());
    }

    private static void requireFinitePositive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new ConfigException("config key `" + key + "` (" + value + ") must be a finite number > 0");
        }
    }

    /** The largest head count ≤ heads that divides hidden into even head widths (at least 1). */
    private static int largestEvenSplit(int hidden, int heads) {
        for (int h = heads; h > 1; h--) {
            if (hidden % h == 0 && (hidden / h) % 2 == 0) {
                return h;
            }
        }
        return 1;
    }
}
