package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ultramem.model.LanguageModel.StepLoss;
import org.ultramem.nn.Parameter;

/** The sparse wiring of {@link Transformer}: UltraMem "0:1" + PKM "1:1" + MoE in block 1. */
class SparseTransformerTest {

    private static final int VOCAB = TinySparse.VOCAB;
    private static final int BATCH = 2;
    private static final int SEQ = 6;

    private static int[] randomTokens(SplittableRandom rnd, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rnd.nextInt(VOCAB);
        }
        return t;
    }

    @Test
    void namesSparseParametersAndBuffersPerSchema() {
        Transformer m = new Transformer(TinySparse.config(), 1, SEQ, 1);
        Map<String, Parameter> p = m.parametersByName();
        assertEquals(m.parameters().size(), p.size());
        for (String name : List.of("model.layers.0.mlp.gate_proj.weight",
                "model.layers.1.mlp.router.weight", "model.layers.1.mlp.experts.3.down_proj.weight",
                "model.memory_layers.0.values", "model.memory_layers.0.keys",
                "model.memory_layers.0.tucker_core.1", "model.memory_layers.0.query_proj.weight",
                "model.memory_layers.0.values_proj.weight", "model.memory_layers.1.values",
                "model.memory_layers.1.query_bn.weight")) {
            assertTrue(p.containsKey(name), name + " in " + p.keySet());
        }
        assertTrue(!p.containsKey("model.layers.1.mlp.gate_proj.weight"));
        Map<String, LanguageModel.Buffer> b = m.buffers();
        assertEquals(List.of("model.memory_layers.0.tucker_u", "model.memory_layers.0.tucker_v",
                "model.memory_layers.0.shuffle_index", "model.memory_layers.1.query_bn.running_mean",
                "model.memory_layers.1.query_bn.running_var"), List.copyOf(b.keySet()));
        assertArrayEquals(new int[] {2, 2}, b.get("model.memory_layers.0.tucker_u").shape());
        assertEquals(4 * 16, b.get("model.memory_layers.0.shuffle_index").i32().length);
        Map<String, ValueTableRule> rules = m.valueTableRules();
        assertEquals(4.0, rules.get("model.memory_layers.0.values").lrMult());
        assertEquals(0.02, rules.get("model.memory_layers.1.values").peakLr());
    }

    /**
     * Whole-model finite differences of lossScale·(mean NLL + aux) for the memory, MoE and
     * embedding parameters. Top-k selections are discontinuous; an entry whose ±eps evaluations
     * show a kink (second difference far above the smooth curvature) is skipped, and at most a
     * fifth of the checked entries may be skipped.
     */
    @Test
    @Tag("slow")
    void wholeModelBackwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(3);
        Transformer m = new Transformer(TinySparse.config(0.3, ""), BATCH, SEQ, 5);
        // Larger memory outputs so their gradients stand out of float noise.
        for (String v : List.of("model.memory_layers.0.values", "model.memory_layers.1.values")) {
            float[] d = m.parametersByName().get(v).data;
            for (int i = 0; i < d.length; i++) {
                d[i] *= v.contains(".0.") ? 40 : 3;
            }
        }
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        int[] targets = randomTokens(rnd, BATCH * SEQ);
        targets[2] = -1;
        float lossScale = 2f;
        m.beforeStep();
        m.parameters().forEach(Parameter::zeroGrad);
        StepLoss first = m.forwardBackward(tokens, targets, BATCH, SEQ, lossScale);
        assertTrue(first.aux().get("moe1.aux") > 0 && first.aux().get("mem0.tucker_aux") > 0,
                first.aux().toString());
        Map<String, float[]> analytic = new java.util.LinkedHashMap<>();
        m.parametersByName().forEach((k, p) -> analytic.put(k, p.grad.clone()));
        DoubleSupplier loss = () -> {
            StepLoss l = m.forwardBackward(tokens, targets, BATCH, SEQ, lossScale);
            return lossScale * (l.meanNll() + l.aux().get("aux_loss"));
        };
        int checked = 0;
        int skipped = 0;
        for (String name : List.of("model.embed_tokens.weight",
                "model.layers.0.post_attention_layernorm.weight",
                "model.layers.1.mlp.router.weight", "model.layers.1.mlp.experts.2.up_proj.weight",
                "model.memory_layers.0.query_proj.weight", "model.memory_layers.0.keys",
                "model.memory_layers.0.tucker_core.0", "model.memory_layers.0.tucker_core.1",
                "model.memory_layers.0.values", "model.memory_layers.0.values_proj.weight",
                "model.memory_layers.0.query_norm.weight",
                "model.memory_layers.1.query_proj.weight", "model.memory_layers.1.query_bn.weight",
                "model.memory_layers.1.keys", "model.memory_layers.1.values")) {
            int[] r = check(name, m.parametersByName().get(name).data, analytic.get(name), loss);
            checked += r[0];
            skipped += r[1];
        }
        assertTrue(skipped * 5 <= checked, skipped + " of " + checked + " entries skipped as kinks");
    }

    /** Checks up to 8 entries with non-zero gradient and 2 random ones; returns {checked, skipped}. */
    static int[] check(String name, float[] x, float[] g, DoubleSupplier loss) {
        List<Integer> idx = new ArrayList<>();
        SplittableRandom rnd = new SplittableRandom(name.hashCode());
        for (int tries = 0; tries < 4 * x.length && idx.size() < 8; tries++) {
            int i = rnd.nextInt(x.length);
            if (Math.abs(g[i]) > 1e-3 && !idx.contains(i)) {
                idx.add(i);
            }
        }
        assertTrue(!idx.isEmpty(), name + " has no gradient entry above 1e-3");
        idx.add(rnd.nextInt(x.length));
        idx.add(rnd.nextInt(x.length));
        double eps = 2e-3;
        int skipped = 0;
        double center = loss.getAsDouble();
        for (int i : idx) {
            float saved = x[i];
            x[i] = (float) (saved + eps);
            double plus = loss.getAsDouble();
            x[i] = (float) (saved - eps);
            double minus = loss.getAsDouble();
            x[i] = saved;
            if (Math.abs(plus + minus - 2 * center) > 2e-4) {
                skipped++;
                continue;
            }
            double numeric = (plus - minus) / (2 * eps);
            double err = Math.abs(numeric - g[i]);
            if (err > 0.03 * Math.max(Math.abs(g[i]), Math.abs(numeric)) + 3e-4) {
                fail(String.format("gradient of %s[%d]: analytic %.6g vs numeric %.6g", name, i,
                        g[i], numeric));
            }
        }
        return new int[] {idx.size(), skipped};
    }

    @Test
    void memoryOutputReachesTheLogits() {
        SplittableRandom rnd = new SplittableRandom(15);
        Transformer m = new Transformer(TinySparse.config(0.3, ""), 1, SEQ, 6);
        int[] tokens = randomTokens(rnd, SEQ);
        float[] before = new float[SEQ * VOCAB];
        m.forwardLogits(before, tokens, 1, SEQ);
        Arrays.fill(m.parametersByName().get("model.memory_layers.0.values").data, 0f);
        float[] after = new float[SEQ * VOCAB];
        m.forwardLogits(after, tokens, 1, SEQ);
        assertNotEquals(Arrays.toString(before), Arrays.toString(after));
    }

    @Test
    void drainsDiagnosticsPerLayerAndResets() {
        SplittableRandom rnd = new SplittableRandom(16);
        Transformer m = new Transformer(TinySparse.config(), BATCH, SEQ, 7);
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        m.forwardBackward(tokens, tokens, BATCH, SEQ, 1f);
        Map<String, Double> d = m.drainDiagnostics();
        for (String k : List.of("mem0.slot_frac", "mem0.key_frac", "mem0.dead_slots",
                "mem0.usage_entropy", "mem0.top1_score", "mem0.topk_score", "mem0.out_std",
                "mem0.core_sv.0", "mem0.core_sv.1", "mem1.slot_frac", "mem1.usage_entropy",
                "moe1.load.0", "moe1.load.3", "moe1.balance", "moe1.z")) {
            assertTrue(d.containsKey(k) && Double.isFinite(d.get(k)), k + " in " + d);
        }
        double load = 0;
        for (int e = 0; e < 4; e++) {
            load += d.get("moe1.load." + e);
        }
        assertEquals(1.0, load, 1e-9);
        assertTrue(d.get("mem0.slot_frac") > 0 && d.get("mem0.slot_frac") <= 1);
        assertTrue(d.get("mem0.core_sv.0") >= d.get("mem0.core_sv.1"));
        assertEquals(Map.of(), m.drainDiagnostics());
    }
}
