package org.ultramem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine's threads ahead of the rest: found by name, set, put back; refused cleanly where
 * the process may not raise priorities. Linux only for the parts that read /proc.
 */
class EnginePriorityTest {

    @TempDir
    Path dir;

    @Test
    void rejectsANiceValueOutsideMinusTwentyToZero() {
        for (int bad : new int[] {1, -21}) {
            String m = assertThrows(IllegalArgumentException.class,
                    () -> EnginePriority.start(bad)).getMessage();
            assertTrue(m.contains("--engine-nice " + bad) && m.contains("[-20, 0]"), m);
        }
    }

    @Test
    void zeroLeavesEveryThreadAlone() {
        try (EnginePriority p = EnginePriority.start(0)) {
            assertEquals(EnginePriority.Outcome.OFF, p.outcome());
            assertTrue(p.describe().contains("--engine-nice 0"), p.describe());
        }
    }

    @Test
    void readsThisProcessThreadsWithTheirNames() throws Exception {
        assumeTrue(ThreadNice.supported(), "Linux only");
        AtomicInteger tid = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().name("nice-reader-test-thread").start(
                () -> parkAfter(tid, started, release));
        try {
            started.await();
            int self = ThreadNice.currentTid();
            assertTrue(tid.get() > 0 && tid.get() != self);
            assertEquals("nice-reader-tes", ThreadNice.tasks().stream()
                    .filter(k -> k.tid() == tid.get()).findFirst().orElseThrow().name(),
                    "the Java name, cut to 15 bytes as /proc shows it");
            assertTrue(ThreadNice.tasks().stream().anyMatch(k -> k.tid() == self),
                    "the calling thread is in /proc/self/task");
        } finally {
            release.countDown();
            t.join();
        }
    }

    @Test
    void matchesTheSchedulerAndKernelWorkersByTheirCutNames() {
        assertTrue(EnginePriority.isEngine("ultramem-schedu"));
        assertTrue(EnginePriority.isEngine("ultramem-kernel"));
        assertTrue(!EnginePriority.isEngine("ForkJoinPool-1-")
                && !EnginePriority.isEngine("ultramem-model-"), "HTTP and loader threads");
    }

    @Test
    void setsTheEngineThreadsAndPutsBackWhatTheyHad() throws Exception {
        assumeTrue(ThreadNice.supported(), "Linux only");
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger engineTid = new AtomicInteger();
        AtomicInteger otherTid = new AtomicInteger();
        CountDownLatch started = new CountDownLatch(2);
        Thread engine = Thread.ofPlatform().name(BatchScheduler.THREAD_NAME).start(
                () -> parkAfter(engineTid, started, release));
        Thread other = Thread.ofPlatform().name("http-like-test").start(
                () -> parkAfter(otherTid, started, release));
        try {
            started.await();
            int engineBefore = nice(engineTid.get());
            int otherBefore = nice(otherTid.get());
            try (EnginePriority p = EnginePriority.start(-3)) {
                if (p.outcome() == EnginePriority.Outcome.NOT_PERMITTED) {
                    assertTrue(p.describe().contains("CAP_SYS_NICE"), p.describe());
                    assertEquals(engineBefore, nice(engineTid.get()));
                    return;
                }
                assertEquals(EnginePriority.Outcome.RAISED, p.outcome());
                p.scan();
                assertEquals(-3, nice(engineTid.get()));
                assertEquals(otherBefore, nice(otherTid.get()), "not an engine thread");
            }
            assertEquals(engineBefore, nice(engineTid.get()), "put back on close");
        } finally {
            release.countDown();
            engine.join();
            other.join();
        }
    }

    @Test
    void aServerAskedForItRaisesItsScheduler() throws Exception {
        assumeTrue(ThreadNice.supported(), "Linux only");
        Path model = ServeFixtures.checkpoint(dir);
        try (ServingServer server = ServingServer.start(ServeFixtures.options(2, 4)
                .withEngineNice(-2), ServeFixtures.loader(model))) {
            assertTrue(server.awaitModel(60_000), server.loadFailure());
            EnginePriority p = server.enginePriority();
            boolean raised = p.outcome() == EnginePriority.Outcome.RAISED;
            assertTrue(server.metrics().scrape().contains("ultramem_engine_nice "
                    + (raised ? "-2.0" : "0.0")), "the /metrics gauge says what took effect");
            if (!raised) {
                assertEquals(EnginePriority.Outcome.NOT_PERMITTED, p.outcome());
                return;
            }
            p.scan();  // the keeper also finds it within SCAN_MILLIS; this makes the test exact
            assertTrue(ThreadNice.tasks().stream().anyMatch(t -> t.name().equals(
                    "ultramem-schedu") && t.nice() == -2), "scheduler at nice -2");
        }
    }

    private static void parkAfter(AtomicInteger tid, CountDownLatch started,
                                  CountDownLatch release) {
        tid.set(ThreadNice.currentTid());
        started.countDown();
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int nice(int tid) {
        return ThreadNice.tasks().stream().filter(t -> t.tid() == tid).findFirst()
                .orElseThrow().nice();
    }
}
