package org.ultramem.serve;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Runs the engine's threads (the batch scheduler and the kernel workers) at a higher OS priority
 * than the rest of the process: the HTTP handlers, the load clients of {@code bench serve}, JIT
 * and GC threads.
 *
 * <p>Why: a serving pass is a chain of parallel regions over both cores. An HTTP thread that
 * takes a core from one engine thread makes the other wait at the region's end, so the pass
 * grows by more than the CPU the HTTP thread used (20% of the machine as background load slowed
 * passes by 32%, docs/results/speed-2026-12-07c). With the engine ahead, the socket work runs in
 * the engine's gaps instead: between passes and while a region's last block finishes.
 *
 * <p>How: every {@link #SCAN_MILLIS} ms a daemon thread finds the engine's threads by name in
 * {@code /proc/self/task} (a scheduler starts with each model load, the kernel pool may grow) and
 * sets their nice value. {@link #close} puts back the value each had. Raising a priority needs
 * root or CAP_SYS_NICE: without it {@link #outcome} is {@link Outcome#NOT_PERMITTED} and no
 * thread is touched. Linux only (elsewhere {@link Outcome#UNSUPPORTED}).
 */
public final class EnginePriority implements AutoCloseable {

    /** What {@link #start} could do. */
    public enum Outcome {
        /** nice 0 asked: nothing to do. */
        OFF,
        /** The engine's threads get the nice value. */
        RAISED,
        /** The process may not raise priorities (not root, no CAP_SYS_NICE). */
        NOT_PERMITTED,
        /** Not Linux, or no /proc: thread priorities are left alone. */
        UNSUPPORTED
    }

    static final int SCAN_MILLIS = 500;
    /** Linux cuts thread names to 15 bytes in /proc. */
    private static final int COMM_BYTES = 15;
    /** Names of the engine's threads, cut as /proc shows them. */
    static final List<String> ENGINE_THREADS = List.of(
            comm(Parallel.WORKER_NAME_PREFIX), comm(BatchScheduler.THREAD_NAME));

    private final int nice;
    private final Outcome outcome;
    /** tid → nice value before this keeper changed it. */
    private final Map<Integer, Integer> changed = new HashMap<>();
    private final Thread keeper;
    private volatile boolean closing;

    private EnginePriority(int nice, Outcome outcome) {
        this.nice = nice;
        this.outcome = outcome;
        this.keeper = outcome == Outcome.RAISED
                ? Thread.ofPlatform().name("ultramem-priority").daemon(true).start(this::keep)
                : null;
    }

    /**
     * Starts keeping the engine's threads at {@code nice} (-20 to 0; 0 leaves them alone). Checks
     * first that this process may raise priorities, by raising a new thread's own.
     */
    public static EnginePriority start(int nice) {
        checkNice(nice);
        if (nice == 0) {
            return new EnginePriority(0, Outcome.OFF);
        }
        if (!ThreadNice.supported()) {
            return new EnginePriority(nice, Outcome.UNSUPPORTED);
        }
        return new EnginePriority(nice, mayRaise(nice) ? Outcome.RAISED : Outcome.NOT_PERMITTED);
    }

    /** Refuses a nice value outside [-20, 0], naming the option; returns it otherwise. */
    public static int checkNice(int nice) {
        if (nice < -20 || nice > 0) {
            throw new IllegalArgumentException("--engine-nice " + nice + " must be in [-20, 0]"
                    + " (0: leave the engine's threads alone; lower runs them ahead of the HTTP"
                    + " threads)");
        }
        return nice;
    }

    public Outcome outcome() {
        return outcome;
    }

    public int nice() {
        return nice;
    }

    /** One line for the server's log: what priority the engine's threads run at, and why. */
    public String describe() {
        return switch (outcome) {
            case OFF -> "engine threads at the process's priority (--engine-nice 0)";
            case RAISED -> "engine threads at nice " + nice + ", ahead of the HTTP threads";
            case NOT_PERMITTED -> "engine threads keep the process's priority: nice " + nice
                    + " needs root or CAP_SYS_NICE (e.g. setcap cap_sys_nice+ep on the java"
                    + " binary); --engine-nice 0 silences this";
            case UNSUPPORTED -> "engine threads keep the process's priority: thread nice values"
                    + " are only set on Linux";
        };
    }

    /** Sets every engine thread not yet at the target, remembering the value it had. */
    synchronized void scan() {
        for (ThreadNice.Task t : ThreadNice.tasks()) {
            if (t.nice() != nice && isEngine(t.name()) && ThreadNice.set(t.tid(), nice) == 0) {
                changed.putIfAbsent(t.tid(), t.nice());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (keeper == null || closing) {
            return;
        }
        closing = true;
        keeper.interrupt();
        for (Map.Entry<Integer, Integer> e : changed.entrySet()) {
            ThreadNice.set(e.getKey(), e.getValue());  // ESRCH: the thread has ended, fine
        }
        changed.clear();
    }

    static boolean isEngine(String comm) {
        for (String name : ENGINE_THREADS) {
            if (comm.startsWith(name)) {
                return true;
            }
        }
        return false;
    }

    private void keep() {
        try {
            while (!closing) {
                scan();
                Thread.sleep(SCAN_MILLIS);
            }
        } catch (InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            // /proc stopped answering: stop looking; the threads found so far keep their value
            // until close(), and a daemon thread's stack trace would only alarm
        }
    }

    /** Tries the nice value on a short-lived thread of its own (it ends, so nothing to undo). */
    private static boolean mayRaise(int nice) {
        int[] rc = {-1};
        Thread probe = Thread.ofPlatform().name("ultramem-priority-probe")
                .start(() -> rc[0] = ThreadNice.set(ThreadNice.currentTid(), nice));
        try {
            probe.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return rc[0] == 0;
    }

    private static String comm(String javaName) {
        return javaName.length() <= COMM_BYTES ? javaName : javaName.substring(0, COMM_BYTES);
    }
}
