package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.data.DataPreparer;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.ModelCost;
import org.ultramem.model.Transformer;
import org.ultramem.train.Checkpoints;

/**
 * {@code ultramem inspect --model DIR --usage SPLIT}: summaries and plots per memory layer. The
 * end-to-end tests prepare a data folder and render PNGs (about 3 s each), hence slow.
 */
class InspectUsageTest {

    @TempDir
    static Path dir;

    static Path data;
    static Path checkpoint;
    static Path dense;

    /** Prepares the data folder and the checkpoints once (only the slow tests need them). */
    static synchronized void prepare() throws Exception {
        if (data != null) {
            return;
        }
        Path text = Files.createDirectories(dir.resolve("text"));
        String sentences = "The cat sat on the mat. A dog ran to the park and back. "
                + "She said that the rain would stop by noon. ";
        for (int i = 0; i < 3; i++) {
            Files.writeString(text.resolve("doc" + i + ".txt"), sentences.repeat(30 + i));
        }
        Path prepared = dir.resolve("data");
        DataPreparer.prepare(new DataPreparer.Options(prepared, 300, text, false), line -> { });
        // No "training" object: the checkpoint's seq is max_position_embeddings (16).
        ModelConfig cfg = ModelConfig.fromJson(InspectCommandTest.TINY_MEMORY
                .replace("\"vocab_size\": 64", "\"vocab_size\": 300"), "usage test config");
        checkpoint = dir.resolve("ckpt");
        Checkpoints.saveModel(checkpoint, new Transformer(cfg, 2, 16, 7), null, null, null,
                Map.of());
        dense = dir.resolve("dense");
        Checkpoints.saveModel(dense, new Transformer(ModelConfig.of(300, 16, 1, 2, 24, 16), 1, 16,
                7), null, null, null, Map.of());
        data = prepared;
    }

    @Test
    @Tag("slow")
    void reportsEachMemoryLayerAndWritesItsPlot() throws Exception {
        prepare();
        Path out = dir.resolve("usage");
        InspectCommandTest.Run r = InspectCommandTest.run("--model", checkpoint.toString(),
                "--usage", "val", "--tokens", "40", "--data", data.toString(), "--out",
                out.toString(), "--batch", "2");
        assertEquals(0, r.code(), r.err());
        // 40 tokens -> 2 full windows of 16 = 32 tokens; UltraMem H·k = 2·3, PKM H·k = 2·3 hits each.
        List<String> lines = r.out().lines().filter(l -> l.startsWith("memory.")).toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith("memory.0 (ultramem, 16 rows): 32 tokens, 192 hits"),
                lines.get(0));
        assertTrue(lines.get(1).startsWith("memory.1 (pkm, 25 rows): 32 tokens, 192 hits"),
                lines.get(1));
        assertTrue(Files.size(out.resolve("usage-memory0.png")) > 0);
        assertTrue(Files.size(out.resolve("usage-memory1.png")) > 0);
    }

    @Test
    @Tag("slow")
    void reportsEachUltraMemV2LayerOverItsWindow() throws Exception {
        prepare();
        Path v2 = dir.resolve("v2");
        ModelConfig cfg = ModelConfig.fromJson(org.ultramem.model.TinyV2.json(0.02, "")
                .replace("\"vocab_size\": 32", "\"vocab_size\": 300"), "v2");
        Checkpoints.saveModel(v2, new Transformer(cfg, 2, 16, 7), null, null, null, Map.of());
        InspectCommandTest.Run r = InspectCommandTest.run("--model", v2.toString(), "--usage",
                "val", "--tokens", "40", "--data", data.toString(), "--out",
                dir.resolve("usage-v2").toString(), "--batch", "2");
        assertEquals(0, r.code(), r.err());
        // 32 tokens × H·k = 2·3 slots; each layer's window holds N = 16 of the 48 shared rows.
        List<String> lines = r.out().lines().filter(l -> l.startsWith("memory.")).toList();
        assertEquals(3, lines.size(), r.out());
        for (int l = 0; l < 3; l++) {
            assertTrue(lines.get(l).startsWith("memory." + l
                    + " (ultramem_v2, 16 rows): 32 tokens, 192 hits"), lines.get(l));
        }
    }

    @Test
    @Tag("slow")
    void withoutUsageReportsTheCheckpointsCost() throws Exception {
        prepare();
        InspectCommandTest.Run r = InspectCommandTest.run("--model", checkpoint.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        ModelConfig cfg = Checkpoints.readConfig(checkpoint);
        assertEquals(ConfigJson.toCompactJson(ModelCost.of(cfg).toJson()),
                ConfigJson.toCompactJson(ConfigJson.parse(r.out(), "inspect output")));
        InspectCommandTest.Run set = InspectCommandTest.run("--model", checkpoint.toString(),
                "--set", "intermediate_size=8");
        assertNotEquals(0, set.code());
        assertTrue(set.err().contains("--set only applies to --config"), set.err());
    }

    @Test
    void layerUsageCountsTouchedDeadAndEntropy() {
        InspectUsage.LayerUsage uniform = InspectUsage.LayerUsage.of(0, "pkm", new long[] {3, 3, 3, 3});
        assertEquals(4, uniform.touched());
        assertEquals(0, uniform.dead());
        assertEquals(1.0, uniform.entropy(), 1e-12);
        InspectUsage.LayerUsage half = InspectUsage.LayerUsage.of(1, "ultramem", new long[] {5, 0, 5, 0});
        assertEquals(2, half.dead());
        assertEquals(0.5, half.touchedFraction());
        assertEquals(0.5, half.entropy(), 1e-12); // ln 2 / ln 4
        InspectUsage.LayerUsage one = InspectUsage.LayerUsage.of(2, "pkm", new long[] {0, 7, 0});
        assertEquals(0.0, one.entropy(), 1e-12);
        assertEquals(7, one.hits());
    }

    @Test
    @Tag("slow")
    void plotRendersOnALogAxisDespiteDeadRows() throws Exception {
        long[] counts = {0, 4, 1, 9, 0};
        InspectUsage.LayerUsage u = InspectUsage.LayerUsage.of(0, "pkm", counts);
        // Rendering succeeds on a log axis although two rows are dead (they are not drawn).
        assertTrue(InspectUsage.plot(u, counts).size(300, 200).toPng().length > 0);
        assertArrayEquals(new long[] {0, 4, 1, 9, 0}, counts);
    }

    @Test
    @Tag("slow")
    void rejectsCheckpointsWithoutMemoryLayers() throws Exception {
        prepare();
        InspectCommandTest.Run r = InspectCommandTest.run("--model", dense.toString(), "--usage",
                "val", "--data", data.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("has no memory layers"), r.err());
    }
}
