package org.ultramem.model;

import java.util.ArrayList;
import java.util.List;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemConfig;

/**
 * Per-part cost of one memory layer (spec §E.1 UltraMem, §E.2 PKM), used by {@link ModelCost}.
 * Each part is a {@link ModelCost.Component} named {@code memory.<l>.<part>}; parts with neither
 * parameters nor FLOPs are left out. Activated parameters: every dense part in full (all keys are
 * scored each token) and H·k value rows of D_v scalars; bytes per decoded token = activated × the
 * bytes per parameter.
 *
 * <p>UltraMem FLOPs follow the V1 formula of spec §E.1 whatever the ablation switches (Q query
 * slots = 1 with a shared query, else H; n = √E·K0):
 * <pre>
 *   query    2·D·Q·2D_k
 *   keys     2·H·2·n·D_k·r  (scoring)  +  2·H·2·n·r  (coarse rank-1 combine)
 *   cores    2·H·T·(m·r² + m²·r)        (refined m×m grid per core)
 *   values   2·H·k·D_v                  (weighted pooling)
 *   out_proj 2·E·D_v·D
 *   out_gate 2·D²                       (output_gate "silu"; "scale" has D parameters, no FLOPs)
 * </pre>
 * Query BatchNorm ({@code query_batchnorm}) adds its 2·Q·2D_k affine parameters to "norms".
 * PKM FLOPs split {@link PkmConfig#flopsPerToken}: query 2·D·H·Dq, keys 2·H·n·Dq + H·k²
 * (scoring and candidate sums), values 2·H·k·D. Top-m/top-k selection, softmax and the RMS/Batch
 * norms are not counted anywhere (elementwise work, as in spec §E).
 *
 * <p>UltraMemV2 retrieval layer (V2 spec §3; n = κ_e·K0', m = k = knn, r = 2, E ∈ {1, κ_e²}),
 * counted as the reference computes it, with the V1 conventions:
 * <pre>
 *   query      2·D·4D_k                   (2 query slots × row/column)
 *   keys       2·H·2·n·D_k·r + 2·H·2·n·r  (scoring every key, coarse rank-1 combine)
 *   cores      2·H·T·(m·r² + m²·r)
 *   values     2·H·k·D_v                  (H·k rows of the shared V: active, no own params)
 *   pre_values 2·H·k·D_p                  (H·k pre-score dots with rows of the shared Pre)
 *   pre_proj   2·D·D_p                    (pre-value input)
 *   out_proj   2·E·D_v·D
 * </pre>
 * The shared tables are counted once, as {@code memory.shared.values} (N_all·D_v) and
 * {@code memory.shared.pre_values} (N_all·D_p), with no active parameters of their own: each
 * layer's reads are in its {@code values} and {@code pre_values} parts.
 *
 * <p>V2 decode bytes per token are what the decode engine ({@code infer.UltraMemV2Decoder})
 * reads at batch 1, checked against its traffic meter by {@code UltraMemV2DecodeCostTest}: the
 * projections (query, pre_proj, out_proj) and the H·k value and pre-value rows at the bytes per
 * parameter; and in fp32, whatever that is, the query norm (D_k; the key norm is folded into
 * the keys at load), the cores (T·H·r²) and the keys as scored: the folded keys K_fold in full
 * (2·H·n·D_k) plus the candidates' rank rows (2·H·m·r·D_k). The value rows are an upper bound:
 * two heads selecting one row read it once.
 */
final class MemoryLayerCost {

    private MemoryLayerCost() {
    }

    /** The parts of UltraMem layer {@code index}: query, norms, keys, cores, values, out_proj. */
    static List<ModelCost.Component> ultraMem(int index, UltraMemConfig c, int dModel,
            int bytesPerParam) {
        long d = dModel;
        long dk = c.keyDim();
        long dv = c.valueDim();
        long n = c.keysPerSide();
        long h = c.heads();
        long r = c.tuckerRank();
        long t = c.tuckerCores();
        long m = c.candidates();
        long k = c.topK();
        long e = c.valueExpand();
        long querySlots = c.querySlots();

        long queryParams = ModelCost.mul(querySlots, 2, dk, d);
        long normParams = (c.qkNorm() ? 2 * dk : 0)
                + (c.remedies().queryBatchNorm() ? ModelCost.mul(2, querySlots, 2, dk) : 0);
        long keyParams = ModelCost.mul(h, 2, n, dk, r);
        long coreParams = c.tdqkr() ? ModelCost.mul(t, h, r, r) : 0;
        long valueParams = ModelCost.mul(c.valueNum(), dv);
        long outParams = c.outputProjection() ? ModelCost.mul(d, e, dv) : 0;

        List<ModelCost.Component> parts = new ArrayList<>();
        String p = "memory." + index + ".";
        add(parts, p + "query", queryParams, queryParams, 2.0 * d * querySlots * 2 * dk,
                bytesPerParam);
        add(parts, p + "norms", normParams, normParams, 0, bytesPerParam);
        add(parts, p + "keys", keyParams, keyParams, 2.0 * h * 2 * n * dk * r + 2.0 * h * 2 * n * r,
                bytesPerParam);
        add(parts, p + "cores", coreParams, coreParams,
                2.0 * h * t * (m * r * r + m * m * r), bytesPerParam);
        add(parts, p + "values", valueParams, ModelCost.mul(h, k, dv), 2.0 * h * k * dv,
                bytesPerParam);
        add(parts, p + "out_proj", outParams, outParams,
                c.outputProjection() ? 2.0 * e * dv * d : 0, bytesPerParam);
        String gate = c.remedies().outputGate();
        long gateParams = "silu".equals(gate) ? d * d : "scale".equals(gate) ? d : 0;
        add(parts, p + "out_gate", gateParams, gateParams, "silu".equals(gate) ? 2.0 * d * d : 0,
                bytesPerParam);
        return parts;
    }

    /** The parts of PKM layer {@code index}: query (weight and bias), norms (BatchNorm), keys, values. */
    static List<ModelCost.Component> pkm(int index, PkmConfig c, int dModel, int bytesPerParam) {
        long d = dModel;
        long h = c.heads();
        long dq = c.keyDim();
        long n = c.numKeys();
        long k = c.topK();
        long q = h * dq;

        long queryParams = Math.addExact(ModelCost.mul(q, d), q);
        long normParams = c.queryBatchNorm() ? 2 * q : 0;
        long keyParams = ModelCost.mul(h, 2, n, dq / 2);
        long valueParams = ModelCost.mul(c.numSlots(), d);

        List<ModelCost.Component> parts = new ArrayList<>();
        String p = "memory." + index + ".";
        add(parts, p + "query", queryParams, queryParams, 2.0 * d * h * dq, bytesPerParam);
        add(parts, p + "norms", normParams, normParams, 0, bytesPerParam);
        add(parts, p + "keys", keyParams, keyParams, 2.0 * h * n * dq + (double) h * k * k,
                bytesPerParam);
        add(parts, p + "values", valueParams, ModelCost.mul(h, k, d), 2.0 * h * k * d,
                bytesPerParam);
        return parts;
    }

    /** The parts of V2 retrieval layer {@code index}, plus the shared tables with layer id 0. */
    static List<ModelCost.Component> ultraMemV2(int index, MemorySpec.V2 v, int dModel,
            int bytesPerParam) {
        var c = v.config();
        var g = v.geometry();
        long d = dModel;
        long dk = c.keyDim();
        long dv = c.valueDim();
        long dp = c.preValueDim();
        long n = g.keysPerSide();
        long h = c.heads();
        long r = c.tuckerRank();
        long t = c.tuckerCores();
        long m = c.knn();
        long slots = h * m;

        long queryParams = ModelCost.mul(4, dk, d);
        long keyParams = ModelCost.mul(h, 2, n, dk, r);
        long coreParams = ModelCost.mul(t, h, r, r);
        long preProj = ModelCost.mul(dp, d);
        long outParams = ModelCost.mul(d, c.poolWidth());

        // Keys, their norms and the cores are read as fp32 whatever the weights' precision
        // (the decode engine keeps them on the heap): see the class comment.
        long fp32 = Float.BYTES;
        List<ModelCost.Component> parts = new ArrayList<>();
        String p = "memory." + index + ".";
        add(parts, p + "query", queryParams, queryParams, 2.0 * d * 4 * dk, bytesPerParam);
        addRead(parts, p + "norms", 2 * dk, 2 * dk, 0, dk * fp32);
        addRead(parts, p + "keys", keyParams, keyParams,
                2.0 * h * 2 * n * dk * r + 2.0 * h * 2 * n * r,
                ModelCost.mul(2, h, n + m * r, dk, fp32));
        addRead(parts, p + "cores", coreParams, coreParams, 2.0 * h * t * (m * r * r + m * m * r),
                coreParams * fp32);
        add(parts, p + "values", 0, ModelCost.mul(slots, dv), 2.0 * slots * dv, bytesPerParam);
        add(parts, p + "pre_values", 0, ModelCost.mul(slots, dp), 2.0 * slots * dp,
                bytesPerParam);
        add(parts, p + "pre_proj", preProj, preProj, 2.0 * preProj, bytesPerParam);
        add(parts, p + "out_proj", outParams, outParams, 2.0 * outParams, bytesPerParam);
        if (v.layerId() == 0) {
            add(parts, "memory.shared.values", ModelCost.mul(g.allValueNum(), dv), 0, 0,
                    bytesPerParam);
            add(parts, "memory.shared.pre_values", ModelCost.mul(g.allValueNum(), dp), 0, 0,
                    bytesPerParam);
        }
        return parts;
    }

    /** A part whose decode bytes are not active × bytes per parameter (see the class comment). */
    private static void addRead(List<ModelCost.Component> parts, String name, long params,
            long active, double flops, long decodeBytes) {
        if (params != 0 || flops != 0) {
            parts.add(new ModelCost.Component(name, params, active, flops, decodeBytes));
        }
    }

    private static void add(List<ModelCost.Component> parts, String name, long params, long active,
            double flops, int bytesPerParam) {
        if (params != 0 || flops != 0) {
            parts.add(new ModelCost.Component(name, params, active, flops,
                    Math.multiplyExact(active, bytesPerParam)));
        }
    }
}
