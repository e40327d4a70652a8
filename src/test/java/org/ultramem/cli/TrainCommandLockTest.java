package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.CrashPoints;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.train.AdamW;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.MetricsLog;
import org.ultramem.train.TrainConfig;

/**
 * Two trainings on one directory: the first (in this JVM) is held inside its first checkpoint
 * save while a second JVM runs {@code ultramem train} and {@code train --resume} on the same
 * {@code --out}, and this JVM tries once more. Every second attempt is refused with the holder's
 * pid, exit 2; the first then finishes with an intact checkpoint and metrics log. The time a
 * refused process takes (JVM start included) is printed, not asserted.
 */
@Tag("slow")
class TrainCommandLockTest {

    private static final int STEPS = 6;
    private static final String PID = "pid " + ProcessHandle.current().pid();

    @TempDir
    Path dir;

    @Test
    void aSecondTrainingOnOneDirectoryIsRefusedAndTheFirstIsUnharmed() throws Exception {
        Path config = TinyTrainRuns.config(dir, STEPS);
        Path out = dir.resolve("run");
        String[] train = {"train", "--config", config.toString(), "--out", out.toString(), "--no-progress"};
        CountDownLatch inSave = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService firstThread = Executors.newSingleThreadExecutor();
        Future<TinyTrainRuns.Run> first = firstThread.submit(() -> {
            try (var hook = CrashPoints.install(point -> {
                if (inSave.getCount() > 0) {
                    inSave.countDown();
                    await(release);
                }
            })) {
                return TinyTrainRuns.run(train);
            }
        });
        try {
            assertTrue(inSave.await(120, TimeUnit.SECONDS), "the first training never reached its first save");
            Child fresh = child(dir.resolve("second"), train);
            assertRefused(fresh.code(), fresh.err(), out);
            String[] resume = {"train", "--config", config.toString(), "--out", out.toString(), "--resume",
                    "--no-progress"};
            Child resumed = child(dir.resolve("second-resume"), resume);
            assertRefused(resumed.code(), resumed.err(), out);
            TinyTrainRuns.Run inJvm = TinyTrainRuns.run(train);
            assertRefused(inJvm.code(), inJvm.err(), out);
            System.out.printf("TrainCommandLockTest: second process refused after %d ms, second --resume"
                    + " after %d ms (wall clock from process start to exit, JVM start included)%n",
                    fresh.millis(), resumed.millis());
        } finally {
            release.countDown();
            firstThread.shutdown();
        }
        TinyTrainRuns.Run done = first.get(120, TimeUnit.SECONDS);
        assertEquals(0, done.code(), done.err());
        assertUnharmed(out);
    }

    @Test
    void aHolderKilledWithSigkillFreesTheDirectoryAndLeavesARunThatContinues() throws Exception {
        Path config = TinyTrainRuns.config(dir, 1_000_000);
        Path out = dir.resolve("killed");
        Process p = start(dir.resolve("victim"), "train", "--config", config.toString(), "--out", out.toString(),
                "--no-progress");
        try {
            // kill -9 somewhere after the first checkpoint: saves come every 2 steps, so often mid-save
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!Files.exists(out.resolve(Checkpoints.MODEL)) && System.nanoTime() < deadline && p.isAlive()) {
                Thread.sleep(20);
            }
            assertTrue(p.isAlive(), "the training process ended early");
            assertTrue(Files.readString(out.resolve(org.ultramem.train.RunLock.FILE)).contains("pid " + p.pid()));
            Thread.sleep(new java.util.SplittableRandom().nextInt(300));
            p.destroyForcibly(); // SIGKILL: no shutdown hooks, no finally blocks
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        } finally {
            p.destroyForcibly();
        }
        long step;
        try (var lock = org.ultramem.train.RunLock.acquire(out)) { // the OS dropped the dead holder's lock
            System.out.println("TrainCommandLockTest: after kill -9: "
                    + Checkpoints.recoverInterruptedSave(out));
            step = Checkpoints.modelStep(out);
        }
        TinyTrainRuns.Run resumed = TinyTrainRuns.run("train", "--config", config.toString(), "--out",
                out.toString(), "--resume", "--set", "training.max_steps=" + (step + 2), "--no-progress");
        assertEquals(0, resumed.code(), resumed.err());
        assertEquals(step + 2, Checkpoints.modelStep(out));
    }

    private static void assertRefused(int code, String err, Path out) {
        assertEquals(2, code, err);
        List<String> lines = err.lines().filter(l -> l.startsWith("ultramem ")).toList();
        assertEquals(1, lines.size(), err);
        assertTrue(lines.get(0).startsWith("ultramem train: run directory " + out) && lines.get(0).contains(PID)
                && lines.get(0).contains("in use"), err);
        assertTrue(!err.contains("\tat "), "no stack trace: " + err);
    }

    /** The first run's checkpoint is one pair at the last step and its log has each step once. */
    private static void assertUnharmed(Path out) throws IOException {
        assertTrue(Checkpoints.hasTrainingCheckpoint(out));
        TrainConfig tc = Checkpoints.readTrainConfig(out);
        Transformer model = Checkpoints.loadModel(out, tc.batchSize(), tc.seqLen());
        AdamW opt = new AdamW(KernelProvider.get(), model.parametersByName(), tc.schedule(),
                tc.optimizerSettings(), model.valueTableRules());
        assertEquals(STEPS, Checkpoints.loadOptimizer(out, opt).step());
        List<Long> steps = new ArrayList<>();
        for (JsonNode e : MetricsLog.read(out.resolve("metrics.jsonl"))) { // every line parses
            if (e.get("type").asText().equals("train")) {
                steps.add(e.get("step").asLong());
            }
        }
        assertEquals(LongStream.rangeClosed(1, STEPS).boxed().toList(), steps);
    }

    /** A finished child JVM: exit code, stderr, wall-clock milliseconds from start to exit. */
    private record Child(int code, String err, long millis) {
    }

    /** Runs {@code org.ultramem.cli.Main ARGS} in a new JVM to its end. */
    private static Child child(Path logs, String... args) throws Exception {
        long t0 = System.nanoTime();
        Process p = start(logs, args);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the second process did not finish: " + List.of(args));
        }
        long millis = (System.nanoTime() - t0) / 1_000_000;
        return new Child(p.exitValue(), Files.readString(logs.resolve("err.txt")), millis);
    }

    /** Starts {@code org.ultramem.cli.Main ARGS} in a new JVM on this test's classpath, output in {@code logs}. */
    private static Process start(Path logs, String... args) throws IOException {
        Files.createDirectories(logs);
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "org.ultramem.cli.Main"));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectOutput(logs.resolve("out.txt").toFile())
                .redirectError(logs.resolve("err.txt").toFile()).start();
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(300, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
