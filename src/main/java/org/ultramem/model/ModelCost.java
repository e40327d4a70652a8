package org.ultramem.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.io.ConfigJson;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.moe.MoeConfig;

/**
 * Cost accounting of a model config (spec §E): per component, the trainable parameters, the
 * parameters activated per token, forward FLOPs per token and bytes read per decoded token at
 * batch 1. D = hidden_size, V = vocab_size, L = num_hidden_layers, I = intermediate_size,
 * c = {@link Options#context} (the attention context assumed per token).
 * <pre>
 *   component          params          active          FLOPs / token
 *   embedding          V·D (tied)      V·D             2·V·D (logits; the lookup is free)
 *   norms              2·L·D + D       same            0
 *   attention          4·D²·L          same            8·D²·L (q, k, v, o projections)
 *   attention_scores   0               0               4·c·D·L (q·kᵀ and p·v over c positions)
 *   ffn                3·D·I·L_dense   same            6·D·I·L_dense (SwiGLU)
 *   moe_router         N·D·L_moe       same            2·N·D·L_moe
 *   moe_experts        N·3·D·d_e·L_moe k·3·D·d_e·L_moe 2·active
 *   memory.l.*         see {@link MemoryLayerCost} (memory.shared.*: UltraMemV2's shared tables)
 * </pre>
 * Conventions: FLOPs = 2 × multiply-adds, forward only; elementwise work (norms, activations,
 * RoPE, softmax) and top-k selection are not counted. The seq-dependent attention score term IS
 * included, as its own component, at context c = max_position_embeddings / 2 by default (the mean
 * context of a causal sequence of that length); pass another c through {@link Options}.
 * Decode bytes per token = activated parameters × bytes per parameter (bf16 2 B by default, fp32
 * 4 B): dense weights once, the tied embedding/logits matrix once, the top-k experts of each MoE
 * block, the H·k value rows of D_v of each memory layer. The KV cache is excluded from the
 * totals and reported on its own ({@link #kvCacheBytesPerToken}: 2·L·D·c values).
 *
 * <p>Counts are exact: sizes whose parameter or byte counts overflow a {@code long} are refused
 * with an {@link IllegalArgumentException} naming the sizes, never wrapped into a wrong number.
 */
public final class ModelCost {

    /**
     * Accounting choices.
     *
     * @param context       attention context c per token (for the score FLOPs and the KV cache)
     * @param bytesPerParam 2 (bf16) or 4 (fp32)
     */
    public record Options(int context, int bytesPerParam) {
        public Options {
            if (context < 0) {
                throw new IllegalArgumentException("attention context (" + context
                        + ") must be >= 0");
            }
            if (bytesPerParam != 2 && bytesPerParam != 4) {
                throw new IllegalArgumentException("bytes per parameter (" + bytesPerParam
                        + ") must be 2 (bf16) or 4 (fp32)");
            }
        }

        /** bf16 weights and context max_position_embeddings / 2. */
        public static Options defaults(ModelConfig cfg) {
            return new Options(cfg.maxPositionEmbeddings() / 2, 2);
        }
    }

    /**
     * One row of the breakdown.
     *
     * @param name          e.g. {@code "attention"}, {@code "memory.0.values"}
     * @param params        trainable scalars
     * @param activeParams  scalars each token reads
     * @param flopsPerToken forward FLOPs per token
     * @param decodeBytes   bytes read per decoded token at batch 1
     */
    public record Component(String name, long params, long activeParams, double flopsPerToken,
                            long decodeBytes) {
    }

    private final Options options;
    private final List<Component> components;
    private final long kvCacheBytesPerToken;

    private ModelCost(Options options, List<Component> components, long kvCacheBytesPerToken) {
        this.options = options;
        this.components = List.copyOf(components);
        this.kvCacheBytesPerToken = kvCacheBytesPerToken;
    }

    /** The cost of {@code cfg} with {@link Options#defaults}. */
    public static ModelCost of(ModelConfig cfg) {
        return of(cfg, Options.defaults(cfg));
    }

    /** The cost of {@code cfg}: its MoE blocks ({@code cfg.moe()}) and memory layers. */
    public static ModelCost of(ModelConfig cfg, Options options) {
        List<Object> memory = new ArrayList<>();
        for (MemorySpec spec : cfg.memoryLayers()) {
            memory.add(spec.ultraMem() != null ? spec.ultraMem()
                    : spec.pkm() != null ? spec.pkm() : spec.ultraMemV2());
        }
        return of(cfg, cfg.moe(), memory, options);
    }

    /**
     * The cost of a backbone with optional MoE blocks ({@code moe} null = dense FFN everywhere)
     * and memory layers, each an {@link UltraMemConfig}, a {@link PkmConfig} or a
     * {@link MemorySpec.V2} (the shared V2 tables are counted with V2 layer id 0), in model order.
     * The backbone's own {@code moe()} and {@code memoryLayers()} are ignored here.
     */
    public static ModelCost of(ModelConfig backbone, MoeConfig moe, List<?> memoryLayers,
            Options options) {
        try {
            return exactCost(backbone, moe, memoryLayers, options);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("the model's sizes (hidden_size "
                    + backbone.hiddenSize() + ", num_hidden_layers " + backbone.numLayers()
                    + ", vocab_size " + backbone.vocabSize() + ", ...) give counts beyond 2^63;"
                    + " no machine holds such a model: use smaller sizes", e);
        }
    }

    /** {@link #of(ModelConfig, MoeConfig, List, Options)} in exact long arithmetic. */
    private static ModelCost exactCost(ModelConfig backbone, MoeConfig moe, List<?> memoryLayers,
            Options options) {
        long d = backbone.hiddenSize();
        long layers = backbone.numLayers();
        long v = backbone.vocabSize();
        int bpp = options.bytesPerParam();
        long moeBlocks = 0;
        if (moe != null) {
            moe.checkLayers(backbone.numLayers());
            for (int i = 0; i < layers; i++) {
                moeBlocks += moe.appliesTo(i) ? 1 : 0;
            }
        }
        long denseBlocks = layers - moeBlocks;

        List<Component> parts = new ArrayList<>();
        long embedding = mul(v, d);
        add(parts, "embedding", embedding, embedding, 2.0 * v * d, bpp);
        long norms = Math.addExact(mul(2, layers, d), d);
        add(parts, "norms", norms, norms, 0, bpp);
        long attention = mul(4, d, d, layers);
        add(parts, "attention", attention, attention, 8.0 * d * d * layers, bpp);
        add(parts, "attention_scores", 0, 0, 4.0 * options.context() * d * layers, bpp);
        long ffn = mul(3, d, backbone.intermediateSize(), denseBlocks);
        add(parts, "ffn", ffn, ffn, 2.0 * ffn, bpp);
        if (moe != null) {
            long router = mul(moe.numExperts(), d);
            long expert = mul(3, d, moe.intermediateSize());
            add(parts, "moe_router", mul(router, moeBlocks), mul(router, moeBlocks),
                    2.0 * router * moeBlocks, bpp);
            add(parts, "moe_experts", mul(moe.numExperts(), expert, moeBlocks),
                    mul(moe.topK(), expert, moeBlocks), 2.0 * moe.topK() * expert * moeBlocks,
                    bpp);
        }
        for (int l = 0; l < memoryLayers.size(); l++) {
            Object spec = memoryLayers.get(l);
            int dModel = backbone.hiddenSize();
            switch (spec) {
                case UltraMemConfig u -> parts.addAll(MemoryLayerCost.ultraMem(l, u, dModel, bpp));
                case PkmConfig p -> parts.addAll(MemoryLayerCost.pkm(l, p, dModel, bpp));
                case MemorySpec.V2 v2 -> parts.addAll(MemoryLayerCost.ultraMemV2(l, v2, dModel,
                        bpp));
                case null, default -> throw new IllegalArgumentException("memory layer " + l
                        + " (" + spec + ") must be an UltraMemConfig, a PkmConfig or a V2 layer");
            }
        }
        long kv = mul(2, layers, d, options.context(), bpp);
        return new ModelCost(options, parts, kv);
    }

    /** The product of {@code factors}; throws {@link ArithmeticException} on overflow. */
    static long mul(long... factors) {
        long p = 1;
        for (long f : factors) {
            p = Math.multiplyExact(p, f);
        }
        return p;
    }

    private static void add(List<Component> parts, String name, long params, long active,
            double flops, int bytesPerParam) {
        if (params != 0 || flops != 0) {
            parts.add(new Component(name, params, active, flops,
                    Math.multiplyExact(active, bytesPerParam)));
        }
    }

    public Options options() {
        return options;
    }

    /** The breakdown, backbone first, then memory layers in model order (zero rows left out). */
    public List<Component> components() {
        return components;
    }

    /** The row named {@code name}. */
    public Component component(String name) {
        for (Component c : components) {
            if (c.name().equals(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("no cost component `" + name + "`; the components are "
                + components.stream().map(Component::name).toList());
    }

    /** Trainable parameters of the whole model. */
    public long totalParams() {
        return components.stream().mapToLong(Component::params).reduce(0, Math::addExact);
    }

    /** Parameters each token reads. */
    public long activeParams() {
        return components.stream().mapToLong(Component::activeParams).reduce(0, Math::addExact);
    }

    /** Forward FLOPs per token (including the attention score term at the options' context). */
    public double flopsPerToken() {
        return components.stream().mapToDouble(Component::flopsPerToken).sum();
    }

    /** Weight bytes read per decoded token at batch 1 (KV cache excluded). */
    public long decodeBytesPerToken() {
        return components.stream().mapToLong(Component::decodeBytes).reduce(0, Math::addExact);
    }

    /** KV-cache bytes read per decoded token at the options' context: 2·L·D·c values. */
    public long kvCacheBytesPerToken() {
        return kvCacheBytesPerToken;
    }

    /** Totals and the breakdown as one JSON object (snake_case keys). */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.newObject();
        o.put("total_params", totalParams());
        o.put("active_params", activeParams());
        putNumber(o, "flops_per_token", flopsPerToken());
        o.put("decode_bytes_per_token", decodeBytesPerToken());
        o.put("kv_cache_bytes_per_token", kvCacheBytesPerToken);
        o.put("attention_context", options.context());
        o.put("bytes_per_param", options.bytesPerParam());
        ArrayNode rows = o.putArray("components");
        for (Component c : components) {
            ObjectNode row = rows.addObject().put("name", c.name()).put("params", c.params())
                    .put("active_params", c.activeParams());
            putNumber(row, "flops_per_token", c.flopsPerToken());
            row.put("decode_bytes", c.decodeBytes());
        }
        return o;
    }

    /** Whole numbers as JSON integers (FLOP counts are whole), anything else as a double. */
    private static void putNumber(ObjectNode o, String key, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 0x1p53) {
            o.put(key, (long) v);
        } else {
            o.put(key, v);
        }
    }
}
