package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.model.LanguageModel;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;

/** Training, checkpointing and exact resume of a model with UltraMem, PKM and MoE layers. */
class SparseTrainingTest {

    private static final String LAZY = ", \"value_optimizer\": \"lazy_adamw\"";

    @TempDir
    Path dir;

    private static Transformer model(String extra, long seed) {
        return new Transformer(TinySparse.config(0.02, extra), 4, 8, seed);
    }

    @Test
    void twoPlusTwoStepsEqualFourStraightBitForBitWithMemoryLayers() throws Exception {
        TrainConfig cfg = TinyRuns.config(4, 2, 2);
        Transformer straight = model(LAZY, 99);
        TinyRuns.trainer(straight, cfg, dir.resolve("straight"), false, -1).run();

        Path split = dir.resolve("split");
        TinyRuns.trainer(model(LAZY, 99), cfg, split, false, 2).run();
        Transformer resumed = model(LAZY, 12345);
        assertEquals(4, TinyRuns.trainer(resumed, cfg, split, true, -1).run().step());

        Map<String, Parameter> a = straight.parametersByName();
        Map<String, Parameter> b = resumed.parametersByName();
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).data, b.get(name).data, name);
        }
        Map<String, LanguageModel.Buffer> ba = straight.buffers();
        Map<String, LanguageModel.Buffer> bb = resumed.buffers();
        for (String name : ba.keySet()) {
            if (ba.get(name).f32() != null) {
                assertArrayEquals(ba.get(name).f32(), bb.get(name).f32(), name);
            } else {
                assertArrayEquals(ba.get(name).i32(), bb.get(name).i32(), name);
            }
        }
        List<JsonNode> la = MetricsLog.read(dir.resolve("straight").resolve("metrics.jsonl"));
        List<JsonNode> lb = MetricsLog.read(split.resolve("metrics.jsonl"));
        assertEquals(la.size(), lb.size());
        for (int i = 0; i < la.size(); i++) {
            String key = la.get(i).has("loss") ? "loss" : "val_loss";
            assertEquals(la.get(i).get(key).asDouble(), lb.get(i).get(key).asDouble(), 0.0, "entry " + i);
        }
    }

    @Test
    void checkpointRoundTripsParametersAndBuffers() throws Exception {
        Transformer m = model("", 1);
        int[] tokens = TinyRuns.corpus(32, 3);
        m.forwardBackward(tokens, tokens, 4, 8, 1f);   // moves PKM running statistics
        m.beforeStep();
        TrainConfig cfg = TinyRuns.config(5, 5, 5);
        AdamW opt = new AdamW(KernelProvider.get(), m.parametersByName(), cfg.schedule(),
                cfg.optimizerSettings(), m.valueTableRules());
        Checkpoints.save(dir, m, cfg, opt, null, new Checkpoints.TrainState(0, 0, 7, "run-a"), Map.of());
        try (SafeTensorsFile f = SafeTensorsFile.open(dir.resolve(Checkpoints.MODEL))) {
            assertTrue(f.contains("model.memory_layers.0.shuffle_index"));
            assertTrue(f.contains("model.memory_layers.1.query_bn.running_var"));
            assertTrue(f.contains("model.layers.1.mlp.experts.0.gate_proj.weight"));
        }
        Transformer fresh = model("", 2);
        assertFalse(Arrays.equals(m.buffers().get("model.memory_layers.0.shuffle_index").i32(),
                fresh.buffers().get("model.memory_layers.0.shuffle_index").i32()));
        Transformer loaded = Checkpoints.loadModel(dir, 4, 8);
        assertEquals(m.config(), loaded.config());
        for (var e : m.parametersByName().entrySet()) {
            assertArrayEquals(e.getValue().data, loaded.parametersByName().get(e.getKey()).data, e.getKey());
        }
        for (var e : m.buffers().entrySet()) {
            LanguageModel.Buffer got = loaded.buffers().get(e.getKey());
            if (e.getValue().f32() != null) {
                assertArrayEquals(e.getValue().f32(), got.f32(), e.getKey());
            } else {
                assertArrayEquals(e.getValue().i32(), got.i32(), e.getKey());
            }
        }
        float[] la = new float[8 * TinySparse.VOCAB];
        float[] lb = new float[8 * TinySparse.VOCAB];
        m.forwardLogits(la, tokens, 1, 8);
        loaded.forwardLogits(lb, tokens, 1, 8);
        assertArrayEquals(la, lb);
    }

    @Test
    void lossDecreasesWithMemoryLayers() throws Exception {
        TrainConfig cfg = TinyRuns.config(30, 30, 30);
        Transformer m = model("", 5);
        Trainer t = TinyRuns.trainer(m, cfg, dir.resolve("run"), false, -1);
        double first = t.step(0).loss();
        Trainer.Result r = TinyRuns.trainer(model("", 5), cfg, dir.resolve("run2"), false, -1).run();
        assertTrue(r.eval().loss() < first - 0.5, "eval loss " + r.eval().loss() + " vs first " + first);
        List<JsonNode> log = MetricsLog.read(dir.resolve("run2").resolve("metrics.jsonl"));
        JsonNode eval = log.getLast();
        assertEquals("eval", eval.get("type").asText());
        for (String k : List.of("mem0.slot_frac", "mem0.usage_entropy", "mem0.core_sv.0",
                "mem1.top1_score", "moe1.load.0", "moe1.balance")) {
            assertTrue(eval.has(k), k + " in " + eval);
        }
    }

    @Test
    void bothValueOptimizersRunWithTheirLayersLearningRates() {
        TrainConfig cfg = TinyRuns.config(10, 10, 10);
        for (String extra : List.of("", LAZY)) {
            Transformer m = model(extra, 4);
            Trainer t = new Trainer(m, cfg, TinyRuns.data(), KernelProvider.get(),
                    new Trainer.Options(null, false, null, false, null, Map.of(), -1));
            Parameter ultra = m.parametersByName().get("model.memory_layers.0.values");
            Parameter pkm = m.parametersByName().get("model.memory_layers.1.values");
            AdamW opt = t.optimizer();
            assertEquals(!extra.isEmpty(), opt.isLazy(ultra), extra);
            assertFalse(opt.isLazy(pkm));
            LrSchedule s = cfg.schedule();
            // UltraMem: value_lr_mult 4 decaying to 1 over the run; PKM: its own peak 0.02.
            assertEquals(4 * s.at(0), opt.learningRate(ultra, 0), 1e-12);
            assertEquals(0.02 * s.at(5) / s.lr(), opt.learningRate(pkm, 5), 1e-12);
            float[] before = ultra.data.clone();
            for (int step = 0; step < 3; step++) {
                assertTrue(Double.isFinite(t.step(step).loss()));
            }
            assertNotEquals(Arrays.toString(before), Arrays.toString(ultra.data));
        }
    }

    @Test
    void sparseConfigsRoundTripThroughCheckpointConfigJson() throws Exception {
        ModelConfig c = TinySparse.config();
        Transformer m = new Transformer(c, 1, 8, 1);
        Checkpoints.saveModel(dir, m, null, null, null, Map.of());
        assertEquals(c, Checkpoints.readConfig(dir));
    }
}
