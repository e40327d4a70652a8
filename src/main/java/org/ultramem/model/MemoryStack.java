package org.ultramem.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ultramem.model.LanguageModel.Buffer;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.ParameterReset;
import org.ultramem.nn.memory.PkmDiagnostics;
import org.ultramem.nn.memory.ProductKeyMemory;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemDiagnostics;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.tensor.kernel.Kernels;

/**
 * The memory layers of a {@link Transformer} and their pending outputs (skip-layer placement,
 * {@link LayerPlan}). Memory layer ℓ ("i:j") runs on block i's normalized FFN input; its output
 * out[ℓ] [rows, D] waits until block j has finished and is then added to the residual stream.
 * In backward, ∂L/∂x_{j+1} is copied into dOut[ℓ] when block j is undone, and the layer's
 * backward adds its dx into block i's ff-norm output gradient. Layers at the same block run in
 * ascending index order forward and descending backward.
 *
 * <p>Names: {@code model.memory_layers.{ℓ}.<the layer's own name>}; buffers UltraMem
 * {@code tucker_u}, {@code tucker_v} (F32 [H, r]), {@code shuffle_index} (I32 [E·N]), with
 * {@code query_batchnorm} {@code query_bn.running_mean}, {@code query_bn.running_var}
 * (F32 [Q·2·D_k]) and with {@code dead_key_restart_steps} {@code key_window_use} (I32 [H, 2, n]);
 * PKM {@code query_bn.running_mean}, {@code query_bn.running_var} (F32 [H·Dq]). UltraMemV2 layers
 * and their shared value table live in {@link V2Memories} (names there).
 */
final class MemoryStack {

    private final List<MemorySpec> specs;
    private final LayerPlan plan;
    private final UltraMemLayer[] ultra;
    private final ProductKeyMemory[] pkm;
    private final V2Memories v2;
    private final float[][] out;
    private final float[][] dOut;
    private final int dModel;

    /** Builds every layer for up to {@code maxTokens} tokens per forward; seeds[ℓ] seeds layer ℓ. */
    MemoryStack(ModelConfig cfg, int maxTokens, long[] seeds) {
        this.specs = cfg.memoryLayers();
        this.plan = cfg.layerPlan();
        this.dModel = cfg.hiddenSize();
        int n = specs.size();
        ultra = new UltraMemLayer[n];
        pkm = new ProductKeyMemory[n];
        out = new float[n][maxTokens * dModel];
        dOut = new float[n][maxTokens * dModel];
        for (int l = 0; l < n; l++) {
            MemorySpec s = specs.get(l);
            if (s.ultraMem() != null) {
                ultra[l] = new UltraMemLayer(s.ultraMem(), dModel, maxTokens, seeds[l]);
            } else if (s.pkm() != null) {
                pkm[l] = new ProductKeyMemory(s.pkm(), dModel, maxTokens, seeds[l]);
            }
        }
        v2 = new V2Memories(specs, dModel, maxTokens, seeds);
    }

    int size() {
        return specs.size();
    }

    static String prefix(int l) {
        return "model.memory_layers." + l + ".";
    }

    /** Every memory parameter under its checkpoint name, layer by layer, then V2's shared table. */
    void addParameters(Map<String, Parameter> into) {
        for (int l = 0; l < size(); l++) {
            List<Parameter> ps = ultra[l] != null ? ultra[l].parameters()
                    : pkm[l] != null ? pkm[l].parameters() : v2.layer(l).parameters();
            for (Parameter p : ps) {
                into.put(prefix(l) + p.name, p);
            }
        }
        v2.addHolderParameters(into);
    }

    // ---- training path ----

    /** Runs the layers that read block {@code block}: out[ℓ] = Mem_ℓ(a) for a [rows, D]. */
    void forwardReaders(int block, float[] a, int rows) {
        for (int l : plan.readersOf(block)) {
            if (ultra[l] != null) {
                ultra[l].forward(out[l], a, rows);
            } else if (pkm[l] != null) {
                pkm[l].forward(out[l], a, rows);
            } else {
                v2.forward(l, out[l], a, rows);
            }
        }
    }

    /** x += out[ℓ] for every layer whose output joins after block {@code block}. */
    void addPending(Kernels k, int block, float[] x, int rows) {
        for (int l : plan.addedAfter(block)) {
            k.add(x, x, out[l], rows * dModel);
        }
    }

    /** Undoes {@link #addPending}: dOut[ℓ] = ∂L/∂x_{block+1} (descending ℓ). */
    void savePendingGrad(int block, float[] dResidual, int rows) {
        int[] ls = plan.addedAfter(block);
        for (int i = ls.length - 1; i >= 0; i--) {
            System.arraycopy(dResidual, 0, dOut[ls[i]], 0, rows * dModel);
        }
    }

    /** Undoes {@link #forwardReaders}: dA += Mem_ℓ backward of dOut[ℓ] (descending ℓ). */
    void backwardReaders(int block, float[] dA, int rows) {
        int[] ls = plan.readersOf(block);
        for (int i = ls.length - 1; i >= 0; i--) {
            int l = ls[i];
            if (ultra[l] != null) {
                ultra[l].backward(dA, dOut[l], rows);
            } else if (pkm[l] != null) {
                pkm[l].backward(dA, dOut[l], rows);
            } else {
                v2.backward(l, dA, dOut[l], rows);
            }
        }
    }

    /**
     * Training (true) or evaluation mode of every layer: PKM and UltraMem query BatchNorm use
     * batch or running statistics; UltraMem's key-balance loss and restart counts follow
     * training forwards only.
     */
    void setTraining(boolean training) {
        for (ProductKeyMemory p : pkm) {
            if (p != null) {
                p.setTraining(training);
            }
        }
        for (UltraMemLayer u : ultra) {
            if (u != null) {
                u.setTraining(training);
            }
        }
    }

    /** Gradient scale of the UltraMem and V2 key-balance losses (the micro-batch's loss scale). */
    void setAuxGradScale(float scale) {
        v2.setAuxGradScale(scale);
        for (UltraMemLayer u : ultra) {
            if (u != null) {
                u.setAuxGradScale(scale);
            }
        }
    }

    /** The dead sub-key restart of every UltraMem layer (layer ℓ seeded by seed and ℓ). */
    void afterStep(long stepsDone, long seed, ParameterReset reset) {
        for (int l = 0; l < size(); l++) {
            if (ultra[l] != null) {
                ultra[l].afterStep(stepsDone, seed ^ (0xD1B54A32D192ED03L * (l + 1)), reset);
            }
        }
    }

    /** The online u/v update of every UltraMem and V2 layer (once per optimizer step). */
    void refreshTucker() {
        v2.refreshTucker();
        for (UltraMemLayer u : ultra) {
            if (u != null) {
                u.refreshTucker();
            }
        }
    }

    /** Adds each UltraMem layer's Tucker aux-loss gradient (scaled); reports mem{ℓ}.tucker_aux. */
    double tuckerAux(double gradScale, Map<String, Double> aux) {
        double total = 0;
        for (int l = 0; l < size(); l++) {
            if (ultra[l] != null && ultra[l].config().tuckerAuxAlpha() > 0) {
                double v = ultra[l].tuckerAuxLoss(gradScale);
                aux.put("mem" + l + ".tucker_aux", v);
                total += v;
            }
        }
        return total;
    }

    /** V2 balance losses of the last forward ({@code mem{m}.balance}); returns Σ β·L_bal. */
    double v2BalanceAux(Map<String, Double> aux) {
        return v2.balanceAux(aux);
    }

    // ---- state, optimizer settings, diagnostics ----

    void addBuffers(Map<String, Buffer> into) {
        for (int l = 0; l < size(); l++) {
            if (ultra[l] != null) {
                UltraMemConfig c = ultra[l].config();
                into.put(prefix(l) + "tucker_u", Buffer.ofF32(ultra[l].tuckerU(), c.heads(),
                        c.tuckerRank()));
                into.put(prefix(l) + "tucker_v", Buffer.ofF32(ultra[l].tuckerV(), c.heads(),
                        c.tuckerRank()));
                int[] pi = ultra[l].shuffleIndex();
                into.put(prefix(l) + "shuffle_index", Buffer.ofI32(pi, pi.length));
                float[] mean = ultra[l].queryBatchNormRunningMean();
                if (mean != null) {
                    into.put(prefix(l) + "query_bn.running_mean", Buffer.ofF32(mean, mean.length));
                    float[] var = ultra[l].queryBatchNormRunningVar();
                    into.put(prefix(l) + "query_bn.running_var", Buffer.ofF32(var, var.length));
                }
                int[] use = ultra[l].deadKeyWindowUse();
                if (use != null) {
                    into.put(prefix(l) + "key_window_use", Buffer.ofI32(use, c.heads(), 2,
                            c.keysPerSide()));
                }
            } else if (pkm[l] != null) {
                for (Map.Entry<String, float[]> e : pkm[l].buffers().entrySet()) {
                    float[] v = e.getValue();
                    into.put(prefix(l) + e.getKey(), Buffer.ofF32(v, v.length));
                }
            } else {
                v2.addBuffers(l, into);
            }
        }
    }

    /** Restores buffers; π goes through the layer's permutation check. */
    void loadBuffers(Map<String, Buffer> saved) {
        Map<String, Buffer> mine = new LinkedHashMap<>();
        addBuffers(mine);
        for (Map.Entry<String, Buffer> e : mine.entrySet()) {
            String name = e.getKey();
            if (!name.endsWith(".shuffle_index")) {
                e.getValue().copyFrom(name, saved.get(name));
                continue;
            }
            Buffer staged = Buffer.ofI32(new int[e.getValue().i32().length], e.getValue().shape());
            staged.copyFrom(name, saved.get(name));
            int l = Integer.parseInt(name.substring("model.memory_layers.".length(),
                    name.length() - ".shuffle_index".length()));
            if (v2.isV2(l)) {
                v2.setShuffleIndex(l, staged.i32());
            } else {
                ultra[l].setShuffleIndex(staged.i32());
            }
        }
    }

    void addValueRules(Map<String, ValueTableRule> into) {
        for (int l = 0; l < size(); l++) {
            if (ultra[l] != null) {
                UltraMemConfig c = ultra[l].config();
                into.put(prefix(l) + "values", ValueTableRule.multiplier(c.valueLrMult(),
                        c.valueLrDecayFrac(), "lazy_adamw".equals(c.valueOptimizer()))
                        .with(c.remedies().valueWeightDecay(), c.remedies().valueGradClip()));
            } else if (pkm[l] != null) {
                into.put(prefix(l) + "values", ValueTableRule.ownPeak(pkm[l].config().valueLr(),
                        false));
            }
        }
        v2.addValueRules(into);
    }

    /** The retrieval parameters of UltraMem layers that ask for their own learning rate. */
    void addRetrievalRules(Map<String, RetrievalRule> into) {
        for (int l = 0; l < size(); l++) {
            if (ultra[l] == null || !ultra[l].config().remedies().ownRetrievalLr()) {
                continue;
            }
            var r = ultra[l].config().remedies();
            RetrievalRule rule = new RetrievalRule(r.retrievalLrMult(), r.retrievalWarmupSteps());
            for (Parameter p : ultra[l].retrievalParameters()) {
                into.put(prefix(l) + p.name, rule);
            }
        }
    }

    /** mem{ℓ}.* statistics since the last drain (layers without a forward are skipped). */
    void drainDiagnostics(Map<String, Double> into) {
        for (int l = 0; l < size(); l++) {
            String p = "mem" + l + ".";
            if (ultra[l] != null) {
                UltraMemDiagnostics d = ultra[l].diagnostics();
                if (!Double.isNaN(d.top1MeanScore())) {
                    usage(into, p, d.rowUsage(), d.keyUsage());
                    into.put(p + "top1_score", d.top1MeanScore());
                    into.put(p + "topk_score", d.topKMeanScore());
                    into.put(p + "out_std", d.outputStd());
                    if (ultra[l].config().remedies().keyBalanceCoef() > 0) {
                        into.put(p + "balance_loss", d.meanBalanceLoss());
                    }
                    if (ultra[l].config().remedies().deadKeyRestartSteps() > 0) {
                        into.put(p + "keys_restarted", (double) d.keysRestarted());
                    }
                    double[][] sv = ultra[l].coreSingularValues();
                    for (int i = 0; sv.length > 0 && i < sv[0].length; i++) {
                        double mean = 0;
                        for (double[] head : sv) {
                            mean += head[i] / sv.length;
                        }
                        into.put(p + "core_sv." + i, mean);
                    }
                }
                d.reset();
            } else if (pkm[l] != null) {
                PkmDiagnostics d = pkm[l].diagnostics();
                if (!Double.isNaN(d.meanTop1Score())) {
                    usage(into, p, toLong(d.slotUsage()), toLong(d.keyUsage()));
                    into.put(p + "top1_score", d.meanTop1Score());
                    into.put(p + "topk_score", d.meanTopKScore());
                    into.put(p + "out_std", d.outputStd());
                }
                pkm[l].resetDiagnostics();
            }
        }
        v2.drainDiagnostics(into);
    }

    /**
     * slot_frac (rows used at least once), key_frac, dead_slots (rows never used),
     * usage_entropy: Shannon entropy H of the row-usage distribution divided by ln(rows), so 1 is
     * perfectly uniform use and 0 is one row only, and usage_kl = ln(rows) − H, the KL divergence
     * from the uniform distribution in nats (0 when uniform).
     */
    static void usage(Map<String, Double> into, String p, long[] rows, long[] keys) {
        long total = 0;
        long dead = 0;
        for (long c : rows) {
            total += c;
            dead += c == 0 ? 1 : 0;
        }
        double h = 0;
        for (long c : rows) {
            if (c > 0) {
                double q = (double) c / total;
                h -= q * Math.log(q);
            }
        }
        long usedKeys = 0;
        for (long c : keys) {
            usedKeys += c > 0 ? 1 : 0;
        }
        into.put(p + "slot_frac", 1 - (double) dead / rows.length);
        into.put(p + "key_frac", (double) usedKeys / keys.length);
        into.put(p + "dead_slots", (double) dead);
        into.put(p + "usage_entropy", rows.length > 1 ? h / Math.log(rows.length) : 0);
        into.put(p + "usage_kl", Math.log(rows.length) - h);
    }

    private static long[] toLong(int[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i];
        }
        return r;
    }

    UltraMemLayer ultraMem(int l) {
        return ultra[l];
    }

    ProductKeyMemory pkm(int l) {
        return pkm[l];
    }

    V2Memories v2() {
        return v2;
    }
}
