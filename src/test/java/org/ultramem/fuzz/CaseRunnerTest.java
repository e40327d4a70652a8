package org.ultramem.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/** The runner captures every stream, reports what escaped, and survives a hang. */
class CaseRunnerTest {

    private static final Mutant M = new Mutant(0, "k", "d", new byte[0]);

    @Test
    void capturesSystemStreamsAndPicocliWriters() {
        PrintStream before = System.out;
        try (CaseRunner r = new CaseRunner((args, out, err) -> {
            System.out.println("streamed");
            System.err.println("progress");
            err.println("ultramem eval: bad file");
            return 2;
        }, Duration.ofSeconds(10))) {
            CaseRunner.Run run = r.run("eval");
            assertEquals("streamed\n", run.out());
            assertTrue(run.err().contains("progress") && run.err().contains("ultramem eval: bad"), run.err());
            assertEquals(Outcome.CLEAN_ERROR, r.run(FuzzTarget.MODEL, M, "eval", Set.of(), "eval").outcome());
        }
        assertSame(before, System.out);
    }

    @Test
    void reportsThrowablesAndHangsAndGoesOn() {
        CountDownLatch never = new CountDownLatch(1);
        try (CaseRunner r = new CaseRunner((args, out, err) -> {
            switch (args[0]) {
                case "oom" -> throw new OutOfMemoryError("Java heap space");
                case "hang" -> {
                    try {
                        never.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return 0;
                }
                default -> {
                    return 0;
                }
            }
        }, Duration.ofMillis(300))) {
            assertEquals(Outcome.OOM, r.run(FuzzTarget.MODEL, M, "eval", Set.of(), "oom").outcome());
            CaseResult hang = r.run(FuzzTarget.MODEL, M, "eval", Set.of(), "hang");
            assertEquals(Outcome.HANG, hang.outcome());
            assertEquals(1, r.abandonedWorkers());
            assertEquals(Outcome.SUCCESS, r.run(FuzzTarget.MODEL, M, "eval", Set.of(), "ok").outcome());
        }
    }
}
