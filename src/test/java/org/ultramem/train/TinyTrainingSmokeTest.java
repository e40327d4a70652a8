package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.ultramem.data.Split;
import org.ultramem.tensor.kernel.KernelProvider;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.model.Transformer;

class TinyTrainingSmokeTest {

    @TempDir
    Path dir;

    private Path out;

    @BeforeEach
    void setUp() {
        out = dir.resolve("run");
    }

    @Test
    void fewStepsEndToEndLowerTheLossAndWriteACheckpoint() throws Exception {
        Transformer model = TinyRuns.model();
        TrainConfig cfg = TinyRuns.config(30, 30, 30);
        Trainer.Result r;
        double before;
        try (DatasetBatches data = DatasetBatches.open(TinyRuns.dataDir(dir.resolve("data")), Split.VALIDATION, true)) {
            before = Trainer.evaluate(model, data, 256, 4, 8).loss();
            r = new Trainer(model, cfg, data, KernelProvider.get(),
                    new Trainer.Options(out, false, null, false, null, Map.of(), -1)).run();
        }
        assertEquals(30, r.step());
        assertEquals(30L * 4 * 8 * 2, r.tokens());
        assertTrue(r.eval().loss() < before - 0.5, "val loss " + before + " -> " + r.eval().loss());
        assertEquals(Math.exp(r.eval().loss()), r.eval().perplexity(), 1e-9);
        assertEquals(r.eval().loss() / (3.0 * Math.log(2)), r.eval().bitsPerByte(), 1e-12);

        for (String f : List.of(Checkpoints.CONFIG, Checkpoints.MODEL, Checkpoints.OPTIMIZER, "metrics.jsonl")) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        List<JsonNode> metrics = MetricsLog.read(out.resolve("metrics.jsonl"));
        JsonNode first = metrics.get(0);
        JsonNode lastTrain = metrics.stream().filter(m -> m.get("type").asText().equals("train"))
                .reduce((a, b) -> b).orElseThrow();
        for (String key : List.of("step", "tokens", "lr", "loss", "grad_norm", "tokens_per_s")) {
            assertTrue(first.has(key), key);
        }
        assertTrue(lastTrain.get("loss").asDouble() < first.get("loss").asDouble());
        assertTrue(metrics.stream().anyMatch(m -> m.get("type").asText().equals("eval") && m.has("val_bpb")));
    }
}
