package org.ultramem.nn.moe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.ultramem.io.ConfigException;
import org.ultramem.io.KeyReader;

/**
 * Configuration of the MoE feed-forward blocks (spec §E.3, §F.4; OLMoE defaults). The HF-style
 * JSON keys live here and nowhere else: {@link #fromJson} reads them, {@link #toJson} writes them.
 *
 * <table>
 *   <caption>JSON keys</caption>
 *   <tr><th>key</th><th>field</th><th>default</th><th>rule</th></tr>
 *   <tr><td>{@code moe_num_experts}</td><td>{@link #numExperts} (N)</td><td>required</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code moe_top_k}</td><td>{@link #topK}</td><td>2</td><td>1 ≤ k ≤ N</td></tr>
 *   <tr><td>{@code moe_intermediate_size}</td><td>{@link #intermediateSize} (d_e)</td><td>required</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code moe_aux_loss_coef}</td><td>{@link #auxLossCoef}</td><td>0.01</td><td>finite, ≥ 0</td></tr>
 *   <tr><td>{@code moe_z_loss_coef}</td><td>{@link #zLossCoef}</td><td>0.001</td><td>finite, ≥ 0</td></tr>
 *   <tr><td>{@code moe_normalize_topk}</td><td>{@link #normalizeTopK}</td><td>false (OLMoE)</td><td></td></tr>
 *   <tr><td>{@code moe_layers}</td><td>{@link #layers}</td><td>"all"</td><td>"all" or a list of distinct block indices ≥ 0</td></tr>
 * </table>
 *
 * @param numExperts       N SwiGLU experts per MoE block
 * @param topK             experts per token (no token dropping)
 * @param intermediateSize d_e, each expert's inner width (gate/up D→d_e, down d_e→D)
 * @param auxLossCoef      weight of the load-balancing loss N·Σ f_e·P_e
 * @param zLossCoef        weight of the router z-loss mean(logsumexp(logits)²)
 * @param normalizeTopK    combine weights = selected probabilities / their sum (false: raw probabilities)
 * @param layers           the MoE blocks, ascending; {@code null} means every block ("all")
 */
public record MoeConfig(int numExperts, int topK, int intermediateSize, double auxLossCoef,
                        double zLossCoef, boolean normalizeTopK, List<Integer> layers) {

    public static final String NUM_EXPERTS = "moe_num_experts";
    public static final String TOP_K = "moe_top_k";
    public static final String INTERMEDIATE_SIZE = "moe_intermediate_size";
    public static final String AUX_LOSS_COEF = "moe_aux_loss_coef";
    public static final String Z_LOSS_COEF = "moe_z_loss_coef";
    public static final String NORMALIZE_TOPK = "moe_normalize_topk";
    public static final String LAYERS = "moe_layers";
    public static final String ALL_LAYERS = "all";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Every key of an MoE config object. */
    public static final Set<String> KEYS = Set.of(NUM_EXPERTS, TOP_K, INTERMEDIATE_SIZE, AUX_LOSS_COEF,
            Z_LOSS_COEF, NORMALIZE_TOPK, LAYERS);

    /** Validates every field; messages name the JSON key, the value, the rule and the fix. */
    public MoeConfig {
        if (numExperts <= 0) {
            throw bad(NUM_EXPERTS, numExperts, "must be > 0", "set the number of experts, e.g. 8");
        }
        if (topK < 1 || topK > numExperts) {
            throw bad(TOP_K, topK, "must be in [1, " + NUM_EXPERTS + " = " + numExperts + "]",
                    "use e.g. 2");
        }
        if (intermediateSize <= 0) {
            throw bad(INTERMEDIATE_SIZE, intermediateSize, "must be > 0", "set each expert's inner width");
        }
        nonNegative(AUX_LOSS_COEF, auxLossCoef);
        nonNegative(Z_LOSS_COEF, zLossCoef);
        if (layers != null) {
            TreeSet<Integer> sorted = new TreeSet<>();
            for (Integer l : layers) {
                if (l == null || l < 0 || !sorted.add(l)) {
                    throw bad(LAYERS, layers, "must hold distinct block indices >= 0",
                            "write e.g. [1, 3] or \"all\"");
                }
            }
            if (sorted.isEmpty()) {
                throw bad(LAYERS, layers, "must name at least one block", "write e.g. [1, 3] or \"all\"");
            }
            layers = List.copyOf(sorted);
        }
    }

    /** True when block {@code block} uses an MoE feed-forward. */
    public boolean appliesTo(int block) {
        return layers == null || layers.contains(block);
    }

    /** Checks the listed blocks exist in a model of {@code numLayers} blocks. */
    public void checkLayers(int numLayers) {
        if (layers != null && layers.getLast() >= numLayers) {
            throw bad(LAYERS, layers, "names block " + layers.getLast() + " but the model has only "
                    + numLayers + " blocks (0-based)", "use indices below " + numLayers);
        }
    }

    /** Trainable scalars of one MoE block (spec §E.3): router N·D plus N SwiGLU experts 3·D·d_e. */
    public long parameterCount(int hiddenSize) {
        return (long) numExperts * hiddenSize + (long) numExperts * 3 * hiddenSize * intermediateSize;
    }

    /** Scalars each token reads: the router plus its k experts. */
    public long activeParameterCount(int hiddenSize) {
        return (long) numExperts * hiddenSize + (long) topK * 3 * hiddenSize * intermediateSize;
    }

    /** Forward FLOPs per token, 2 per multiply-add of the active parameters (spec §E.3). */
    public double flopsPerToken(int hiddenSize) {
        return 2.0 * activeParameterCount(hiddenSize);
    }

    /**
     * Reads the MoE keys from a config.json object (the whole model config or a sub-object).
     * Other keys are ignored; an unknown {@code moe_*} key is rejected, naming it.
     */
    public static MoeConfig fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("MoE config must be a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.startsWith("moe_") && !KEYS.contains(key)) {
                throw bad(key, node.get(key), "is not a known MoE key", "use one of " + KEYS);
            }
        }
        try {
            return new MoeConfig(
                    KeyReader.requireInt(node, NUM_EXPERTS),
                    KeyReader.optInt(node, TOP_K, 2),
                    KeyReader.requireInt(node, INTERMEDIATE_SIZE),
                    KeyReader.optDouble(node, AUX_LOSS_COEF, 0.01),
                    KeyReader.optDouble(node, Z_LOSS_COEF, 0.001),
                    KeyReader.optBool(node, NORMALIZE_TOPK, false),
                    layersValue(node.get(LAYERS)));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Every key of this config (defaults written out), in a fixed order, for config.json. */
    public ObjectNode toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(NUM_EXPERTS, numExperts);
        m.put(TOP_K, topK);
        m.put(INTERMEDIATE_SIZE, intermediateSize);
        m.put(AUX_LOSS_COEF, auxLossCoef);
        m.put(Z_LOSS_COEF, zLossCoef);
        m.put(NORMALIZE_TOPK, normalizeTopK);
        m.put(LAYERS, layers == null ? ALL_LAYERS : layers);
        return MAPPER.valueToTree(m);
    }

    private static List<Integer> layersValue(JsonNode v) {
        if (v == null || v.isNull() || ALL_LAYERS.equals(v.textValue())) {
            return null;
        }
        if (v.isArray()) {
            List<Integer> out = new ArrayList<>();
            for (JsonNode o : v) {
                if (!o.isIntegralNumber() || !o.canConvertToInt()) {
                    throw bad(LAYERS, v, "must list integer block indices", "write e.g. [1, 3] or \"all\"");
                }
                out.add(o.intValue());
            }
            return out;
        }
        throw bad(LAYERS, v, "must be \"all\" or a list of block indices", "write e.g. [1, 3] or \"all\"");
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw bad(key, v, "must be a finite number >= 0", "use 0 to disable it");
        }
    }

    static IllegalArgumentException bad(String key, Object value, String rule, String fix) {
        return new IllegalArgumentException("config key `" + key + "` (" + value + ") " + rule + "; " + fix);
    }
}
