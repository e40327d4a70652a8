package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.model.CheckpointException;
import org.ultramem.model.LanguageModel;
import org.ultramem.model.TinyV2;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.testing.CheckpointMutants;

/** Training, checkpoints and exact resume of a model with UltraMemV2 memories in every block. */
class V2TrainingTest {

    private static final String TABLE = "model.full_memory_layer.values_for_look_up";
    private static final String PRE = "model.full_memory_layer.pre_values_for_look_up";

    @TempDir
    Path dir;

    private static Transformer model(long seed) {
        return new Transformer(TinyV2.config(), 4, 8, seed);
    }

    /**
     * 2 + 2 steps with a resume equal 4 straight bit for bit (grad_accum 2): parameters, u/v and
     * π, and every logged loss. It needs the lazy tables' row counters, u/v and π checkpointed.
     */
    @Test
    @Tag("slow")
    void twoPlusTwoStepsEqualFourStraightBitForBit() throws Exception {
        TrainConfig cfg = TinyRuns.config(4, 2, 2);
        Transformer straight = model(99);
        TinyRuns.trainer(straight, cfg, dir.resolve("straight"), false, -1).run();

        Path split = dir.resolve("split");
        TinyRuns.trainer(model(99), cfg, split, false, 2).run();
        Transformer resumed = model(12345);
        assertEquals(4, TinyRuns.trainer(resumed, cfg, split, true, -1).run().step());

        Map<String, Parameter> a = straight.parametersByName();
        Map<String, Parameter> b = resumed.parametersByName();
        for (String name : a.keySet()) {
            assertArrayEquals(a.get(name).data, b.get(name).data, name);
        }
        Map<String, LanguageModel.Buffer> ba = straight.buffers();
        Map<String, LanguageModel.Buffer> bb = resumed.buffers();
        assertEquals(9, ba.size());
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
            assertEquals(la.get(i).get(key).asDouble(), lb.get(i).get(key).asDouble(), 0.0,
                    "entry " + i);
        }
    }

    @Test
    @Tag("slow")
    void lossDecreasesAndDiagnosticsReachMetrics() throws Exception {
        TrainConfig cfg = TinyRuns.config(30, 30, 30);
        double first = TinyRuns.trainer(model(5), cfg, dir.resolve("run"), false, -1).step(0)
                .loss();
        Trainer.Result r = TinyRuns.trainer(model(5), cfg, dir.resolve("run2"), false, -1).run();
        assertTrue(r.eval().loss() < first - 0.5, "eval loss " + r.eval().loss() + " vs first "
                + first);
        JsonNode eval = MetricsLog.read(dir.resolve("run2").resolve("metrics.jsonl")).getLast();
        assertEquals("eval", eval.get("type").asText());
        for (String k : List.of("mem0.slot_frac", "mem2.usage_kl", "mem1.top1_score",
                "mem2.balance_loss")) {
            assertTrue(eval.has(k), k + " in " + eval);
        }
    }

    @Test
    void bothTablesAreLazyWithTheValueLrRule() {
        TrainConfig cfg = TinyRuns.config(10, 10, 10);
        Transformer m = model(4);
        Trainer t = new Trainer(m, cfg, TinyRuns.data(), KernelProvider.get(),
                new Trainer.Options(null, false, null, false, null, Map.of(), -1));
        AdamW opt = t.optimizer();
        LrSchedule s = cfg.schedule();
        for (String name : List.of(TABLE, PRE)) {
            Parameter p = m.parametersByName().get(name);
            assertTrue(opt.isLazy(p) && opt.isDecayed(p), name);
            // mem_value_lr_times 4 (default) decaying to 1 over the run (rate 1).
            assertEquals(4 * s.at(0), opt.learningRate(p, 0), 1e-12);
            assertEquals((1 + 3 * 0.5) * s.at(5), opt.learningRate(p, 5), 1e-12);
        }
        Parameter query = m.parametersByName().get("model.memory_layers.0.query_proj.weight");
        assertEquals(s.at(3), opt.learningRate(query, 3), 0);
        float[] before = m.parametersByName().get(TABLE).data.clone();
        for (int step = 0; step < 2; step++) {
            assertTrue(Double.isFinite(t.step(step).loss()));
        }
        float[] after = m.parametersByName().get(TABLE).data;
        int changedRows = 0;
        for (int row = 0; row < after.length / 8; row++) {
            for (int c = 0; c < 8; c++) {
                if (after[row * 8 + c] != before[row * 8 + c]) {
                    changedRows++;
                    break;
                }
            }
        }
        assertTrue(changedRows > 0, "no value row was updated");
    }

    @Test
    void checkpointPassesTheValidatorAndABrokenOneIsRefused() throws Exception {
        Transformer m = model(1);
        m.beforeStep();
        Checkpoints.saveModel(dir, m, null, null, null, Map.of());
        assertEquals(m.config(), Checkpoints.validate(dir));
        Transformer loaded = Checkpoints.loadModel(dir, 4, 8);
        for (var e : m.buffers().entrySet()) {
            LanguageModel.Buffer got = loaded.buffers().get(e.getKey());
            if (e.getValue().f32() != null) {
                assertArrayEquals(e.getValue().f32(), got.f32(), e.getKey());
            } else {
                assertArrayEquals(e.getValue().i32(), got.i32(), e.getKey());
            }
        }
        int[] tokens = TinyRuns.corpus(8, 3);
        float[] la = new float[8 * TinyV2.VOCAB];
        float[] lb = new float[8 * TinyV2.VOCAB];
        m.forwardLogits(la, tokens, 1, 8);
        loaded.forwardLogits(lb, tokens, 1, 8);
        assertArrayEquals(la, lb);

        CheckpointMutants.edit(dir, t -> {
            byte[] b = t.get("model.memory_layers.2.shuffle_index").bytes();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 64);
        });
        String msg = assertThrows(CheckpointException.class, () -> Checkpoints.validate(dir))
                .getMessage();
        assertTrue(msg.contains("model.memory_layers.2.shuffle_index"), msg);
        CheckpointMutants.edit(dir, t -> t.remove(PRE));
        msg = assertThrows(CheckpointException.class, () -> Checkpoints.validate(dir))
                .getMessage();
        assertTrue(msg.contains(PRE), msg);
    }
}
