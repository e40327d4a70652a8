package org.ultramem.nn.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.ultramem.io.ConfigException;
import org.ultramem.io.KeyReader;

/**
 * Configuration of one Product Key Memory layer (Lample et al. 2019; spec §E.2, §F.1).
 * The HF-style JSON keys live here and nowhere else: {@link #fromJson} reads them from a parsed
 * {@code config.json} object and {@link #toJson} writes them back.
 *
 * <table>
 *   <caption>JSON keys</caption>
 *   <tr><th>key</th><th>field</th><th>default</th><th>rule</th></tr>
 *   <tr><td>{@code mem_type}</td><td>–</td><td>"pkm"</td><td>must be "pkm" when present</td></tr>
 *   <tr><td>{@code pkm_heads}</td><td>{@link #heads} (H)</td><td>4</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code pkm_knum}</td><td>{@link #numKeys} (n; n² slots)</td><td>512</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code pkm_kdim}</td><td>{@link #keyDim} (Dq)</td><td>512</td><td>even, &gt; 0</td></tr>
 *   <tr><td>{@code pkm_topk}</td><td>{@link #topK} (k)</td><td>32</td><td>1 ≤ k ≤ n</td></tr>
 *   <tr><td>{@code pkm_query_batchnorm}</td><td>{@link #queryBatchNorm}</td><td>true</td><td></td></tr>
 *   <tr><td>{@code pkm_value_lr}</td><td>{@link #valueLr}</td><td>1e-3</td><td>finite, &gt; 0</td></tr>
 *   <tr><td>{@code placement}</td><td>{@link #placement}</td><td>none (the model decides)</td><td>"i:j", 0 ≤ i ≤ j</td></tr>
 * </table>
 * Defaults for H, n, Dq, k are the PKM paper's (H 4, n 512, Dq 512, k 32); tiny models override them.
 *
 * @param heads          number of memory heads H (their outputs are summed)
 * @param numKeys        sub-keys per side n; the value table has n² rows
 * @param keyDim         full query width Dq per head; each side scores a half of Dq/2
 * @param topK           k: top-k per side, then top-k of the k² candidate sums
 * @param queryBatchNorm BatchNorm1d on the query projection output (XLM default: on)
 * @param valueLr        the value table's own learning rate (PKM recipe: 1e-3)
 * @param placement      "i:j": reads block i's normalized FFN input, output added after block j;
 *                       null when the model decides
 */
public record PkmConfig(int heads, int numKeys, int keyDim, int topK, boolean queryBatchNorm,
                        double valueLr, String placement) {

    public static final String MEM_TYPE = "mem_type";
    public static final String MEM_TYPE_PKM = "pkm";
    public static final String HEADS = "pkm_heads";
    public static final String KNUM = "pkm_knum";
    public static final String KDIM = "pkm_kdim";
    public static final String TOPK = "pkm_topk";
    public static final String QUERY_BATCHNORM = "pkm_query_batchnorm";
    public static final String VALUE_LR = "pkm_value_lr";
    public static final String PLACEMENT = "placement";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** The {@code pkm_*} keys of a PKM layer config object (besides mem_type and placement). */
    public static final Set<String> PKM_KEYS = Set.of(HEADS, KNUM, KDIM, TOPK, QUERY_BATCHNORM, VALUE_LR);

    /** Validates every field; messages name the JSON key, the value, the rule and the fix. */
    public PkmConfig {
        positive(HEADS, heads);
        positive(KNUM, numKeys);
        positive(KDIM, keyDim);
        if (keyDim % 2 != 0) {
            throw bad(KDIM, keyDim, "must be even (each query is split into two halves of "
                    + KDIM + "/2)", "use e.g. " + (keyDim + 1));
        }
        positive(TOPK, topK);
        if (topK > numKeys) {
            throw bad(TOPK, topK, "must be <= " + KNUM + " (" + numKeys
                    + ") because each side keeps its top-k of n sub-keys", "lower " + TOPK + " or raise " + KNUM);
        }
        if (!(valueLr > 0) || Double.isInfinite(valueLr)) {
            throw bad(VALUE_LR, valueLr, "must be a finite number > 0", "use e.g. 1e-3");
        }
        if (placement != null) {
            parsePlacement(placement);
        }
    }

    /** The block whose normalized FFN input this memory reads (i of "i:j"). */
    public int sourceBlock() {
        return placementBlocks()[0];
    }

    /** The block after which this memory's output is added to the residual stream (j of "i:j"). */
    public int targetBlock() {
        return placementBlocks()[1];
    }

    private int[] placementBlocks() {
        if (placement == null) {
            throw new IllegalStateException("config key `" + PLACEMENT + "` is not set for this PKM layer; "
                    + "set it to \"i:j\" or let the model place the layer");
        }
        return parsePlacement(placement);
    }

    /** Number of value rows (memory slots), n². */
    public long numSlots() {
        return (long) numKeys * numKeys;
    }

    /** Trainable scalars of one layer (spec §E.2): query Linear (+ BatchNorm), keys, n²·D values. */
    public long parameterCount(int hiddenSize) {
        return denseParameterCount(hiddenSize) + numSlots() * hiddenSize;
    }

    /** Scalars each token reads: all dense parameters plus H·k value rows of width D. */
    public long activeParameterCount(int hiddenSize) {
        return denseParameterCount(hiddenSize) + (long) heads * topK * hiddenSize;
    }

    /**
     * Forward FLOPs per token (spec §E.2, 2 per multiply-add): query 2·D·H·Dq, key scoring
     * 2·H·n·Dq, candidate sums H·k², pooling 2·H·k·D (selection and softmax not counted).
     */
    public double flopsPerToken(int hiddenSize) {
        return 2.0 * hiddenSize * heads * keyDim + 2.0 * heads * numKeys * keyDim
                + (double) heads * topK * topK + 2.0 * heads * topK * hiddenSize;
    }

    private long denseParameterCount(int hiddenSize) {
        long q = (long) heads * keyDim;
        return q * hiddenSize + q + (queryBatchNorm ? 2 * q : 0) + q * numKeys;
    }

    /**
     * Reads the PKM keys from a config.json object (the whole model config or a sub-object).
     * Keys other than {@code pkm_*}, {@code mem_type} and {@code placement} are ignored (they belong
     * to the rest of the model); an unknown {@code pkm_*} key is rejected, naming it.
     */
    public static PkmConfig fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("PKM config must be a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        JsonNode type = node.get(MEM_TYPE);
        if (type != null && !type.isNull() && !MEM_TYPE_PKM.equals(type.textValue())) {
            throw bad(MEM_TYPE, type, "must be \"" + MEM_TYPE_PKM + "\" for a PKM layer",
                    "build the layer that matches " + MEM_TYPE);
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (key.startsWith("pkm_") && !PKM_KEYS.contains(key)) {
                throw bad(key, node.get(key), "is not a known PKM key", "use one of " + PKM_KEYS);
            }
        }
        try {
            return new PkmConfig(
                    KeyReader.optInt(node, HEADS, 4),
                    KeyReader.optInt(node, KNUM, 512),
                    KeyReader.optInt(node, KDIM, 512),
                    KeyReader.optInt(node, TOPK, 32),
                    KeyReader.optBool(node, QUERY_BATCHNORM, true),
                    KeyReader.optDouble(node, VALUE_LR, 1e-3),
                    KeyReader.optString(node, PLACEMENT, null));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Every key of this config (defaults written out), in a fixed order, for config.json. */
    public ObjectNode toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put(MEM_TYPE, MEM_TYPE_PKM);
        m.put(HEADS, heads);
        m.put(KNUM, numKeys);
        m.put(KDIM, keyDim);
        m.put(TOPK, topK);
        m.put(QUERY_BATCHNORM, queryBatchNorm);
        m.put(VALUE_LR, valueLr);
        if (placement != null) {
            m.put(PLACEMENT, placement);
        }
        return MAPPER.valueToTree(m);
    }

    private static int[] parsePlacement(String p) {
        String[] parts = p.split(":", -1);
        if (parts.length == 2) {
            try {
                int i = Integer.parseInt(parts[0].trim());
                int j = Integer.parseInt(parts[1].trim());
                if (i >= 0 && j >= i) {
                    return new int[] {i, j};
                }
            } catch (NumberFormatException ignored) {
                // reported below
            }
        }
        throw bad(PLACEMENT, "\"" + p + "\"", "must be \"i:j\" with block indices 0 <= i <= j "
                + "(one PKM layer per config)", "write e.g. \"2:5\" or \"3:3\"");
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw bad(key, v, "must be > 0", "set a positive integer");
        }
    }

    static IllegalArgumentException bad(String key, Object value, String rule, String fix) {
        return new IllegalArgumentException("config key `" + key + "` (" + value + ") " + rule + "; " + fix);
    }
}
