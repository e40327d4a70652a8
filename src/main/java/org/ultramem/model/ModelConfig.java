package org.ultramem.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.KeyReader;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.moe.MoeConfig;

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
 Sparse variants (spec §C, §E):
 * <pre>
 *   moe                      moe                    object of moe_* keys ({@link MoeConfig}); null =
 *                                                   dense SwiGLU in every block
 *   memory_layers            memoryLayers           list of {"mem_type": "ultramem"|"pkm",
 *                                                   "placement": "i:j", ...} ({@link MemorySpec}),
 *                                                   and at most one {"mem_type": "ultramem_v2",
 *                                                   "mem_insert_way": "full"|"i:j/...", ...}:
 *                                                   L V2 layers sharing one value table
 *   memory_placement         (read only)            shorthand "1:2/3:4": with exactly one
 *                                                   memory_layers entry (no placement in it),
 *                                                   one layer per "i:j"; written back expanded
 *   memory_allow_overlap     memoryAllowOverlap     default false; placements are checked by
 *                                                   {@link LayerPlan}
 * </pre>
 * A training config file carries these keys at top level beside a {@code "training"} and a
 * {@code "data"} object; those two are left to their own parsers. Any other key is an error with
 * a did-you-mean hint; unknown keys inside {@code moe} and each memory layer are errors too.
 */
public record ModelConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads,
                          int intermediateSize, int maxPositionEmbeddings, double rmsNormEps,
                          double ropeTheta, boolean tieWordEmbeddings, double initializerRange,
                          String modelType, MoeConfig moe, List<MemorySpec> memoryLayers,
                          boolean memoryAllowOverlap) {

    /** The only model_type this build reads and writes. */
    public static final String MODEL_TYPE = "ultramem";
    /** Keys of this record, in the order {@link #toJson()} writes them. */
    public static final List<String> KEYS = List.of("model_type", "vocab_size", "hidden_size",
            "intermediate_size", "num_hidden_layers", "num_attention_heads",
            "max_position_embeddings",
            "rms_norm_eps", "rope_theta", "initializer_range", "tie_word_embeddings");
    /** Sibling objects of a training config that other parsers own. */
    public static final Set<String> IGNORED_OBJECTS = Set.of("training", "data");
    /** Keys of the sparse variants (MoE blocks, memory layers). */
    public static final List<String> SPARSE_KEYS = List.of("moe", "memory_layers",
            "memory_placement", "memory_allow_overlap");

    /** Validates every field; messages name the JSON key, the value, the rule and the fix. */
    public ModelConfig {
        KeyReader.requirePositive("vocab_size", vocabSize);
        KeyReader.requirePositive("hidden_size", hiddenSize);
        KeyReader.requirePositive("num_hidden_layers", numLayers);
        KeyReader.requirePositive("num_attention_heads", numHeads);
        KeyReader.requirePositive("intermediate_size", intermediateSize);
        KeyReader.requirePositive("max_position_embeddings", maxPositionEmbeddings);
        if (hiddenSize % numHeads != 0) {
            throw new ConfigException("config key `hidden_size` (" + hiddenSize
                    + ") must be divisible by"
                    + " `num_attention_heads` (" + numHeads + "); e.g. hidden_size "
                    + Math.max(1, hiddenSize / numHeads) * numHeads + " or num_attention_heads "
                    + largestEvenSplit(hiddenSize, numHeads));
        }
        if ((hiddenSize / numHeads) % 2 != 0) {
            throw new ConfigException("config keys `hidden_size` (" + hiddenSize
                    + ") / `num_attention_heads` ("
                    + numHeads + ") give head dim " + hiddenSize / numHeads
                    + ", which must be even: RoPE rotates pairs of channels");
        }
        requireFinitePositive("rms_norm_eps", rmsNormEps);
        requireFinitePositive("rope_theta", ropeTheta);
        requireFinitePositive("initializer_range", initializerRange);
        if (!tieWordEmbeddings) {
            throw new ConfigException("config key `tie_word_embeddings` (false): untied output"
                    + " embeddings are not supported yet; set it to true");
        }
        if (!MODEL_TYPE.equals(modelType)) {
            throw new ConfigException("config key `model_type` (\"" + modelType + "\") must be \""
                    + MODEL_TYPE + "\"");
        }
        long embed = (long) vocabSize * hiddenSize;
        long ffn = (long) intermediateSize * hiddenSize;
        if (embed > Integer.MAX_VALUE - 16 || ffn > Integer.MAX_VALUE - 16) {
            throw new ConfigException("config keys `vocab_size` (" + vocabSize
                    + "), `hidden_size` ("
                    + hiddenSize + ") and `intermediate_size` (" + intermediateSize
                    + ") make a weight matrix larger than one Java array holds");
        }
        memoryLayers = memoryLayers == null ? List.of() : List.copyOf(memoryLayers);
        if (moe != null) {
            try {
                moe.checkLayers(numLayers);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("config object `moe`: " + e.getMessage(), e);
            }
        }
        for (int l = 0; l < memoryLayers.size(); l++) {
            if (memoryLayers.get(l).index() != l) {
                throw new IllegalArgumentException("memory layer at position " + l
                        + " carries index " + memoryLayers.get(l).index() + "; indices must be 0..n-1");
            }
        }
        checkV2(memoryLayers);
        LayerPlan.of(memoryLayers, numLayers, memoryAllowOverlap);
    }

    /**
     * The V2 layers (if any) are consecutive, carry layer ids 0..L−1 in order and share one
     * config and L: they read one value table ({@link MemorySpec#expandV2} builds them so).
     */
    private static void checkV2(List<MemorySpec> specs) {
        MemorySpec first = null;
        int seen = 0;
        for (MemorySpec s : specs) {
            MemorySpec.V2 v = s.ultraMemV2();
            if (v == null) {
                continue;
            }
            if (first == null) {
                first = s;
            }
            MemorySpec.V2 f = first.ultraMemV2();
            if (v.layerId() != seen || s.index() != first.index() + seen
                    || !v.config().equals(f.config()) || v.layers() != f.layers()) {
                throw new ConfigException("memory_layers: the UltraMemV2 layers must come from one"
                        + " \"ultramem_v2\" entry (one config, layer ids 0..L-1 in order); layer "
                        + s.index() + " has V2 id " + v.layerId() + "; write one ultramem_v2 entry"
                        + " and place its layers with mem_insert_way");
            }
            seen++;
        }
        if (first != null && seen != first.ultraMemV2().layers()) {
            throw new ConfigException("memory_layers: " + seen + " UltraMemV2 layers but their"
                    + " shared table is sized for " + first.ultraMemV2().layers()
                    + "; build them with MemorySpec.expandV2");
        }
    }

    /** A dense config (no MoE, no memory layers). */
    public ModelConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads,
                       int intermediateSize, int maxPositionEmbeddings, double rmsNormEps,
                       double ropeTheta, boolean tieWordEmbeddings, double initializerRange,
                       String modelType) {
        this(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositionEmbeddings,
                rmsNormEps, ropeTheta, tieWordEmbeddings, initializerRange, modelType, null,
                List.of(), false);
    }

    /** This config with MoE blocks and memory layers replaced. */
    public ModelConfig withSparse(MoeConfig moe, List<MemorySpec> memoryLayers,
                                  boolean memoryAllowOverlap) {
        return new ModelConfig(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize,
                maxPositionEmbeddings, rmsNormEps, ropeTheta, tieWordEmbeddings, initializerRange,
                modelType, moe, memoryLayers, memoryAllowOverlap);
    }

    /** The validated placement of the memory layers. */
    public LayerPlan layerPlan() {
        return LayerPlan.of(memoryLayers, numLayers, memoryAllowOverlap);
    }

    /** True when block {@code block} uses an MoE feed-forward instead of the dense SwiGLU. */
    public boolean isMoeBlock(int block) {
        return moe != null && moe.appliesTo(block);
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

    /**
     * Trainable parameters: V·D (tied) + L·(4D² + 2D) + D, plus per block the dense FFN 3·D·I or
     * the MoE block, plus every memory layer.
     */
    public long parameterCount() {
        long d = hiddenSize;
        long total = (long) vocabSize * d + numLayers * (4 * d * d + 2 * d) + d;
        for (int l = 0; l < numLayers; l++) {
            total += isMoeBlock(l) ? moe.parameterCount(hiddenSize) : 3 * d * intermediateSize;
        }
        for (MemorySpec s : memoryLayers) {
            if (s.ultraMemV2() != null) {
                total += ultraMemV2Parameters(s.ultraMemV2(), d);
            } else {
                total += s.pkm() != null ? s.pkm().parameterCount(hiddenSize)
                        : ultraMemParameters(s.ultraMem(), d);
            }
        }
        return total;
    }

    /** One V2 retrieval layer, plus the shared V and Pre once (with layer id 0). */
    private static long ultraMemV2Parameters(MemorySpec.V2 v, long d) {
        var c = v.config();
        var g = v.geometry();
        long dk = c.keyDim();
        long total = 4 * dk * d + 2 * dk + (long) c.heads() * 2 * g.keysPerSide() * dk * 2
                + (long) c.tuckerCores() * c.heads() * 4 + d * c.poolWidth()
                + (long) c.preValueDim() * d;
        if (v.layerId() == 0) {
            total += (long) g.allValueNum() * (c.valueDim() + c.preValueDim());
        }
        return total;
    }

    private static long ultraMemParameters(UltraMemConfig u, long d) {
        long dk = u.keyDim();
        long r = u.tuckerRank();
        long total = u.querySlots() * 2 * dk * d + (u.qkNorm() ? 2 * dk : 0)
                + (long) u.heads() * 2 * u.keysPerSide() * dk * r
                + (u.tdqkr() ? (long) u.tuckerCores() * u.heads() * r * r : 0)
                + (long) u.valueNum() * u.valueDim();
        total += u.remedies().queryBatchNorm() ? 2L * u.querySlots() * 2 * dk : 0;
        total += switch (u.remedies().outputGate()) {
            case "scale" -> d;
            case "silu" -> d * d;
            default -> 0;
        };
        return total + (u.outputProjection() ? d * u.valueExpand() * u.valueDim() : 0);
    }

    /** Parses a model config (or a training config with the model keys at top level). */
    public static ModelConfig fromJson(JsonNode root) {
        if (root == null || !root.isObject()) {
            throw new ConfigException("a model config must be a JSON object, got "
                    + (root == null ? "nothing" : root.getNodeType().toString().toLowerCase()));
        }
        Set<String> known = new LinkedHashSet<>(KEYS);
        known.addAll(IGNORED_OBJECTS);
        known.addAll(SPARSE_KEYS);
        KeyReader.rejectUnknown(root, known, "the model config");
        for (String key : IGNORED_OBJECTS) {
            if (root.has(key) && !root.get(key).isObject()) {
                throw new ConfigException("config key `" + key + "` (" + root.get(key)
                        + ") must be an object");
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
                KeyReader.optString(root, "model_type", MODEL_TYPE),
                parseMoe(root.get("moe")),
                parseMemoryLayers(root, KeyReader.requireInt(root, "num_hidden_layers")),
                KeyReader.optBool(root, "memory_allow_overlap", false));
    }

    private static MoeConfig parseMoe(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            throw new ConfigException("config key `moe` (" + node + ") must be an object of"
                    + " moe_* keys, e.g. {\"moe_num_experts\": 8, \"moe_intermediate_size\": 256}");
        }
        MemorySpec.rejectForeign(node, "moe_", Set.of(), "config object `moe`");
        try {
            return MoeConfig.fromJson(node);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("config object `moe`: " + e.getMessage(), e);
        }
    }

    private static List<MemorySpec> parseMemoryLayers(JsonNode root, int numLayers) {
        JsonNode list = root.get("memory_layers");
        JsonNode shorthand = root.get("memory_placement");
        if (list == null || list.isNull()) {
            if (shorthand != null && !shorthand.isNull()) {
                throw new ConfigException("config key `memory_placement` needs `memory_layers`"
                        + " with one entry (the layer to place); add it or remove memory_placement");
            }
            return List.of();
        }
        if (!list.isArray()) {
            throw new ConfigException("config key `memory_layers` (" + list + ") must be a list of"
                    + " objects like {\"mem_type\": \"ultramem\", \"placement\": \"1:2\", ...}");
        }
        List<JsonNode> entries = new ArrayList<>();
        list.forEach(entries::add);
        boolean anyV2 = entries.stream().anyMatch(MemorySpec::isV2Entry);
        if (anyV2 && shorthand != null && !shorthand.isNull()) {
            throw new ConfigException("config key `memory_placement` does not apply to an"
                    + " \"ultramem_v2\" entry; place its layers with the entry's `mem_insert_way`"
                    + " (\"full\" or \"i:j/...\") and remove memory_placement");
        }
        if (shorthand != null && !shorthand.isNull()) {
            if (!shorthand.isTextual()) {
                throw new ConfigException("config key `memory_placement` (" + shorthand
                        + ") must be a string like \"1:2/3:4\"");
            }
            if (entries.size() != 1 || !entries.get(0).isObject()
                    || entries.get(0).has("placement")) {
                throw new ConfigException("config key `memory_placement` (\"" + shorthand.textValue()
                        + "\") needs exactly one memory_layers entry without `placement` (found "
                        + entries.size() + " entries); put placements in the entries instead");
            }
            ObjectNode template = (ObjectNode) entries.get(0);
            entries.clear();
            for (String p : LayerPlan.splitShorthand(shorthand.textValue())) {
                entries.add(template.deepCopy().put("placement", p));
            }
        }
        List<MemorySpec> specs = new ArrayList<>();
        int v2Entry = -1;
        for (int e = 0; e < entries.size(); e++) {
            String where = "memory_layers[" + e + "]";
            if (!MemorySpec.isV2Entry(entries.get(e))) {
                specs.add(MemorySpec.fromJson(entries.get(e), specs.size(), where));
                continue;
            }
            if (v2Entry >= 0) {
                throw new ConfigException(where + ": a second \"ultramem_v2\" entry (the first is"
                        + " memory_layers[" + v2Entry + "]); all V2 layers share one value table"
                        + " and one config: place them with one entry's `mem_insert_way`");
            }
            v2Entry = e;
            KeyReader.requirePositive("num_hidden_layers", numLayers); // before expanding "full"
            specs.addAll(MemorySpec.expandV2(entries.get(e), specs.size(), numLayers, where));
        }
        return specs;
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
        if (moe != null) {
            o.set("moe", moe.toJson());
        }
        if (!memoryLayers.isEmpty()) {
            ArrayNode a = o.putArray("memory_layers");
            for (MemorySpec s : memoryLayers) {
                if (s.ultraMemV2() == null || s.ultraMemV2().layerId() == 0) {
                    a.add(s.toJson()); // the V2 layers are one entry
                }
            }
            o.put("memory_allow_overlap", memoryAllowOverlap);
        }
        return o;
    }

    /** {@link #toJsonNode()} as indented JSON text. */
    public String toJson() {
        return ConfigJson.toPrettyJson(toJsonNode());
    }

    private static void requireFinitePositive(String key, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new ConfigException("config key `" + key + "` (" + value
                    + ") must be a finite number > 0");
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
