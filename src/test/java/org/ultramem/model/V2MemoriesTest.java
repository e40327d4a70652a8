package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ultramem.model.LanguageModel.StepLoss;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.memory.UltraMemV2Layer;

/** UltraMemV2 in the {@link Transformer}: placement, sharing, names, gradients, diagnostics. */
class V2MemoriesTest {

    private static final int BATCH = 2;
    private static final int SEQ = 6;

    private static int[] randomTokens(SplittableRandom rnd, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rnd.nextInt(TinyV2.VOCAB);
        }
        return t;
    }

    @Test
    void fullPlacesOneLayerPerBlockAllReadingOneTable() {
        Transformer m = new Transformer(TinyV2.config(), 1, SEQ, 1);
        List<MemorySpec> specs = m.config().memoryLayers();
        assertEquals(List.of("0:0", "1:1", "2:2"), specs.stream().map(MemorySpec::placement)
                .toList());
        for (int l = 0; l < 3; l++) {
            UltraMemV2Layer layer = m.ultraMemV2Layer(l);
            assertEquals(l, layer.layerId());
            assertSame(m.ultraMemV2Values(), layer.values());
        }
        Map<String, Parameter> p = m.parametersByName();
        for (String name : List.of("model.memory_layers.0.query_proj.weight",
                "model.memory_layers.2.tucker_core.1", "model.memory_layers.1.keys",
                "model.memory_layers.1.pre_values_proj.weight",
                "model.full_memory_layer.values_for_look_up",
                "model.full_memory_layer.pre_values_for_look_up")) {
            assertTrue(p.containsKey(name), name + " in " + p.keySet());
        }
        assertSame(m.ultraMemV2Values().values(),
                p.get("model.full_memory_layer.values_for_look_up"));
        assertEquals(List.of("model.memory_layers.0.tucker_u", "model.memory_layers.0.tucker_v",
                "model.memory_layers.0.shuffle_index", "model.memory_layers.1.tucker_u",
                "model.memory_layers.1.tucker_v", "model.memory_layers.1.shuffle_index",
                "model.memory_layers.2.tucker_u", "model.memory_layers.2.tucker_v",
                "model.memory_layers.2.shuffle_index"), List.copyOf(m.buffers().keySet()));
        assertArrayEquals(new int[] {64}, m.buffers().get("model.memory_layers.1.shuffle_index")
                .shape());
    }

    @Test
    void rangesPlaceLayersInTheOrderWrittenAndRoundTrip() {
        ModelConfig cfg = TinyV2.config(0.02, ", \"mem_insert_way\": \"0:1/2:2\"");
        assertEquals(List.of("0:1", "2:2"), cfg.memoryLayers().stream()
                .map(MemorySpec::placement).toList());
        assertEquals(2, cfg.memoryLayers().get(1).ultraMemV2().layers());
        ModelConfig back = ModelConfig.fromJson(cfg.toJson(), "round trip");
        assertEquals(cfg, back);
        assertEquals(1, back.toJsonNode().get("memory_layers").size());
        ModelConfig full = TinyV2.config();
        assertEquals(full, ModelConfig.fromJson(full.toJson(), "round trip"));
    }

    @Test
    void valueAndPreValueTablesGetTheValueLrRuleAndLazyRows() {
        Transformer m = new Transformer(TinyV2.config(0.02,
                ", \"mem_value_lr_times\": 3.0, \"mem_value_lr_max_steps_rate\": 0.5"), 1, SEQ, 1);
        Map<String, ValueTableRule> rules = m.valueTableRules();
        assertEquals(List.of("model.full_memory_layer.values_for_look_up",
                "model.full_memory_layer.pre_values_for_look_up"), List.copyOf(rules.keySet()));
        for (ValueTableRule r : rules.values()) {
            assertEquals(3.0, r.lrMult());
            assertEquals(0.5, r.lrDecayFrac());
            assertTrue(r.lazy() && r.weightDecay() && !r.hasOwnPeak());
        }
    }

    /**
     * Whole-model finite differences of lossScale·(mean NLL + Σ β·L_bal) for every V2 parameter
     * kind but the norm gains, the shared tables and the backbone around them; entries at a
     * top-k kink are skipped (at most a fifth), as in {@link SparseTransformerTest}.
     */
    @Test
    @Tag("slow")
    void wholeModelBackwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(5);
        Transformer m = new Transformer(TinyV2.config(0.3, ""), BATCH, SEQ, 9);
        // Larger tables so the memory's gradients stand out of float noise.
        for (Parameter p : m.ultraMemV2Values().parameters()) {
            for (int i = 0; i < p.data.length; i++) {
                p.data[i] *= 25;
            }
        }
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        int[] targets = randomTokens(rnd, BATCH * SEQ);
        float lossScale = 0.5f;
        m.beforeStep();
        m.parameters().forEach(Parameter::zeroGrad);
        StepLoss first = m.forwardBackward(tokens, targets, BATCH, SEQ, lossScale);
        assertTrue(first.aux().get("mem1.balance") > 0, first.aux().toString());
        Map<String, float[]> analytic = new java.util.LinkedHashMap<>();
        m.parametersByName().forEach((k, p) -> analytic.put(k, p.grad.clone()));
        DoubleSupplier loss = () -> {
            StepLoss l = m.forwardBackward(tokens, targets, BATCH, SEQ, lossScale);
            return lossScale * (l.meanNll() + l.aux().get("aux_loss"));
        };
        int checked = 0;
        int skipped = 0;
        // Norm gains are left out: one entry scales a channel of every token's scores, so ±eps
        // flips some selection almost always (the layer's own tests check them exactly).
        for (String name : List.of("model.embed_tokens.weight",
                "model.layers.1.mlp.up_proj.weight", "model.layers.2.self_attn.v_proj.weight",
                "model.memory_layers.0.query_proj.weight", "model.memory_layers.0.keys",
                "model.memory_layers.1.tucker_core.0", "model.memory_layers.2.tucker_core.1",
                "model.memory_layers.2.values_proj.weight",
                "model.memory_layers.0.pre_values_proj.weight",
                "model.full_memory_layer.values_for_look_up",
                "model.full_memory_layer.pre_values_for_look_up")) {
            int[] r = SparseTransformerTest.check(name, m.parametersByName().get(name).data,
                    analytic.get(name), loss);
            checked += r[0];
            skipped += r[1];
        }
        assertTrue(skipped * 5 <= checked, skipped + " of " + checked + " entries skipped as kinks");
    }

    /**
     * The balance gradient is injected with weight β × lossScale: halving the loss scale halves
     * the whole gradient (NLL and balance parts alike), so grad_accum micro-batches of scale
     * 1/grad_accum weigh β against the mean loss. Without the scaling the query gradient would
     * not halve.
     */
    @Test
    void balanceGradientFollowsTheLossScale() {
        SplittableRandom rnd = new SplittableRandom(8);
        Transformer m = new Transformer(TinyV2.config(0.3, ""), BATCH, SEQ, 3);
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        m.beforeStep();
        float[][] grads = new float[2][];
        for (int i = 0; i < 2; i++) {
            m.parameters().forEach(Parameter::zeroGrad);
            m.forwardBackward(tokens, tokens, BATCH, SEQ, i == 0 ? 1f : 0.5f);
            grads[i] = m.parametersByName().get("model.memory_layers.1.keys").grad.clone();
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < grads[0].length; i++) {
            diff += Math.abs(grads[0][i] - 2 * grads[1][i]);
            norm += Math.abs(grads[0][i]);
        }
        assertTrue(norm > 0);
        assertTrue(diff <= 1e-5 * norm, "keys gradient at scale 1 vs 2 × at 0.5 differ by "
                + diff / norm);
    }

    @Test
    void drainsDiagnosticsPerLayerAndResets() {
        SplittableRandom rnd = new SplittableRandom(16);
        Transformer m = new Transformer(TinyV2.config(), BATCH, SEQ, 7);
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        m.beforeStep();
        StepLoss l = m.forwardBackward(tokens, tokens, BATCH, SEQ, 1f);
        assertEquals(0.5 * (l.aux().get("mem0.balance") + l.aux().get("mem1.balance")
                + l.aux().get("mem2.balance")), l.aux().get("aux_loss"), 1e-12);
        Map<String, Double> d = m.drainDiagnostics();
        for (int layer = 0; layer < 3; layer++) {
            for (String k : List.of("slot_frac", "key_frac", "dead_slots", "usage_entropy",
                    "usage_kl", "top1_score", "topk_score", "out_std", "balance_loss")) {
                String key = "mem" + layer + "." + k;
                assertTrue(d.containsKey(key) && Double.isFinite(d.get(key)), key + " in " + d);
            }
            double frac = d.get("mem" + layer + ".slot_frac");
            assertTrue(frac > 0 && frac <= 1, "slot_frac " + frac);
            assertEquals(l.aux().get("mem" + layer + ".balance"),
                    d.get("mem" + layer + ".balance_loss"), 1e-12);
        }
        assertEquals(Map.of(), m.drainDiagnostics());
        m.forwardLoss(tokens, tokens, BATCH, SEQ);
        // 12 tokens × 6 slots = 72 hits in the 16-row window of layer 0.
        assertEquals(72, java.util.Arrays.stream(m.ultraMemV2RowUsage(0)).sum());
    }

    @Test
    void memoryOutputReachesTheLogitsAndTheTableIsShared() {
        SplittableRandom rnd = new SplittableRandom(2);
        Transformer m = new Transformer(TinyV2.config(0.3, ""), 1, SEQ, 6);
        int[] tokens = randomTokens(rnd, SEQ);
        float[] before = new float[SEQ * TinyV2.VOCAB];
        m.forwardLogits(before, tokens, 1, SEQ);
        java.util.Arrays.fill(m.ultraMemV2Values().values().data, 0f);
        float[] after = new float[before.length];
        m.forwardLogits(after, tokens, 1, SEQ);
        assertNotEquals(before[SEQ * TinyV2.VOCAB - 1], after[SEQ * TinyV2.VOCAB - 1]);
        // With V zeroed every layer's output is 0: the logits equal the dense backbone's.
        m.parametersByName().forEach((k, p) -> {
            if (k.endsWith("values_proj.weight")) {
                java.util.Arrays.fill(p.data, 1f);
            }
        });
        float[] again = new float[before.length];
        m.forwardLogits(again, tokens, 1, SEQ);
        assertArrayEquals(after, again, 0f);
    }
}
