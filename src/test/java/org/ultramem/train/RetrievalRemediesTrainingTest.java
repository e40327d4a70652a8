package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.model.LanguageModel;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;

/**
 * Training with every retrieval remedy on: exact resume (BatchNorm statistics, restart counts and
 * restarted keys included), the optimizer rules the remedies ask for, the health metrics and the
 * collapse warning.
 */
class RetrievalRemediesTrainingTest {

    /** Remedies on one UltraMem layer (n = 64 keys per side, m = 2: restarts do happen). */
    static final String ALL = """
            , "query_batchnorm": true, "key_balance_coef": 0.01, "retrieval_lr_mult": 0.5,
            "retrieval_warmup_steps": 3, "value_grad_clip": 0.05, "value_weight_decay": false,
            "dead_key_restart_steps": 2, "output_gate": "silu\"""";

    @TempDir
    Path dir;

    static ModelConfig config(String remedies) {
        return ModelConfig.fromJson("""
                {"vocab_size": %d, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 16,
                 "memory_layers": [
                   {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 32, "mem_kdim": 8,
                    "mem_vdim": 8, "mem_knn": 2, "mem_heads": 2, "tucker_rank": 2,
                    "tucker_cores": 2, "value_expand": 4%s}]}
                """.formatted(TinyRuns.VOCAB, remedies), "remedies test");
    }

    private static Transformer model(String remedies, long seed) {
        return new Transformer(config(remedies), 4, 8, seed);
    }

    @Test
    @Tag("slow")
    void twoPlusTwoStepsEqualFourStraightBitForBitWithEveryRemedyOn() throws Exception {
        TrainConfig cfg = TinyRuns.config(4, 2, 2);
        Transformer straight = model(ALL, 99);
        TinyRuns.trainer(straight, cfg, dir.resolve("straight"), false, -1).run();
        Path split = dir.resolve("split");
        TinyRuns.trainer(model(ALL, 99), cfg, split, false, 2).run();
        Transformer resumed = model(ALL, 12345);
        assertEquals(4, TinyRuns.trainer(resumed, cfg, split, true, -1).run().step());

        for (Map.Entry<String, Parameter> e : straight.parametersByName().entrySet()) {
            assertArrayEquals(e.getValue().data, resumed.parametersByName().get(e.getKey()).data,
                    e.getKey());
        }
        Map<String, LanguageModel.Buffer> bb = resumed.buffers();
        for (Map.Entry<String, LanguageModel.Buffer> e : straight.buffers().entrySet()) {
            if (e.getValue().f32() != null) {
                assertArrayEquals(e.getValue().f32(), bb.get(e.getKey()).f32(), e.getKey());
            } else {
                assertArrayEquals(e.getValue().i32(), bb.get(e.getKey()).i32(), e.getKey());
            }
        }
        try (SafeTensorsFile f = SafeTensorsFile.open(split.resolve(Checkpoints.MODEL))) {
            for (String name : List.of("query_bn.running_mean", "query_bn.running_var",
                    "key_window_use", "query_bn.weight", "output_gate.weight")) {
                assertTrue(f.contains("model.memory_layers.0." + name), name);
            }
        }
        List<JsonNode> a = MetricsLog.read(dir.resolve("straight").resolve("metrics.jsonl"));
        List<JsonNode> b = MetricsLog.read(split.resolve("metrics.jsonl"));
        assertEquals(a.size(), b.size());
        double restarted = 0;
        for (int i = 0; i < a.size(); i++) {
            String key = a.get(i).has("loss") ? "loss" : "val_loss";
            assertEquals(a.get(i).get(key).asDouble(), b.get(i).get(key).asDouble(), 0.0, "entry " + i);
            if (a.get(i).has("mem0.keys_restarted")) {
                restarted += a.get(i).get("mem0.keys_restarted").asDouble();
                for (String k : List.of("mem0.balance_loss", "mem0.usage_kl", "mem0.slot_frac",
                        "mem0.usage_entropy", "mem0.top1_score", "mem0.topk_score", "mem0.out_std")) {
                    assertTrue(a.get(i).has(k), k + " in " + a.get(i));
                }
                assertEquals(a.get(i).get("mem0.balance_loss").asDouble(),
                        b.get(i).get("mem0.balance_loss").asDouble(), 0.0);
            }
        }
        assertTrue(restarted > 0, "the fixture should restart some keys");
    }

    @Test
    void optimizerFollowsTheRemedyRules() {
        TrainConfig cfg = TinyRuns.config(10, 10, 10);
        Transformer m = model(ALL, 4);
        Trainer t = new Trainer(m, cfg, TinyRuns.data(), KernelProvider.get(),
                new Trainer.Options(null, false, null, false, null, Map.of(), -1));
        AdamW opt = t.optimizer();
        Map<String, Parameter> ps = m.parametersByName();
        LrSchedule s = cfg.schedule();
        String p = "model.memory_layers.0.";
        for (String name : List.of("query_proj.weight", "query_bn.weight", "query_bn.bias",
                "query_norm.weight", "keys_norm.weight", "keys", "tucker_core.0", "tucker_core.1")) {
            for (long step = 0; step < 10; step++) {
                assertEquals(0.5 * Math.min(s.at(step), s.lr() * (step + 1) / 3),
                        opt.learningRate(ps.get(p + name), step), 1e-15, name);
            }
        }
        assertEquals(s.at(3), opt.learningRate(ps.get(p + "output_gate.weight"), 3), 0.0);
        assertEquals(s.at(3), opt.learningRate(ps.get(p + "values_proj.weight"), 3), 0.0);
        assertFalse(opt.isDecayed(ps.get(p + "values")));
        assertTrue(opt.isDecayed(ps.get(p + "values_proj.weight")));
        t.step(0);
        // the trainer clipped the value table apart, to value_grad_clip
        assertTrue(GradClip.globalNorm(KernelProvider.get(), List.of(ps.get(p + "values")))
                <= 0.05 * (1 + 1e-5));
    }

    @Test
    @Tag("slow")
    void collapseWarningIsOneLinePerLayerAndEvent() throws Exception {
        ObjectNode t = TinyRuns.config(4, 2, 4).toJson();
        t.put("collapse_warn_slot_frac", 1.0);   // every layer counts as collapsed
        TrainConfig cfg = TrainConfig.fromJson(t);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        new Trainer(model("", 5), cfg, TinyRuns.data(), KernelProvider.get(),
                new Trainer.Options(dir.resolve("run"), false, log, false, null, Map.of(), -1)).run();
        List<String> warnings = bytes.toString(StandardCharsets.UTF_8).lines()
                .filter(l -> l.startsWith("warning: memory layer")).toList();
        assertTrue(warnings.size() >= 1 && warnings.get(0).contains("mem0 is collapsing at step 2"),
                warnings.toString());
        // the second evaluation warns again only if rows in use halved
        List<JsonNode> evals = MetricsLog.read(dir.resolve("run").resolve("metrics.jsonl")).stream()
                .filter(e -> e.get("type").asText().equals("eval")).toList();
        boolean halved = evals.get(1).get("mem0.slot_frac").asDouble()
                <= evals.get(0).get("mem0.slot_frac").asDouble() / 2;
        assertEquals(halved ? 2 : 1, warnings.size(), warnings.toString());
    }
}
