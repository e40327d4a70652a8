package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.model.Transformer;

class ExactResumeTest {

    @TempDir
    Path dir;

    @Test
    void threePlusThreeStepsEqualSixStraightBitForBit() throws Exception {
        TrainConfig cfg = TinyRuns.config(6, 2, 3);
        Transformer straight = TinyRuns.model();
        TinyRuns.trainer(straight, cfg, dir.resolve("straight"), false, -1).run();

        Path split = dir.resolve("split");
        TinyRuns.trainer(TinyRuns.model(), cfg, split, false, 3).run();
        // a fresh process: different initial weights must not matter, the checkpoint decides
        Transformer resumed = new Transformer(TinyRuns.modelConfig(), 4, 8, 12345);
        Trainer.Result r = TinyRuns.trainer(resumed, cfg, split, true, -1).run();
        assertEquals(6, r.step());

        for (int i = 0; i < straight.parameters().size(); i++) {
            assertArrayEquals(straight.parameters().get(i).data, resumed.parameters().get(i).data,
                    straight.parameters().get(i).name);
        }
        List<JsonNode> a = MetricsLog.read(dir.resolve("straight").resolve("metrics.jsonl"));
        List<JsonNode> b = MetricsLog.read(split.resolve("metrics.jsonl"));
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("step"), b.get(i).get("step"));
            String key = a.get(i).has("loss") ? "loss" : "val_loss";
            assertEquals(a.get(i).get(key).asDouble(), b.get(i).get(key).asDouble(), 0.0, "entry " + i);
        }
    }

    @Test
    void resumeWithoutCheckpointAndOverwriteAreRefused() throws Exception {
        TrainConfig cfg = TinyRuns.config(2, 2, 2);
        Path empty = dir.resolve("empty");
        assertThrows(java.io.IOException.class, () -> TinyRuns.trainer(TinyRuns.model(), cfg, empty, true, -1).run());
        Path done = dir.resolve("done");
        TinyRuns.trainer(TinyRuns.model(), cfg, done, false, -1).run();
        assertThrows(IllegalArgumentException.class, () -> TinyRuns.trainer(TinyRuns.model(), cfg, done, false, -1).run());
        assertThrows(IllegalArgumentException.class, () -> TinyRuns.trainer(TinyRuns.model(), cfg, done, true, -1).run());
    }
}
