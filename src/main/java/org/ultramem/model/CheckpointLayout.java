package org.ultramem.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.moe.MoeConfig;

/**
 * Every tensor a {@code model.safetensors} of a {@link ModelConfig} holds, in checkpoint order,
 * with its shape and the rule its values follow: exactly the keys of
 * {@code new Transformer(cfg, ...).parametersByName()} then {@code buffers()}, listed without
 * building the model (a checkpoint may be far larger than the heap, and {@code generate} maps
 * it). {@code CheckpointLayoutTest} holds this list equal to what the Transformer creates, for
 * dense, MoE, UltraMem (every ablation switch that changes tensors), PKM and UltraMemV2 configs.
 * <pre>
 *   model.embed_tokens.weight                      [V, D]
 *   model.layers.{l}.input_layernorm.weight        [D]
 *   model.layers.{l}.self_attn.{q,k,v,o}_proj.weight [D, D]
 *   model.layers.{l}.post_attention_layernorm.weight [D]
 *   model.layers.{l}.mlp.{gate,up}_proj.weight     [I, D];  down_proj [D, I]   (dense block)
 *   model.layers.{l}.mlp.router.weight             [E, D];  experts.{e}.* as SwiGLU with d_e
 *   model.norm.weight                              [D]
 *   model.memory_layers.{m}.*                      UltraMem, PKM or UltraMemV2 (methods below)
 *   model.full_memory_layer.values_for_look_up     [N_all, D_v]  (V2's shared table, once)
 *   model.full_memory_layer.pre_values_for_look_up [N_all, D_p]  (D_p &gt; 0)
 * </pre>
 */
public final class CheckpointLayout {

    /** What a tensor's values must satisfy beyond its dtype and shape. */
    public enum Rule {
        /** A float tensor (F32 or BF16) whose every value is finite. */
        FINITE,
        /** A float tensor of finite values ≥ 0 (BatchNorm running variances). */
        FINITE_NON_NEGATIVE,
        /** An integer tensor (I32 or I64) holding a permutation of [0, numel). */
        PERMUTATION,
        /** An integer tensor (I32 or I64) of counts ≥ 0 (dead-key restart window use). */
        COUNTS
    }

    /**
     * One expected tensor.
     *
     * @param name   checkpoint name
     * @param shape  dims
     * @param rule   what its values must satisfy
     * @param buffer true for non-trained state ({@code LanguageModel.buffers()})
     */
    public record Tensor(String name, long[] shape, Rule rule, boolean buffer) {

        public Tensor {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        /** Number of elements. */
        public long numel() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(shape);
        }
    }

    private CheckpointLayout() {
    }

    /**
     * How many tensors {@link #of} lists, computed without listing them (a hostile config may
     * describe millions of blocks: compare the count with the file's before building the list).
     */
    public static long count(ModelConfig cfg) {
        long blocks = cfg.moe() == null ? cfg.numLayers() : 0;
        long moeBlocks = 0;
        for (int l = 0; cfg.moe() != null && l < cfg.numLayers(); l++) {
            if (cfg.isMoeBlock(l)) {
                moeBlocks++;
            } else {
                blocks++;
            }
        }
        long perMoe = cfg.moe() == null ? 0 : 1 + 3L * cfg.moe().numExperts();
        long n = 2 + 6 * (blocks + moeBlocks) + 3 * blocks + perMoe * moeBlocks;
        for (MemorySpec s : cfg.memoryLayers()) {
            if (s.ultraMem() != null) {
                UltraMemConfig c = s.ultraMem();
                // query_proj, norms, keys, cores, values, values_proj; then u, v and π
                n += 1 + (c.qkNorm() ? 2 : 0) + 1 + (c.tdqkr() ? c.tuckerCores() : 0) + 1
                        + (c.outputProjection() ? 1 : 0) + 3;
                // remedies: query BatchNorm (affine + running statistics), output gate, key use
                n += (c.remedies().queryBatchNorm() ? 4 : 0)
                        + ("none".equals(c.remedies().outputGate()) ? 0 : 1)
                        + (c.remedies().deadKeyRestartSteps() > 0 ? 1 : 0);
            } else if (s.pkm() != null) {
                n += 4 + (s.pkm().queryBatchNorm() ? 4 : 0);
            } else {
                var c = s.ultraMemV2().config();
                // query_proj, two norms, keys, cores, values_proj, pre_values_proj; u, v, π;
                // the shared V (and Pre) once
                n += 5 + c.tuckerCores() + (c.preValueDim() > 0 ? 1 : 0) + 3;
                n += s.ultraMemV2().layerId() == 0 ? (c.preValueDim() > 0 ? 2 : 1) : 0;
            }
        }
        return n;
    }

    /** The tensors of {@code cfg}'s checkpoint: parameters first, then buffers. */
    public static List<Tensor> of(ModelConfig cfg) {
        List<Tensor> params = new ArrayList<>();
        List<Tensor> buffers = new ArrayList<>();
        long d = cfg.hiddenSize();
        weight(params, "model.embed_tokens.weight", cfg.vocabSize(), d);
        for (int l = 0; l < cfg.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            weight(params, p + "input_layernorm.weight", d);
            for (String proj : List.of("q", "k", "v", "o")) {
                weight(params, p + "self_attn." + proj + "_proj.weight", d, d);
            }
            weight(params, p + "post_attention_layernorm.weight", d);
            if (cfg.isMoeBlock(l)) {
                moe(params, p + "mlp.", cfg.moe(), d);
            } else {
                swiGlu(params, p + "mlp.", d, cfg.intermediateSize());
            }
        }
        weight(params, "model.norm.weight", d);
        MemorySpec.V2 shared = null;
        for (MemorySpec s : cfg.memoryLayers()) {
            String p = MemoryStack.prefix(s.index());
            if (s.ultraMem() != null) {
                ultraMem(params, buffers, p, s.ultraMem(), d);
            } else if (s.pkm() != null) {
                pkm(params, buffers, p, s.pkm(), d);
            } else {
                ultraMemV2(params, buffers, p, s.ultraMemV2(), d);
                shared = s.ultraMemV2();
            }
        }
        if (shared != null) {
            var g = shared.geometry();
            weight(params, V2Memories.HOLDER + "values_for_look_up", g.allValueNum(),
                    shared.config().valueDim());
            if (shared.config().preValueDim() > 0) {
                weight(params, V2Memories.HOLDER + "pre_values_for_look_up", g.allValueNum(),
                        shared.config().preValueDim());
            }
        }
        params.addAll(buffers);
        return List.copyOf(params);
    }

    private static void swiGlu(List<Tensor> into, String p, long d, long inner) {
        weight(into, p + "gate_proj.weight", inner, d);
        weight(into, p + "up_proj.weight", inner, d);
        weight(into, p + "down_proj.weight", d, inner);
    }

    private static void moe(List<Tensor> into, String p, MoeConfig m, long d) {
        weight(into, p + "router.weight", m.numExperts(), d);
        for (int e = 0; e < m.numExperts(); e++) {
            swiGlu(into, p + "experts." + e + ".", d, m.intermediateSize());
        }
    }

    /** UltraMem (see {@code UltraMemLayer}): parameters, then u, v and the value shuffle π. */
    private static void ultraMem(List<Tensor> params, List<Tensor> buffers, String p,
            UltraMemConfig c, long d) {
        long dk = c.keyDim();
        long queryWidth = (long) c.querySlots() * 2 * dk;
        weight(params, p + "query_proj.weight", queryWidth, d);
        if (c.remedies().queryBatchNorm()) {
            weight(params, p + "query_bn.weight", queryWidth);
            weight(params, p + "query_bn.bias", queryWidth);
        }
        if (c.qkNorm()) {
            weight(params, p + "query_norm.weight", dk);
            weight(params, p + "keys_norm.weight", dk);
        }
        weight(params, p + "keys", c.heads(), 2, c.keysPerSide(), dk, c.tuckerRank());
        for (int t = 0; c.tdqkr() && t < c.tuckerCores(); t++) {
            weight(params, p + "tucker_core." + t, c.heads(), c.tuckerRank(), c.tuckerRank());
        }
        weight(params, p + "values", c.valueNum(), c.valueDim());
        if (c.outputProjection()) {
            weight(params, p + "values_proj.weight", d, (long) c.valueExpand() * c.valueDim());
        }
        switch (c.remedies().outputGate()) {
            case "silu" -> weight(params, p + "output_gate.weight", d, d);
            case "scale" -> weight(params, p + "output_scale", d);
            default -> { }
        }
        buffers.add(new Tensor(p + "tucker_u", new long[] {c.heads(), c.tuckerRank()},
                Rule.FINITE, true));
        buffers.add(new Tensor(p + "tucker_v", new long[] {c.heads(), c.tuckerRank()},
                Rule.FINITE, true));
        buffers.add(new Tensor(p + "shuffle_index",
                new long[] {(long) c.valueExpand() * c.valueNum()}, Rule.PERMUTATION, true));
        if (c.remedies().queryBatchNorm()) {
            buffers.add(new Tensor(p + "query_bn.running_mean", new long[] {queryWidth},
                    Rule.FINITE, true));
            buffers.add(new Tensor(p + "query_bn.running_var", new long[] {queryWidth},
                    Rule.FINITE_NON_NEGATIVE, true));
        }
        if (c.remedies().deadKeyRestartSteps() > 0) {
            buffers.add(new Tensor(p + "key_window_use",
                    new long[] {c.heads(), 2, c.keysPerSide()}, Rule.COUNTS, true));
        }
    }

    /** UltraMemV2 retrieval layer (see {@code UltraMemV2Layer}): parameters, then u, v and π. */
    private static void ultraMemV2(List<Tensor> params, List<Tensor> buffers, String p,
            MemorySpec.V2 v, long d) {
        var c = v.config();
        var g = v.geometry();
        long dk = c.keyDim();
        weight(params, p + "query_proj.weight", 4 * dk, d);
        weight(params, p + "query_norm.weight", dk);
        weight(params, p + "keys", c.heads(), 2, g.keysPerSide(), dk, c.tuckerRank());
        weight(params, p + "keys_norm.weight", dk);
        for (int t = 0; t < c.tuckerCores(); t++) {
            weight(params, p + "tucker_core." + t, c.heads(), c.tuckerRank(), c.tuckerRank());
        }
        weight(params, p + "values_proj.weight", d, c.poolWidth());
        if (c.preValueDim() > 0) {
            weight(params, p + "pre_values_proj.weight", c.preValueDim(), d);
        }
        buffers.add(new Tensor(p + "tucker_u", new long[] {c.heads(), c.tuckerRank()},
                Rule.FINITE, true));
        buffers.add(new Tensor(p + "tucker_v", new long[] {c.heads(), c.tuckerRank()},
                Rule.FINITE, true));
        buffers.add(new Tensor(p + "shuffle_index", new long[] {g.virtualValueNum()},
                Rule.PERMUTATION, true));
    }

    /** PKM (see {@code ProductKeyMemory}): parameters, then the BatchNorm running statistics. */
    private static void pkm(List<Tensor> params, List<Tensor> buffers, String p, PkmConfig c,
            long d) {
        long q = (long) c.heads() * c.keyDim();
        weight(params, p + "query_proj.weight", q, d);
        weight(params, p + "query_proj.bias", q);
        if (c.queryBatchNorm()) {
            weight(params, p + "query_bn.weight", q);
            weight(params, p + "query_bn.bias", q);
        }
        weight(params, p + "keys", c.heads(), 2, c.numKeys(), c.keyDim() / 2);
        weight(params, p + "values", c.numSlots(), d);
        if (c.queryBatchNorm()) {
            buffers.add(new Tensor(p + "query_bn.running_mean", new long[] {q}, Rule.FINITE,
                    true));
            buffers.add(new Tensor(p + "query_bn.running_var", new long[] {q},
                    Rule.FINITE_NON_NEGATIVE, true));
        }
    }

    private static void weight(List<Tensor> into, String name, long... shape) {
        into.add(new Tensor(name, shape, Rule.FINITE, false));
    }
}
