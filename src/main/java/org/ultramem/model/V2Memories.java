package org.ultramem.model;

import java.util.List;
import java.util.Map;
import org.ultramem.model.LanguageModel.Buffer;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemV2Layer;
import org.ultramem.nn.memory.UltraMemV2Values;

/**
 * The UltraMemV2 retrieval layers of a {@link Transformer} and the one value holder they share
 * (V2 spec §7): memory layer m with V2 layer id ℓ reads the window of the shared table at
 * offset ℓ·K0², and all their table gradients add into the holder's. {@link MemoryStack} places
 * and runs them like its other memory layers; this class owns what is V2-only.
 *
 * <p><b>Balance loss weight.</b> Each layer's key-balance gradient is injected with weight
 * β × lossScale per forward call, lossScale = 1/grad_accum from the trainer: the gradient of one
 * optimizer step is that of mean-token loss + β·mean over micro-batches of L_bal, whatever
 * grad_accum is. This is the scaling of UltraMem's {@code key_balance_coef}. The reference
 * injects β per micro-batch (spec §4), i.e. the same with grad_accum = 1 and β·grad_accum of
 * ours otherwise.
 *
 * <p>Names: layer parameters {@code model.memory_layers.{m}.<layer name>} (e.g.
 * {@code query_proj.weight}, {@code tucker_core.0}); the holder
 * {@code model.full_memory_layer.values_for_look_up} [N_all, D_v] and
 * {@code model.full_memory_layer.pre_values_for_look_up} [N_all, D_p] (after every memory
 * layer); buffers {@code tucker_u}, {@code tucker_v} (F32 [H, 2]) and {@code shuffle_index}
 * (I32 [E'·N]) per layer.
 */
final class V2Memories {

    /** Prefix of the shared value holder's parameters (the reference's module name). */
    static final String HOLDER = MemorySpec.V2.HOLDER_PREFIX;

    private final UltraMemV2Values holder;
    /** Indexed by memory index; null where memory layer m is not a V2 layer. */
    private final UltraMemV2Layer[] layers;
    private final V2Diagnostics[] diagnostics;
    private float auxGradScale = 1f;

    /** The V2 layers of {@code specs} (none: an empty instance), for up to maxTokens tokens. */
    V2Memories(List<MemorySpec> specs, int dModel, int maxTokens, long[] seeds) {
        layers = new UltraMemV2Layer[specs.size()];
        diagnostics = new V2Diagnostics[specs.size()];
        UltraMemV2Values values = null;
        for (MemorySpec s : specs) {
            MemorySpec.V2 v = s.ultraMemV2();
            if (v == null) {
                continue;
            }
            int m = s.index();
            if (values == null) { // seeded by the first V2 layer's seed, drawn apart from it
                values = new UltraMemV2Values(v.geometry(), seeds[m] ^ 0x3C6EF372FE94F82BL);
            }
            layers[m] = new UltraMemV2Layer(values, v.layerId(), dModel, maxTokens, seeds[m]);
            diagnostics[m] = new V2Diagnostics(layers[m]);
        }
        holder = values;
    }

    boolean isV2(int m) {
        return layers[m] != null;
    }

    UltraMemV2Layer layer(int m) {
        return layers[m];
    }

    /** The shared holder, null without V2 layers. */
    UltraMemV2Values holder() {
        return holder;
    }

    /** The holder's parameters under their checkpoint names (nothing without V2 layers). */
    void addHolderParameters(Map<String, Parameter> into) {
        if (holder != null) {
            for (Parameter p : holder.parameters()) {
                into.put(HOLDER + p.name, p);
            }
        }
    }

    /** out = Mem_m(a) for a [rows, D]; records the forward's diagnostics. */
    void forward(int m, float[] out, float[] a, int rows) {
        layers[m].forward(out, a, rows);
        diagnostics[m].record(out, rows);
    }

    /** dA += backward of dOut, the balance gradient weighted β × the micro-batch loss scale. */
    void backward(int m, float[] dA, float[] dOut, int rows) {
        UltraMemV2Layer l = layers[m];
        l.backward(dA, dOut, rows, l.config().balanceCoef() * auxGradScale);
    }

    void setAuxGradScale(float scale) {
        this.auxGradScale = scale;
    }

    /** The online u/v update of every V2 layer (once per optimizer step, before any forward). */
    void refreshTucker() {
        for (UltraMemV2Layer l : layers) {
            if (l != null) {
                l.refreshTucker();
            }
        }
    }

    /**
     * L_bal of each V2 layer's last forward ({@code mem{m}.balance}) and β·L_bal into
     * {@code aux_loss}; returns Σ β·L_bal (0 when β = 0).
     */
    double balanceAux(Map<String, Double> aux) {
        double total = 0;
        for (int m = 0; m < layers.length; m++) {
            if (layers[m] != null && layers[m].config().balanceCoef() > 0) {
                double loss = layers[m].balanceLoss();
                aux.put("mem" + m + ".balance", loss);
                total += layers[m].config().balanceCoef() * loss;
            }
        }
        return total;
    }

    /** u, v and π of V2 memory layer m (live arrays). */
    void addBuffers(int m, Map<String, Buffer> into) {
        UltraMemV2Config c = layers[m].config();
        String p = MemoryStack.prefix(m);
        into.put(p + "tucker_u", Buffer.ofF32(layers[m].tuckerU(), c.heads(), c.tuckerRank()));
        into.put(p + "tucker_v", Buffer.ofF32(layers[m].tuckerV(), c.heads(), c.tuckerRank()));
        int[] pi = layers[m].shuffleIndex();
        into.put(p + "shuffle_index", Buffer.ofI32(pi, pi.length));
    }

    /** Loads π of memory layer m through the layer's permutation check. */
    void setShuffleIndex(int m, int[] pi) {
        layers[m].setShuffleIndex(pi);
    }

    /**
     * The value-LR rule of the reference (spec §9) for V and Pre: base schedule ×
     * (1 + (M − 1)·max(0, 1 − t/(max_steps·ρ_lr))), M = mem_value_lr_times, ρ_lr =
     * mem_value_lr_max_steps_rate; lazy row-wise AdamW (both tables are row-sparse).
     */
    void addValueRules(Map<String, ValueTableRule> into) {
        if (holder == null) {
            return;
        }
        UltraMemV2Config c = holder.geometry().config();
        ValueTableRule rule = ValueTableRule.multiplier(c.valueLrTimes(),
                c.valueLrMaxStepsRate(), true);
        for (Parameter p : holder.parameters()) {
            into.put(HOLDER + p.name, rule);
        }
    }

    /** mem{m}.* of the V2 layers since the last drain (layers without a forward skipped). */
    void drainDiagnostics(Map<String, Double> into) {
        for (int m = 0; m < layers.length; m++) {
            if (diagnostics[m] != null) {
                diagnostics[m].drain("mem" + m + ".", into);
            }
        }
    }

    /** Window-row hits of memory layer m since the last drain (a copy). */
    long[] rowUsage(int m) {
        return diagnostics[m].rowUsage();
    }
}
