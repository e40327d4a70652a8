package org.ultramem.bench;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.SplittableRandom;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.DecodeArchitecture.MemorySlot;
import org.ultramem.infer.MemoryWeightStore;
import org.ultramem.infer.Precision;
import org.ultramem.io.Bf16;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.model.MemorySpec;
import org.ultramem.model.ModelConfig;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemV2Geometry;
import org.ultramem.nn.moe.MoeConfig;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The four decode-benchmark models, with random weights built straight into off-heap memory
 * (the same {@code WeightStore} path a loaded checkpoint takes). Sizes:
 * <pre>
 *   dense     V 4096, D 256, 4 heads, 2 blocks, SwiGLU I 2560                  ~5.5 M params
 *   moe       same backbone, every FFN → 128 experts (d_e 1280, top-2: 2·d_e = I, equal FLOPs)
 *   ultramem  same backbone with SwiGLU I 2016, plus memory layers 0:0 and 1:1, each K0 992,
 *             D_k 32, D_v 128, H 2, r 2, T 2, E 4, m = k = 16 (I shrunk for equal FLOPs)
 *   ultramem_v2  same backbone with SwiGLU I 2304, plus UltraMemV2 in every block
 *             (mem_insert_way "full", L 2) as family-ultramem-v2.json shapes it: K0 886, D_k 32,
 *             D_v 128, D_p 32, H 2, T 2, κ_e 1, E 1, m = k = 16, ρ 0.5 (each layer's window is
 *             its own half of the shared N_all = 2·886² rows)
 * </pre>
 * Why these: at batch 64 the 128 top-2 slots hit ~81 of 128 experts per block, so MoE streams
 * ~0.6 GB of expert weights per step against ~25 MB of dense weights plus the KV cache; fewer,
 * larger experts would raise FLOPs/token (I = 2·d_e), more, smaller ones lower the fraction hit.
 * MoE, UltraMem and UltraMemV2 hold ~255 M parameters each (~46× dense) with ≥ 1 GB (fp32) of
 * sparse weights each; FLOPs/token agree within 1% and UltraMem's folded keys are ~2 MB per step
 * (V2's ~0.9 MB).
 * {@code RandomModelsTest} holds these budgets.
 */
final class RandomModels {

    static final int VOCAB = 4096;
    static final int HIDDEN = 256;
    static final int HEADS = 4;
    static final int LAYERS = 2;
    static final int DENSE_FFN = 2560;
    static final int UM_FFN = 2016;
    static final int EXPERTS = 128;
    static final int EXPERT_FFN = 1280;
    static final int K0 = 992;
    static final int V2_FFN = 2304;
    static final int V2_K0 = 886;

    private RandomModels() {
    }

    static DecodeArchitecture dense(int context) {
        return DecodeArchitecture.dense(backbone(DENSE_FFN, context));
    }

    static DecodeArchitecture moe(int context) {
        MoeConfig moe = new MoeConfig(EXPERTS, 2, EXPERT_FFN, 0.01, 0.001, false, null);
        return new DecodeArchitecture(backbone(DENSE_FFN, context), moe, List.of());
    }

    static DecodeArchitecture ultraMem(int context) {
        UltraMemConfig um = UltraMemConfig.of(K0, 32, 128, 16);
        return new DecodeArchitecture(backbone(UM_FFN, context), null,
                List.of(new MemorySlot(0, 0, 0, um), new MemorySlot(1, 1, 1, um)));
    }

    static DecodeArchitecture ultraMemV2(int context) {
        UltraMemV2Config v2 = UltraMemV2Config.of(V2_K0, 32, 128, 32, 16).withShape(2, 2, 1, 1)
                .withRetrieval(0.5, 0, false);
        return new DecodeArchitecture(backbone(V2_FFN, context), null, List.of(
                new MemorySlot(0, 0, 0, new MemorySpec.V2(v2, 0, LAYERS, "0:0")),
                new MemorySlot(1, 1, 1, new MemorySpec.V2(v2, 1, LAYERS, "1:1"))));
    }

    private static ModelConfig backbone(int ffn, int context) {
        return ModelConfig.of(VOCAB, HIDDEN, LAYERS, HEADS, ffn, context);
    }

    /**
     * Forward FLOPs per token, 2 per multiply-add, excluding attention over the KV cache (the
     * same for all three models): projections, FFN or router + top-k experts, memory-layer
     * query, coarse scoring, exact components, grid, pooling and output projection, logits.
     */
    static double flopsPerToken(DecodeArchitecture a) {
        ModelConfig c = a.model();
        double d = c.hiddenSize();
        double f = 2 * c.vocabSize() * d;
        for (int l = 0; l < c.numLayers(); l++) {
            f += 2 * 4 * d * d;
            f += a.moeAt(l) ? a.moe().flopsPerToken(c.hiddenSize())
                    : 2 * 3 * d * c.intermediateSize();
        }
        for (MemorySlot s : a.memory()) {
            if (s.ultraMemV2() != null) {
                f += v2Flops(s.ultraMemV2(), d);
                continue;
            }
            UltraMemConfig u = s.ultraMem();
            double h = u.heads();
            f += 2 * (u.querySlots() * 2.0 * u.keyDim() * d + h * 2 * u.keysPerSide() * u.keyDim()
                    + h * 2 * u.candidates() * u.tuckerRank() * u.keyDim()
                    + h * u.candidates() * u.candidates() * u.tuckerRank()
                    + h * u.topK() * u.valueDim() + d * u.valueExpand() * u.valueDim());
        }
        return f;
    }

    /**
     * One V2 layer, as the V1 count: query, pre-value input, coarse scoring of the folded keys,
     * exact components, grid, pre-value dots, pooling and output projection.
     */
    private static double v2Flops(MemorySpec.V2 v, double d) {
        UltraMemV2Config c = v.config();
        double h = c.heads();
        double m = c.knn();
        double n = v.geometry().keysPerSide();
        return 2 * (4.0 * c.keyDim() * d + c.preValueDim() * d + h * 2 * n * c.keyDim()
                + h * 2 * m * c.tuckerRank() * c.keyDim() + h * m * m * c.tuckerRank()
                + h * m * (c.valueDim() + c.preValueDim()) + d * c.poolWidth());
    }

    /** Rows × width of V2's shared tables (V and Pre), counted once per model; 0 without V2. */
    private static long v2TableParams(DecodeArchitecture a) {
        for (MemorySlot s : a.memory()) {
            if (s.ultraMemV2() != null) {
                UltraMemV2Config c = s.ultraMemV2().config();
                return (long) s.ultraMemV2().geometry().allValueNum()
                        * (c.valueDim() + c.preValueDim());
            }
        }
        return 0;
    }

    /** Bytes of sparse weights (experts or value tables) stored in {@code precision}. */
    static long sparseBytes(DecodeArchitecture a, Precision precision) {
        ModelConfig c = a.model();
        long params = 0;
        for (int l = 0; l < c.numLayers(); l++) {
            if (a.moeAt(l)) {
                params += 3L * a.moe().numExperts() * a.moe().intermediateSize() * c.hiddenSize();
            }
        }
        for (MemorySlot s : a.memory()) {
            if (s.ultraMem() != null) {
                params += (long) s.ultraMem().valueNum() * s.ultraMem().valueDim();
            }
        }
        return (params + v2TableParams(a)) * precision.bytes();
    }

    /** Total parameters (weights the checkpoint would hold, buffers excluded). */
    static long parameters(DecodeArchitecture a) {
        ModelConfig c = a.model();
        long d = c.hiddenSize();
        long p = (long) c.vocabSize() * d + d;
        for (int l = 0; l < c.numLayers(); l++) {
            p += 4 * d * d + 2 * d;
            p += a.moeAt(l) ? a.moe().parameterCount(c.hiddenSize())
                    : 3 * d * c.intermediateSize();
        }
        for (MemorySlot s : a.memory()) {
            if (s.ultraMemV2() != null) {
                UltraMemV2Config v = s.ultraMemV2().config();
                p += 4L * v.keyDim() * d + 2L * v.keyDim()
                        + 2L * v.heads() * s.ultraMemV2().geometry().keysPerSide() * v.keyDim()
                        * v.tuckerRank() + (long) v.tuckerCores() * v.heads() * v.tuckerRank()
                        * v.tuckerRank() + (long) v.preValueDim() * d + d * v.poolWidth();
                continue;
            }
            UltraMemConfig u = s.ultraMem();
            p += (long) u.querySlots() * 2 * u.keyDim() * d + 2L * u.keyDim()
                    + (long) u.heads() * 2 * u.keysPerSide() * u.keyDim() * u.tuckerRank()
                    + (long) u.tuckerCores() * u.heads() * u.tuckerRank() * u.tuckerRank()
                    + (long) u.valueNum() * u.valueDim() + d * u.valueExpand() * u.valueDim();
        }
        return p + v2TableParams(a);
    }

    /** Random weights for {@code a}: matrices in {@code precision}, small tensors fp32. */
    static MemoryWeightStore build(DecodeArchitecture a, Precision precision, long seed) {
        ModelConfig c = a.model();
        int d = c.hiddenSize();
        MemoryWeightStore s = new MemoryWeightStore();
        SplittableRandom root = new SplittableRandom(seed);
        matrix(s, "model.embed_tokens.weight", precision, root, 0.02, c.vocabSize(), d);
        ones(s, "model.norm.weight", d);
        for (int l = 0; l < c.numLayers(); l++) {
            String p = "model.layers." + l + ".";
            ones(s, p + "input_layernorm.weight", d);
            ones(s, p + "post_attention_layernorm.weight", d);
            for (String w : new String[] {"q", "k", "v", "o"}) {
                matrix(s, p + "self_attn." + w + "_proj.weight", precision, root, 0.02, d, d);
            }
            if (a.moeAt(l)) {
                MoeConfig m = a.moe();
                matrix(s, p + "mlp.router.weight", Precision.F32, root, 0.02, m.numExperts(), d);
                for (int e = 0; e < m.numExperts(); e++) {
                    String q = p + "mlp.experts." + e + ".";
                    int de = m.intermediateSize();
                    matrix(s, q + "gate_proj.weight", precision, root, 0.02, de, d);
                    matrix(s, q + "up_proj.weight", precision, root, 0.02, de, d);
                    matrix(s, q + "down_proj.weight", precision, root, 0.02, d, de);
                }
            } else {
                int i = c.intermediateSize();
                matrix(s, p + "mlp.gate_proj.weight", precision, root, 0.02, i, d);
                matrix(s, p + "mlp.up_proj.weight", precision, root, 0.02, i, d);
                matrix(s, p + "mlp.down_proj.weight", precision, root, 0.02, d, i);
            }
        }
        boolean v2Tables = false;
        for (MemorySlot m : a.memory()) {
            String p = "model.memory_layers." + m.index() + ".";
            if (m.ultraMemV2() == null) {
                memoryLayer(s, p, m.ultraMem(), d, precision, root);
                continue;
            }
            UltraMemV2Config v = m.ultraMemV2().config();
            UltraMemV2Geometry g = m.ultraMemV2().geometry();
            if (!v2Tables) {
                v2Tables = true;
                String h = MemorySpec.V2.HOLDER_PREFIX;
                matrix(s, h + "values_for_look_up", precision, root, 0.02, g.allValueNum(),
                        v.valueDim());
                if (v.preValueDim() > 0) {
                    matrix(s, h + "pre_values_for_look_up", precision, root, 0.02,
                            g.allValueNum(), v.preValueDim());
                }
            }
            v2Layer(s, p, v, g, d, precision, root);
        }
        return s;
    }

    /** One V2 retrieval layer's own tensors (the shared tables are built once by the caller). */
    private static void v2Layer(MemoryWeightStore s, String p, UltraMemV2Config v,
                                UltraMemV2Geometry g, int d, Precision precision,
                                SplittableRandom root) {
        int h = v.heads();
        int r = v.tuckerRank();
        matrix(s, p + "query_proj.weight", precision, root, 0.02, 4 * v.keyDim(), d);
        ones(s, p + "query_norm.weight", v.keyDim());
        ones(s, p + "keys_norm.weight", v.keyDim());
        matrix(s, p + "keys", Precision.F32, root, 0.02, h, 2, g.keysPerSide(), v.keyDim(), r);
        for (int t = 0; t < v.tuckerCores(); t++) {
            matrix(s, p + "tucker_core." + t, Precision.F32, root, 0.5, h, r, r);
        }
        matrix(s, p + "tucker_u", Precision.F32, root, 0.7, h, r);
        matrix(s, p + "tucker_v", Precision.F32, root, 0.7, h, r);
        matrix(s, p + "values_proj.weight", precision, root, 0.02, d, v.poolWidth());
        if (v.preValueDim() > 0) {
            matrix(s, p + "pre_values_proj.weight", precision, root, 0.02, v.preValueDim(), d);
        }
        s.putI32(p + "shuffle_index", permutation(g.virtualValueNum(), root.split()),
                g.virtualValueNum());
    }

    private static void memoryLayer(MemoryWeightStore s, String p, UltraMemConfig u, int d,
                                    Precision precision, SplittableRandom root) {
        int h = u.heads();
        int r = u.tuckerRank();
        matrix(s, p + "query_proj.weight", precision, root, 0.02, u.querySlots() * 2 * u.keyDim(),
                d);
        ones(s, p + "query_norm.weight", u.keyDim());
        ones(s, p + "keys_norm.weight", u.keyDim());
        matrix(s, p + "keys", Precision.F32, root, 0.02, h, 2, u.keysPerSide(), u.keyDim(), r);
        for (int t = 0; t < u.tuckerCores(); t++) {
            matrix(s, p + "tucker_core." + t, Precision.F32, root, 0.5, h, r, r);
        }
        matrix(s, p + "tucker_u", Precision.F32, root, 0.7, h, r);
        matrix(s, p + "tucker_v", Precision.F32, root, 0.7, h, r);
        matrix(s, p + "values", precision, root, 0.02, u.valueNum(), u.valueDim());
        matrix(s, p + "values_proj.weight", precision, root, 0.02, d,
                u.valueExpand() * u.valueDim());
        int size = u.valueExpand() * u.valueNum();
        s.putI32(p + "shuffle_index", permutation(size, root.split()), size);
    }

    /** A uniformly random permutation of 0..size−1 (Fisher-Yates). */
    private static int[] permutation(int size, SplittableRandom rnd) {
        int[] pi = new int[size];
        for (int i = 0; i < size; i++) {
            pi[i] = i;
        }
        for (int i = size - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = pi[i];
            pi[i] = pi[j];
            pi[j] = t;
        }
        return pi;
    }

    private static void ones(MemoryWeightStore s, String name, int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        s.putF32(name, v, n);
    }

    /** Uniform in ±std·√3 (variance std²), filled in parallel blocks, each with its own stream. */
    private static void matrix(MemoryWeightStore s, String name, Precision precision,
                               SplittableRandom root, double std, long... shape) {
        MemorySegment seg = s.allocate(name, precision.dtype(), shape);
        long count = seg.byteSize() / precision.bytes();
        long seed = root.nextLong();
        float a = (float) (std * Math.sqrt(3));
        int blocks = (int) Math.max(1, Math.min(4096, count / (1 << 16)));
        Parallel.forRange(blocks, 1, (b0, b1) -> {
            for (int b = b0; b < b1; b++) {
                long from = count * b / blocks;
                long to = count * (b + 1) / blocks;
                long x = seed ^ (0x9E3779B97F4A7C15L * (b + 1));
                for (long i = from; i < to; i++) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    float v = a * ((x >>> 40) * 0x1.0p-23f - 1f);
                    if (precision == Precision.BF16) {
                        seg.setAtIndex(SafeTensorsFile.I16_LE, i, Bf16.fromFloat(v));
                    } else {
                        seg.setAtIndex(SafeTensorsFile.F32_LE, i, v);
                    }
                }
            }
        });
        if (precision.dtype() != DType.F32 && precision.dtype() != DType.BF16) {
            throw new IllegalStateException("unexpected precision " + precision);
        }
    }
}
