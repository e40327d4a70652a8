package org.ultramem.infer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.moe.MoeConfig;

/**
 * What the inference engine builds: the dense backbone ({@link ModelConfig}), the optional MoE
 * blocks and the memory layers with their skip placement "i:j" (memory layer reads block i's
 * normalized FFN input, its output joins the residual stream after block j; phase-2 schema).
 * Parsed from the same {@code config.json} keys as the training model ({@code moe},
 * {@code memory_layers}, {@code memory_placement}) so the engine does not depend on how the
 * training {@code ModelConfig} represents them.
 *
 * @param model  backbone sizes
 * @param moe    MoE blocks, or null for dense SwiGLU FFNs everywhere
 * @param memory memory layers in index order (may be empty)
 */
public record DecodeArchitecture(ModelConfig model, MoeConfig moe, List<MemorySlot> memory) {

    /** One UltraMem memory layer: index l (checkpoint prefix), source block i, target block j. */
    public record MemorySlot(int index, int source, int target, UltraMemConfig ultraMem) {
    }

    public DecodeArchitecture {
        memory = List.copyOf(memory);
        if (moe != null) {
            moe.checkLayers(model.numLayers());
        }
        for (MemorySlot s : memory) {
            if (s.source < 0 || s.source > s.target || s.target >= model.numLayers()) {
                throw new IllegalArgumentException("memory layer " + s.index + " placement \""
                        + s.source + ":" + s.target + "\" must satisfy 0 <= i <= j < "
                        + model.numLayers() + " (num_hidden_layers)");
            }
        }
    }

    /** A dense model (no MoE, no memory layers). */
    public static DecodeArchitecture dense(ModelConfig model) {
        return new DecodeArchitecture(model, null, List.of());
    }

    /** True when block {@code block} uses MoE instead of the dense FFN. */
    public boolean moeAt(int block) {
        return moe != null && moe.appliesTo(block);
    }

    /** Reads {@code config.json}; errors name the file. */
    public static DecodeArchitecture load(Path configJson) {
        try {
            return fromJson(ConfigJson.load(configJson));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    /** Parses a model config object with optional {@code moe} and {@code memory_layers}. */
    public static DecodeArchitecture fromJson(ObjectNode root) {
        ObjectNode base = root.deepCopy();
        JsonNode moeNode = base.remove("moe");
        JsonNode memNode = base.remove("memory_layers");
        JsonNode placementNode = base.remove("memory_placement");
        base.remove("memory_allow_overlap");
        ModelConfig model = ModelConfig.fromJson(base);
        MoeConfig moe = moeNode == null || moeNode.isNull() ? null : MoeConfig.fromJson(moeNode);
        List<MemorySlot> memory = new ArrayList<>();
        if (memNode != null && !memNode.isNull()) {
            if (!memNode.isArray()) {
                throw new IllegalArgumentException("config key `memory_layers` must be an array");
            }
            List<UltraMemConfig> specs = new ArrayList<>();
            for (JsonNode entry : memNode) {
                specs.add(ultraMem(entry));
            }
            if (placementNode != null && !placementNode.isNull()) {
                if (specs.size() != 1) {
                    throw new IllegalArgumentException("config key `memory_placement` needs exactly"
                            + " one entry in `memory_layers`, found " + specs.size());
                }
                for (String p : placementNode.asText().split("/")) {
                    memory.add(slot(memory.size(), specs.get(0), p.trim()));
                }
            } else {
                for (UltraMemConfig c : specs) {
                    memory.add(slot(memory.size(), c, c.placement()));
                }
            }
        }
        return new DecodeArchitecture(model, moe, memory);
    }

    private static UltraMemConfig ultraMem(JsonNode entry) {
        if (!entry.isObject()) {
            throw new IllegalArgumentException("each `memory_layers` entry must be an object");
        }
        ObjectNode e = ((ObjectNode) entry).deepCopy();
        JsonNode type = e.remove("mem_type");
        String t = type == null ? "ultramem" : type.asText();
        if (!t.equals("ultramem")) {
            throw new IllegalArgumentException("memory layer type `" + t + "` is not supported by"
                    + " the inference engine yet (only \"ultramem\"); run it with the training"
                    + " Transformer instead");
        }
        return UltraMemConfig.fromJson(e);
    }

    private static MemorySlot slot(int index, UltraMemConfig c, String placement) {
        if (placement == null || !placement.matches("\\d+:\\d+")) {
            throw new IllegalArgumentException("memory layer " + index + " placement `" + placement
                    + "` must look like \"i:j\" (0-based blocks); set `placement` or"
                    + " `memory_placement`");
        }
        String[] ij = placement.split(":");
        return new MemorySlot(index, Integer.parseInt(ij[0]), Integer.parseInt(ij[1]), c);
    }
}
