package org.ultramem.tensor.kernel;

import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * The worker threads behind {@link Parallel}. A worker that finishes a task keeps polling the
 * queue for {@link #SPIN_NANOS} before it parks, and a caller waiting for its region spins for as
 * long before it parks: a decode step runs ~20 short regions back to back, and waking a parked
 * thread costs tens of microseconds each time (an empty 2-thread region took that long with a
 * blocking queue and a latch, a pool not kept; 0.5-2 µs with spinning workers, 2026-11,
 * re-measured by {@code ultramem bench kernels --case parallel-region}). Idle workers cost
 * nothing once parked.
 *
 * <p>Only the first {@link #PURE_SPIN_NANOS} of a wait are a pure spin; the rest of the window
 * polls between {@link Thread#yield}s. On a machine with more runnable threads than cores (the
 * server: the scheduler and the workers beside the HTTP threads and, in {@code bench serve}, the
 * load clients) a pure spin held a core for the whole window while the threads with work waited
 * for a time slice: the 2026-12 profile of {@code bench serve} at 64 clients on 2 cores had
 * 25-45 % of the samples in these spin loops. {@code yield} gives the core to such a thread and
 * returns at once when there is none, so an idle machine keeps the fast hand-off.
 */
final class SpinPool {

    /** How long an idle worker or a waiting caller polls before parking. */
    static final long SPIN_NANOS = 200_000;
    /** How long of that it spins without yielding (the gaps between a step's regions). */
    static final long PURE_SPIN_NANOS = 20_000;
    /** Spins between clock reads in the pure spin (a clock read costs as much as a poll). */
    private static final int SPINS_PER_CLOCK_READ = 32;
    /** {@link #pause}'s answer: the wait is over, park. */
    static final int PARK = -1;
    /** {@link #pause}'s count once past the pure spin (every later poll yields). */
    private static final int YIELDING = Integer.MAX_VALUE;

    private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
    /** The workers; replaced (never mutated) when the pool grows, so readers need no lock. */
    private volatile Worker[] workers = new Worker[0];
    /** Run first on every worker thread (Parallel marks the thread as inside a task). */
    private final Runnable onWorkerStart;

    SpinPool(int workers, Runnable onWorkerStart) {
        this.onWorkerStart = onWorkerStart;
        ensureWorkers(workers);
    }

    /** A fork of {@code tasks} tasks that one caller waits for. */
    Region region(int tasks) {
        if (workers.length < tasks) {
            ensureWorkers(tasks);
        }
        return new Region(tasks, Thread.currentThread());
    }

    /** Queues {@code body} as one task of {@code region} and wakes the parked workers. */
    void execute(Region region, Runnable body) {
        Job job = new Job(region, body);
        region.jobs[region.queued++] = job;
        queue.add(job);
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
    }

    synchronized void ensureWorkers(int count) {
        while (workers.length < count) {
            Worker w = new Worker();
            Thread t = new Thread(w::loop, Parallel.WORKER_NAME_PREFIX + (workers.length + 1));
            t.setDaemon(true);
            w.thread = t;
            Worker[] grown = Arrays.copyOf(workers, workers.length + 1);
            grown[workers.length] = w;
            workers = grown;
            t.start();
        }
    }

    /**
     * Runs on the calling thread every task of {@code region} that no worker has taken yet (the
     * caller calls it when its own block is done). A worker that is parked, or that lost its
     * core to another thread (on 2 cores the server's HTTP and load-client threads take turns
     * with the kernels), would otherwise start its block late while the caller only waits;
     * taking the block instead costs the caller its run time, never more than waiting would.
     * The blocks stay the same, so every result is unchanged. {@code remove} and a worker's
     * {@code poll} unlink a job atomically, so exactly one of them runs it.
     */
    void runUntaken(Region region) {
        for (int i = 0; i < region.queued; i++) {
            Job job = region.jobs[i];
            if (queue.remove(job)) {
                runJob(job);
            }
        }
    }

    private static void runJob(Job job) {
        try {
            job.body().run();
        } catch (Throwable t) {
            job.region().fail(t);
        } finally {
            job.region().done();
        }
    }

    /** One queued task. A class, not a record: queue removal must match by identity. */
    private static final class Job {
        private final Region region;
        private final Runnable body;

        Job(Region region, Runnable body) {
            this.region = region;
            this.body = body;
        }

        Region region() {
            return region;
        }

        Runnable body() {
            return body;
        }
    }

    /** Completion of one {@code forRange}: a countdown, the first failure, the waiting thread. */
    static final class Region {
        private final AtomicInteger remaining;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread caller;
        private volatile boolean callerParked;
        /** The tasks queued for this region, in order (only the caller reads and writes it). */
        private final Job[] jobs;
        private int queued;

        Region(int tasks, Thread caller) {
            this.remaining = new AtomicInteger(tasks);
            this.caller = caller;
            this.jobs = new Job[tasks];
        }

        void fail(Throwable t) {
            failure.compareAndSet(null, t);
        }

        Throwable failure() {
            return failure.get();
        }

        void done() {
            if (remaining.decrementAndGet() == 0 && callerParked) {
                LockSupport.unpark(caller);
            }
        }

        /** Returns once every task of the region has finished (interrupts are not lost). */
        void await() {
            long start = System.nanoTime();
            for (int polls = 0; remaining.get() > 0 && polls != PARK; ) {
                polls = pause(start, polls);
            }
            if (remaining.get() == 0) {
                return;
            }
            callerParked = true;
            while (remaining.get() > 0) {
                LockSupport.park(this);
            }
            callerParked = false;
        }
    }

    /**
     * One idle poll of a wait that began at {@code start} ({@link System#nanoTime}); {@code polls}
     * is what the previous call returned (0 at first). A spin in the first
     * {@link #PURE_SPIN_NANOS} (the clock read every {@link #SPINS_PER_CLOCK_READ} polls), then a
     * {@link Thread#yield} per poll; returns the next {@code polls}, or {@link #PARK} once
     * {@link #SPIN_NANOS} have passed.
     */
    static int pause(long start, int polls) {
        if (polls != YIELDING && polls % SPINS_PER_CLOCK_READ != 0) {
            Thread.onSpinWait();
            return polls + 1;
        }
        long waited = System.nanoTime() - start;
        if (waited < PURE_SPIN_NANOS) {
            Thread.onSpinWait();
            return polls + 1;
        }
        if (waited < SPIN_NANOS) {
            Thread.yield();
            return YIELDING;
        }
        return PARK;
    }

    private final class Worker {
        Thread thread;
        volatile boolean parked;

        void loop() {
            onWorkerStart.run();
            long idleSince = System.nanoTime();
            int polls = 0;
            while (true) {
                Job job = queue.poll();
                if (job != null) {
                    run(job);
                    idleSince = System.nanoTime();
                    polls = 0;
                    continue;
                }
                polls = pause(idleSince, polls);
                if (polls != PARK) {
                    continue;
                }
                parked = true;
                // Re-check after publishing `parked`: a job queued before the flag was visible
                // would otherwise wait for the next unpark.
                job = queue.poll();
                if (job == null) {
                    LockSupport.park(this);
                }
                parked = false;
                if (job != null) {
                    run(job);
                }
                idleSince = System.nanoTime();
                polls = 0;
            }
        }

        private void run(Job job) {
            runJob(job);
        }
    }
}
