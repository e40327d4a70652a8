package org.ultramem.infer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.model.MemorySpec;
import org.ultramem.model.ModelConfig;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.moe.MoeConfig;

/**
 * What the inference engine builds: the dense backbone ({@link ModelConfig}), the optional MoE
 * blocks and the memory layers with their skip placement "i:j" (memory layer reads block i's
 * normalized FFN input, its output joins the residual stream after block j; phase-2 schema).
 * Built from the training {@link ModelConfig} ({@link #of}), which owns the {@code config.json}
 * parsing and placement validation; benchmarks may also assemble one directly.
 *
 * @param model  backbone sizes
 * @param moe    MoE blocks, or null for dense SwiGLU FFNs everywhere
 * @param memory memory layers in index order (may be empty)
 */
public record DecodeArchitecture(ModelConfig model, MoeConfig moe, List<MemorySlot> memory) {

    /**
     * One memory layer: index l (checkpoint prefix {@code model.memory_layers.l.}), source block
     * i, target block j, and exactly one of an UltraMem, a PKM and an UltraMemV2 config (a V2
     * layer carries its layer id ℓ and the model's V2 layer count L, which size the shared
     * table {@code model.full_memory_layer.*} and place its window).
     */
    public record MemorySlot(int index, int source, int target, UltraMemConfig ultraMem,
                             PkmConfig pkm, MemorySpec.V2 ultraMemV2) {

        public MemorySlot {
            int kinds = (ultraMem != null ? 1 : 0) + (pkm != null ? 1 : 0)
                    + (ultraMemV2 != null ? 1 : 0);
            if (kinds != 1) {
                throw new IllegalArgumentException("memory layer " + index
                        + " needs exactly one of an UltraMem, a PKM and an UltraMemV2 config");
            }
        }

        /** An UltraMem layer. */
        public MemorySlot(int index, int source, int target, UltraMemConfig ultraMem) {
            this(index, source, target, ultraMem, null, null);
        }

        /** An UltraMemV2 retrieval layer. */
        public MemorySlot(int index, int source, int target, MemorySpec.V2 ultraMemV2) {
            this(index, source, target, null, null, ultraMemV2);
        }

        /** "ultramem", "pkm" or "ultramem_v2". */
        public String type() {
            return ultraMem != null ? MemorySpec.ULTRAMEM
                    : pkm != null ? MemorySpec.PKM : MemorySpec.ULTRAMEM_V2;
        }
    }

    public DecodeArchitecture {
        memory = List.copyOf(memory);
        if (moe != null) {
            moe.checkLayers(model.numLayers());
        }
        for (int l = 0; l < memory.size(); l++) {
            MemorySlot s = memory.get(l);
            if (s.index != l) {
                throw new IllegalArgumentException("memory layer at position " + l + " carries index "
                        + s.index + "; indices must be 0..n-1 in order");
            }
            if (s.source < 0 || s.source > s.target || s.target >= model.numLayers()) {
                throw new IllegalArgumentException("memory layer " + s.index + " placement \""
                        + s.source + ":" + s.target + "\" must satisfy 0 <= i <= j < "
                        + model.numLayers() + " (num_hidden_layers)");
            }
        }
        checkV2(memory);
    }

    /**
     * The V2 layers share one table: they must carry one config and one layer count L, and
     * layer ids 0..L−1 each once (else two layers would address the same window).
     */
    private static void checkV2(List<MemorySlot> memory) {
        List<MemorySpec.V2> v2 = memory.stream().map(MemorySlot::ultraMemV2)
                .filter(java.util.Objects::nonNull).toList();
        if (v2.isEmpty()) {
            return;
        }
        boolean[] seen = new boolean[v2.getFirst().layers()];
        for (MemorySpec.V2 v : v2) {
            if (!v.config().equals(v2.getFirst().config()) || v.layers() != seen.length
                    || seen[v.layerId()]) {
                throw new IllegalArgumentException("UltraMemV2 layer " + v.layerId() + " of "
                        + v.layers() + " does not fit the model's shared table (" + seen.length
                        + " layers, one config, ids 0..L-1 once); build all V2 slots from one"
                        + " config");
            }
            seen[v.layerId()] = true;
        }
        if (v2.size() != seen.length) {
            throw new IllegalArgumentException("the model places " + v2.size() + " UltraMemV2"
                    + " layers but their shared table is sized for L = " + seen.length
                    + "; build all V2 slots with layers = " + v2.size());
        }
    }

    /** A dense model (no MoE, no memory layers). */
    public static DecodeArchitecture dense(ModelConfig model) {
        return new DecodeArchitecture(model, null, List.of());
    }

    /** The architecture the training model {@code cfg} describes (its MoE and memory layers). */
    public static DecodeArchitecture of(ModelConfig cfg) {
        List<MemorySlot> slots = new ArrayList<>();
        for (MemorySpec s : cfg.memoryLayers()) {
            slots.add(new MemorySlot(s.index(), s.sourceBlock(), s.targetBlock(), s.ultraMem(),
                    s.pkm(), s.ultraMemV2()));
        }
        return new DecodeArchitecture(cfg, cfg.moe(), slots);
    }

    /** True when block {@code block} uses MoE instead of the dense FFN. */
    public boolean moeAt(int block) {
        return moe != null && moe.appliesTo(block);
    }

    /** Reads {@code config.json} with {@link ModelConfig#load}; errors name the file. */
    public static DecodeArchitecture load(Path configJson) {
        return of(ModelConfig.load(configJson));
    }
}
