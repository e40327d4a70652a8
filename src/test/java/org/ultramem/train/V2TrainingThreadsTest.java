package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Whole optimizer steps of a model with V2 memories are bit-identical on 1 and 2 threads when a
 * step touches enough table rows that the row-wise passes (zeroing, clip norm and scale, lazy
 * AdamW) split over the threads.
 */
class V2TrainingThreadsTest {

    private static final int BATCH = 32;
    private static final int SEQ = 16;
    private static final String TABLE = "model.full_memory_layer.values_for_look_up";

    private static ModelConfig config() {
        return ModelConfig.fromJson("""
                {"vocab_size": 32, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 16,
                 "memory_layers": [
                   {"mem_type": "ultramem_v2", "mem_knum": 64, "mem_kdim": 8, "mem_vdim": 8,
                    "mem_pre_vdim": 8, "mem_knn": 16, "mem_head": 2, "mem_share_ratio": 0.5,
                    "mem_key_balance_reg_coef": 0.5, "mem_use_glu_act": true}]}
                """, "V2TrainingThreadsTest");
    }

    private static TrainConfig trainConfig() {
        ObjectNode t = ConfigJson.newObject();
        t.put("batch_size", BATCH).put("seq_len", SEQ).put("lr", 1e-2).put("warmup_steps", 1)
                .put("max_steps", 10).put("seed", 7).put("grad_clip", 0.05);
        return TrainConfig.fromJson(t);
    }

    @Test
    @Tag("slow")
    void stepsAreBitIdenticalOnOneAndTwoThreads() {
        List<Trainer.StepResult> one = new ArrayList<>();
        List<Trainer.StepResult> two = new ArrayList<>();
        Trainer a = run(1, one);
        Trainer b = run(2, two);
        for (int s = 0; s < one.size(); s++) {
            assertEquals(one.get(s).loss(), two.get(s).loss(), 0.0, "loss at step " + s);
            assertEquals(one.get(s).gradNorm(), two.get(s).gradNorm(), 0.0, "norm at step " + s);
            assertTrue(one.get(s).gradNorm() > 0.05, "the clip scaled the gradients");
        }
        List<Parameter> pa = a.optimizer().parameters();
        List<Parameter> pb = b.optimizer().parameters();
        for (int i = 0; i < pa.size(); i++) {
            assertArrayEquals(pa.get(i).data, pb.get(i).data, pa.get(i).name);
            assertArrayEquals(a.optimizer().firstMoment(i), b.optimizer().firstMoment(i),
                    pa.get(i).name);
            assertArrayEquals(a.optimizer().secondMoment(i), b.optimizer().secondMoment(i),
                    pa.get(i).name);
        }
    }

    private static Trainer run(int threads, List<Trainer.StepResult> results) {
        Transformer model = new Transformer(config(), BATCH, SEQ, 5);
        Trainer trainer = new Trainer(model, trainConfig(), TinyRuns.data(),
                KernelProvider.get(), new Trainer.Options(null, false, null, false, null,
                Map.of(), -1));
        Parameter table = model.parametersByName().get(TABLE);
        assertTrue(trainer.optimizer().isLazy(table));
        for (int s = 0; s < 3; s++) {
            long step = s;
            float[] before = table.data.clone();
            results.add(Parallel.withThreads(threads, () -> trainer.step(step)));
            // The optimizer consumed the touched set; the rows it stepped are the changed ones.
            int stepped = changedRows(before, table);
            assertTrue(stepped >= 2 * Parameter.ROWS_PER_TASK,
                    "the row passes split: " + stepped + " rows touched");
        }
        return trainer;
    }

    private static int changedRows(float[] before, Parameter table) {
        int changed = 0;
        for (int r = 0; r < before.length / table.rowWidth; r++) {
            if (!Arrays.equals(before, r * table.rowWidth, (r + 1) * table.rowWidth,
                    table.data, r * table.rowWidth, (r + 1) * table.rowWidth)) {
                changed++;
            }
        }
        return changed;
    }
}
