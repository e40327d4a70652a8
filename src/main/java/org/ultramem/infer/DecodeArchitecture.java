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
     * i, target block j, and exactly one of an UltraMem and a PKM config.
     */
    public record MemorySlot(int index, int source, int target, UltraMemConfig ultraMem,
                             PkmConfig pkm) {

        public MemorySlot {
            if ((ultraMem == null) == (pkm == null)) {
                throw new IllegalArgumentException("memory layer " + index
                        + " needs exactly one of an UltraMem and a PKM config");
            }
        }

        /** An UltraMem layer. */
        public MemorySlot(int index, int source, int target, UltraMemConfig ultraMem) {
            this(index, source, target, ultraMem, null);
        }

        /** "ultramem" or "pkm". */
        public String type() {
            return ultraMem != null ? MemorySpec.ULTRAMEM : MemorySpec.PKM;
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
    }

    /** A dense model (no MoE, no memory layers). */
    public static DecodeArchitecture dense(ModelConfig model) {
        return new DecodeArchitecture(model, null, List.of());
    }

    /** The architecture the training model {@code cfg} describes (its MoE and memory layers). */
    public static DecodeArchitecture of(ModelConfig cfg) {
        List<MemorySlot> slots = new ArrayList<>();
        for (MemorySpec s : cfg.memoryLayers()) {
            if (s.ultraMemV2() != null) {
                throw new IllegalArgumentException("decoding UltraMemV2 models is not supported"
                        + " yet (memory layer " + s.index() + " is mem_type \"ultramem_v2\");"
                        + " evaluate its loss with `eval` instead");
            }
            slots.add(new MemorySlot(s.index(), s.sourceBlock(), s.targetBlock(), s.ultraMem(),
                    s.pkm()));
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
