package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.CrashPoints;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.model.Transformer;

/**
 * A kill at every point of every checkpoint save, the first included: the directory as the kill
 * leaves it (copied at each {@link CrashPoints} point, temp files and all) must be continued by
 * {@code --resume} or accepted by a fresh start, and either way the run must end bit for bit where
 * the uninterrupted run ends.
 */
@Tag("slow")
class CheckpointCrashTest {

    @TempDir
    Path dir;

    @Test
    void aKillAtAnyPointOfAnySaveLeavesARunThatResumesOrRestartsBitExactly() throws Exception {
        TrainConfig cfg = TinyRuns.config(6, 2, 2);
        Transformer straight = TinyRuns.model();
        TinyRuns.trainer(straight, cfg, dir.resolve("straight"), false, -1).run();

        // the interrupted run saves at steps 2 and 4 and stops after step 5, without a save
        Path run = dir.resolve("run");
        List<String> points = new ArrayList<>();
        try (var hook = CrashPoints.install(point -> {
            copyTree(run, dir.resolve("kill-" + points.size()));
            points.add(point);
        })) {
            TinyRuns.trainer(TinyRuns.model(), cfg, run, false, 5).run();
        }
        assertEquals(2 * 11, points.size(), "config, optimizer and model files (3 points each) and two"
                + " renames, per save: " + points);

        List<String> outcomes = new ArrayList<>();
        for (int k = 0; k < points.size(); k++) {
            Path killed = dir.resolve("kill-" + k);
            Checkpoints.recoverInterruptedSave(killed);
            long from = Checkpoints.hasTrainingCheckpoint(killed) ? modelStep(killed) : 0;
            Transformer finished;
            if (from > 0) {
                // a fresh process: its own initial weights must not matter, the checkpoint decides
                finished = new Transformer(TinyRuns.modelConfig(), 4, 8, 12345);
                TinyRuns.trainer(finished, cfg, killed, true, -1).run();
            } else {
                finished = TinyRuns.model();
                TinyRuns.trainer(finished, cfg, killed, false, -1).run();
            }
            outcomes.add(String.format("%-55s -> %s", points.get(k), from > 0 ? "resume from step " + from : "fresh start"));
            for (int i = 0; i < straight.parameters().size(); i++) {
                assertArrayEquals(straight.parameters().get(i).data, finished.parameters().get(i).data,
                        "kill at point " + k + " (" + points.get(k) + "): " + straight.parameters().get(i).name);
            }
            assertEquals(List.of(), leftovers(killed), "kill at point " + k);
            assertEquals(6, MetricsLog.read(killed.resolve("metrics.jsonl")).stream()
                    .filter(e -> e.get("type").asText().equals("train")).count(), "kill at point " + k);
        }
        System.out.println("CheckpointCrashTest: kill point -> how the run continued\n  "
                + String.join("\n  ", outcomes));
        // the first save's pair is committed by its model rename: before it a fresh start, after it step 2
        int firstModelRename = points.indexOf("renamed model.safetensors.pending to model.safetensors");
        assertTrue(outcomes.get(firstModelRename - 3).endsWith("fresh start"), outcomes.toString());
        assertTrue(outcomes.get(firstModelRename - 2).endsWith("resume from step 2"), outcomes.toString());
        assertTrue(outcomes.getLast().endsWith("resume from step 4"), outcomes.toString());
    }

    private static long modelStep(Path ckpt) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(ckpt.resolve(Checkpoints.MODEL))) {
            return Long.parseLong(st.metadata().get("step"));
        }
    }

    /** Temp and pending files still in {@code dir}. */
    private static List<String> leftovers(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> n.contains(".tmp-") || n.endsWith(Checkpoints.PENDING)).sorted().toList();
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.toList()) {
                Files.copy(f, to.resolve(f.getFileName().toString()));
            }
        }
    }
}
