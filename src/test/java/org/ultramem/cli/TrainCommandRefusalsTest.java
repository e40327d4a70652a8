package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.CrashPoints;
import org.ultramem.train.Checkpoints;

/**
 * {@code train} failures a user can fix end in one line naming the path and the fix, exit 2: an
 * {@code --out} that is a file, a full disk during a save, a damaged optimizer file on resume.
 */
class TrainCommandRefusalsTest {

    @TempDir
    static Path dir;

    static Path config;

    @BeforeAll
    static void prepare() throws IOException {
        config = TinyTrainRuns.config(dir, 4);
    }

    /** Asserts one error line, no stack trace, mentioning every one of {@code parts}. */
    private static void assertOneLine(TinyTrainRuns.Run r, String... parts) {
        assertEquals(2, r.code(), r.err());
        List<String> lines = r.errorLines();
        assertEquals(1, lines.size(), r.err());
        assertTrue(lines.get(0).startsWith("ultramem train: "), r.err());
        for (String p : parts) {
            assertTrue(lines.get(0).contains(p), "missing `" + p + "` in: " + lines.get(0));
        }
    }

    @Test
    void outThatIsARegularFileIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("not-a-dir"), "keep me");
        TinyTrainRuns.Run r = TinyTrainRuns.run("train", "--config", config.toString(), "--out", file.toString(),
                "--no-progress");
        assertOneLine(r, file.toString(), "not a directory", "--out");
        assertEquals("keep me", Files.readString(file));
    }

    @Test
    void resumeIntoAMissingDirectoryIsRefusedWithoutCreatingIt() {
        Path missing = dir.resolve("typo");
        TinyTrainRuns.Run r = TinyTrainRuns.run("train", "--config", config.toString(), "--out", missing.toString(),
                "--resume", "--no-progress");
        assertOneLine(r, missing.toString(), "--resume", "not a directory");
        assertTrue(!Files.exists(missing));
    }

    @Test
    void aFullDiskDuringASaveNamesTheFileAndAFreshStartThenWorks() throws IOException {
        Path out = dir.resolve("full-disk");
        TinyTrainRuns.Run r;
        try (var hook = CrashPoints.install(point -> {
            if (point.equals("created temp file of model.safetensors.pending")) {
                throw new IOException("No space left on device");
            }
        })) {
            r = TinyTrainRuns.run("train", "--config", config.toString(), "--out", out.toString(), "--no-progress");
        }
        assertOneLine(r, out.resolve(Checkpoints.MODEL + Checkpoints.PENDING).toString(), "No space left",
                "free space", "run the same command again");
        // the first save never completed: the same command starts the run afresh
        TinyTrainRuns.Run again = TinyTrainRuns.run("train", "--config", config.toString(), "--out",
                out.toString(), "--no-progress");
        assertEquals(0, again.code(), again.err());
        assertTrue(Checkpoints.hasTrainingCheckpoint(out));
    }

    @Test
    void aNonIntegerOptimizerStepOnResumeIsRefusedNamingTheFileAndKey() throws IOException {
        Path out = dir.resolve("bad-step");
        TinyTrainRuns.Run first = TinyTrainRuns.run("train", "--config", config.toString(), "--out",
                out.toString(), "--no-progress");
        assertEquals(0, first.code(), first.err());
        Path opt = out.resolve(Checkpoints.OPTIMIZER);
        String bytes = Files.readString(opt, StandardCharsets.ISO_8859_1);
        assertTrue(bytes.contains("\"step\":\"4\""));
        // same length, so the safetensors header stays well-formed
        Files.writeString(opt, bytes.replace("\"step\":\"4\"", "\"step\":\"x\""), StandardCharsets.ISO_8859_1);
        TinyTrainRuns.Run r = TinyTrainRuns.run("train", "--config", config.toString(), "--out", out.toString(),
                "--resume", "--set", "training.max_steps=6", "--no-progress");
        assertOneLine(r, opt.toString(), "`step`", "not an integer");
    }
}
