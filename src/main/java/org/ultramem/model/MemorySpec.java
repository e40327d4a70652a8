package org.ultramem.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.ultramem.io.ConfigException;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemV2Geometry;

/**
 * One memory layer of the model: memory layer number {@code index} (its parameters are
 * {@code model.memory_layers.{index}.*}), an UltraMem, a PKM or an UltraMemV2 retrieval layer
 * (exactly one of the three is non-null). Its {@code placement} "i:j" says it reads block i's
 * normalized FFN input and its output joins the residual stream after block j (spec §C.2);
 * {@link LayerPlan} checks placements against the model.
 *
 * <p>An UltraMem or PKM layer is one {@code memory_layers} entry. One {@code "ultramem_v2"} entry
 * stands for L retrieval layers ({@link #expandV2}): one per block with {@code mem_insert_way}
 * "full" (placements "0:0", "1:1", ...), or one per "i:j" range of "i:j/i2:j2/..." in the order
 * written (V2 spec §7). They take consecutive indices, carry V2 layer ids ℓ = 0..L−1 (window
 * offset ℓ·K0² into the shared table) and are written back as the one entry.
 */
public record MemorySpec(int index, UltraMemConfig ultraMem, PkmConfig pkm, V2 ultraMemV2) {

    public static final String MEM_TYPE = "mem_type";
    public static final String ULTRAMEM = "ultramem";
    public static final String PKM = "pkm";
    public static final String ULTRAMEM_V2 = UltraMemV2Config.MEM_TYPE_V2;
    /**
     * Most V2 retrieval layers one model may place: a bound on what {@code "full"} expands into
     * before the memory budget has seen the config (a hostile {@code num_hidden_layers}).
     */
    public static final int MAX_V2_LAYERS = 4096;

    /**
     * UltraMemV2 retrieval layer {@code layerId} of the model's {@code layers} V2 layers, all
     * sharing {@code config} and one value table, placed at "i:j".
     */
    public record V2(UltraMemV2Config config, int layerId, int layers, String placement) {

        /** Checkpoint prefix of the shared value holder's tables (the reference's module name). */
        public static final String HOLDER_PREFIX = "model.full_memory_layer.";

        public V2 {
            if (layerId < 0 || layerId >= layers) {
                throw new IllegalArgumentException("UltraMemV2 layer id " + layerId
                        + " must be in [0, " + layers + ")");
            }
        }

        /** Table and key sizes of the model's shared V2 table (spec §2.1). */
        public UltraMemV2Geometry geometry() {
            return config.geometry(layers);
        }
    }

    /** An UltraMem or PKM layer. */
    public MemorySpec(int index, UltraMemConfig ultraMem, PkmConfig pkm) {
        this(index, ultraMem, pkm, null);
    }

    public MemorySpec {
        int kinds = (ultraMem != null ? 1 : 0) + (pkm != null ? 1 : 0)
                + (ultraMemV2 != null ? 1 : 0);
        if (kinds != 1) {
            throw new IllegalArgumentException("memory layer " + index
                    + " needs exactly one of an UltraMem, a PKM and an UltraMemV2 config");
        }
        String placement = ultraMem != null ? ultraMem.placement()
                : pkm != null ? pkm.placement() : ultraMemV2.placement();
        if (placement == null || placement.isEmpty()) {
            throw new ConfigException("memory_layers[" + index + "] (mem_type \""
                    + (ultraMem != null ? ULTRAMEM : pkm != null ? PKM : ULTRAMEM_V2)
                    + "\") has no `placement`; add \"placement\": \"i:j\" (reads block i, adds"
                    + " after block j) or give `memory_placement` at top level");
        }
    }

    /** "ultramem", "pkm" or "ultramem_v2". */
    public String type() {
        return ultraMem != null ? ULTRAMEM : pkm != null ? PKM : ULTRAMEM_V2;
    }

    /** The "i:j" placement string (as written, or expanded from {@code mem_insert_way}). */
    public String placement() {
        return ultraMem != null ? ultraMem.placement()
                : pkm != null ? pkm.placement() : ultraMemV2.placement();
    }

    /** i of "i:j": the block whose normalized FFN input the layer reads. */
    public int sourceBlock() {
        return LayerPlan.parse(this)[0];
    }

    /** j of "i:j": the block after which the layer's output is added to the residual stream. */
    public int targetBlock() {
        return LayerPlan.parse(this)[1];
    }

    /**
     * The layer config as a {@code memory_layers} entry, {@code mem_type} first (for a V2 layer
     * the entry of all the model's V2 layers, with its {@code mem_insert_way}).
     */
    public ObjectNode toJson() {
        ObjectNode o = org.ultramem.io.ConfigJson.newObject();
        o.put(MEM_TYPE, type());
        ObjectNode body = ultraMem != null ? ultraMem.toJson()
                : pkm != null ? pkm.toJson() : ultraMemV2.config().toJson();
        body.remove(MEM_TYPE);
        o.setAll(body);
        return o;
    }

    /**
     * Parses entry {@code index} of {@code memory_layers}: {@code mem_type} is required and picks
     * the parser; unknown keys are rejected naming the key and the entry.
     */
    public static MemorySpec fromJson(JsonNode node, int index) {
        return fromJson(node, index, "memory_layers[" + index + "]");
    }

    /** As {@link #fromJson(JsonNode, int)}; {@code where} names the entry in errors. */
    static MemorySpec fromJson(JsonNode node, int index, String where) {
        if (node == null || !node.isObject()) {
            throw new ConfigException(where + " must be a JSON object like {\"mem_type\": "
                    + "\"ultramem\", \"placement\": \"1:2\", ...}, got " + node);
        }
        JsonNode type = node.get(MEM_TYPE);
        if (type == null || !type.isTextual()) {
            throw new ConfigException(where + ": config key `mem_type` is "
                    + (type == null ? "missing" : "not a string (" + type + ")")
                    + "; set it to \"ultramem\", \"pkm\" or \"ultramem_v2\"");
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
                case ULTRAMEM_V2 -> throw new ConfigException(where + ": mem_type \""
                        + ULTRAMEM_V2 + "\" stands for several layers; read it with expandV2");
                default -> throw new ConfigException(where + ": config key `mem_type` (\""
                        + type.textValue() + "\") must be \"ultramem\", \"pkm\" or \""
                        + ULTRAMEM_V2 + "\"");
            };
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + " (mem_type \"" + type.textValue() + "\"): "
                    + e.getMessage(), e);
        }
    }

    /** True when entry {@code node} of {@code memory_layers} is an UltraMemV2 entry. */
    static boolean isV2Entry(JsonNode node) {
        return node != null && node.isObject() && node.has(MEM_TYPE)
                && ULTRAMEM_V2.equals(node.get(MEM_TYPE).asText());
    }

    /**
     * The V2 retrieval layers of one {@code "ultramem_v2"} entry ({@code where} names it) for a
     * model of {@code numLayers} blocks, indices from {@code firstIndex}: {@code mem_insert_way}
     * "full" places layer ℓ at "ℓ:ℓ" for every block, "i:j/i2:j2/..." one layer per range in
     * the order written. Errors name the entry and the key.
     */
    static List<MemorySpec> expandV2(JsonNode node, int firstIndex, int numLayers, String where) {
        UltraMemV2Config cfg;
        try {
            cfg = UltraMemV2Config.fromJson(node);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigException(where + " (mem_type \"" + ULTRAMEM_V2 + "\"): "
                    + e.getMessage(), e);
        }
        List<String> placements = new ArrayList<>();
        if (cfg.insertWay().equals("full")) {
            if (numLayers > MAX_V2_LAYERS) {
                throw new ConfigException(where + ": config key `" + UltraMemV2Config.INSERT_WAY
                        + "` (\"full\") with num_hidden_layers = " + numLayers + " places more"
                        + " than " + MAX_V2_LAYERS + " UltraMemV2 layers; use fewer blocks or list"
                        + " the blocks as \"i:j/...\"");
            }
            for (int b = 0; b < numLayers; b++) {
                placements.add(b + ":" + b);
            }
        } else {
            placements.addAll(List.of(cfg.insertWay().split("/")));
            if (placements.size() > MAX_V2_LAYERS) {
                throw new ConfigException(where + ": config key `" + UltraMemV2Config.INSERT_WAY
                        + "` places " + placements.size() + " layers, more than "
                        + MAX_V2_LAYERS + "; place fewer");
            }
        }
        try {
            cfg.geometry(placements.size());
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigException(where + " (mem_type \"" + ULTRAMEM_V2 + "\", "
                    + placements.size() + " layers): " + e.getMessage(), e);
        }
        List<MemorySpec> specs = new ArrayList<>();
        for (int l = 0; l < placements.size(); l++) {
            specs.add(new MemorySpec(firstIndex + l, null, null,
                    new V2(cfg, l, placements.size(), placements.get(l))));
        }
        return specs;
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
