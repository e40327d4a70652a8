package org.ultramem.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Set;
import org.ultramem.io.ConfigException;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemConfig;

/**
 * One entry of {@code memory_layers}: memory layer number {@code index} (its parameters are
 * {@code model.memory_layers.{index}.*}), either an UltraMem or a PKM layer (exactly one of the two
 * configs is non-null). Its {@code placement} "i:j" says it reads block i's normalized FFN input
 * and its output joins the residual stream after block j (spec §C.2); {@link LayerPlan} checks
 * placements against the model.
 */
public record MemorySpec(int index, UltraMemConfig ultraMem, PkmConfig pkm) {

    public static final String MEM_TYPE = "mem_type";
    public static final String ULTRAMEM = "ultramem";
    public static final String PKM = "pkm";

    public MemorySpec {
        if ((ultraMem == null) == (pkm == null)) {
            throw new IllegalArgumentException("memory layer " + index
                    + " needs exactly one of an UltraMem and a PKM config");
        }
        String placement = ultraMem != null ? ultraMem.placement() : pkm.placement();
        if (placement == null || placement.isEmpty()) {
            throw new ConfigException("memory_layers[" + index + "] (mem_type \""
                    + (ultraMem != null ? ULTRAMEM : PKM)
                    + "\") has no `placement`; add \"placement\": \"i:j\" (reads block i, adds"
                    + " after block j) or give `memory_placement` at top level");
        }
    }

    /** "ultramem" or "pkm". */
    public String type() {
        return ultraMem != null ? ULTRAMEM : PKM;
    }

    /** The "i:j" placement string as written in the layer config. */
    public String placement() {
        return ultraMem != null ? ultraMem.placement() : pkm.placement();
    }

    /** i of "i:j": the block whose normalized FFN input the layer reads. */
    public int sourceBlock() {
        return LayerPlan.parse(this)[0];
    }

    /** j of "i:j": the block after which the layer's output is added to the residual stream. */
    public int targetBlock() {
        return LayerPlan.parse(this)[1];
    }

    /** The layer config as a {@code memory_layers} entry, {@code mem_type} first. */
    public ObjectNode toJson() {
        ObjectNode o = org.ultramem.io.ConfigJson.newObject();
        o.put(MEM_TYPE, type());
        ObjectNode body = ultraMem != null ? ultraMem.toJson() : pkm.toJson();
        body.remove(MEM_TYPE);
        o.setAll(body);
        return o;
    }

    /**
     * Parses entry {@code index} of {@code memory_layers}: {@code mem_type} is required and picks
     * the parser; unknown keys are rejected naming the key and the entry.
     */
    public static MemorySpec fromJson(JsonNode node, int index) {
        String where = "memory_layers[" + index + "]";
        if (node == null || !node.isObject()) {
            throw new ConfigException(where + " must be a JSON object like {\"mem_type\": "
                    + "\"ultramem\", \"placement\": \"1:2\", ...}, got " + node);
        }
        JsonNode type = node.get(MEM_TYPE);
        if (type == null || !type.isTextual()) {
            throw new ConfigException(where + ": config key `mem_type` is "
                    + (type == null ? "missing" : "not a string (" + type + ")")
                    + "; set it to \"ultramem\" or \"pkm\"");
        }
        ObjectNode body = ((ObjectNode) node).deepCopy();
        body.remove(MEM_TYPE);
        try {
            return switch (type.textValue()) {
                case ULTRAMEM -> new MemorySpec(index, UltraMemConfig.fromJson(body), null);
                case PKM -> {
                    rejectForeign(body, "pkm_", Set.of("placement"), where);
                    yield new MemorySpec(index, null, PkmConfig.fromJson(body));
                }
                default -> throw new ConfigException(where + ": config key `mem_type` (\""
                        + type.textValue() + "\") must be \"ultramem\" or \"pkm\"");
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + " (mem_type \"" + type.textValue() + "\"): "
                    + e.getMessage(), e);
        }
    }

    /** Rejects keys that neither start with {@code prefix} nor are in {@code extra}. */
    static void rejectForeign(JsonNode node, String prefix, Set<String> extra, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!key.startsWith(prefix) && !extra.contains(key)) {
                throw new ConfigException(where + ": unknown config key `" + key + "`; keys here"
                        + " start with `" + prefix + "`" + (extra.isEmpty() ? "" : " or are " + extra));
            }
        }
    }
}
