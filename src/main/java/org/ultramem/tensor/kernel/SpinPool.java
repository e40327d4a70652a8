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
 * nothing once parked. On an oversubscribed machine (more busy threads than cores) the spinning
 * burns time slices another process could use; it is bounded by {@link #SPIN_NANOS} per region.
 */
final class SpinPool {

    /** How long an idle worker or a waiting caller spins before parking. */
    static final long SPIN_NANOS = 200_000;

    private final ConcurrentLinkedQueue<Job> queue = new ConcurrentLinkedQueue<>();
    /** The workers; replaced (never mutated) when the pool grows, so readers need no lock. */
    private volatile Worker[] workers = new Worker[0];
    private final ThreadLocal<Boolean> inside;

    SpinPool(int workers, ThreadLocal<Boolean> inside) {
        this.inside = inside;
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
        queue.add(new Job(region, body));
        for (Worker w : workers) {
            if (w.parked) {
                LockSupport.unpark(w.thread);
            }
        }
    }

    synchronized void ensureWorkers(int count) {
        while (workers.length < count) {
            Worker w = new Worker();
            Thread t = new Thread(w::loop, "ultramem-kernel-" + (workers.length + 1));
            t.setDaemon(true);
            w.thread = t;
            Worker[] grown = Arrays.copyOf(workers, workers.length + 1);
            grown[workers.length] = w;
            workers = grown;
            t.start();
        }
    }

    private record Job(Region region, Runnable body) {
    }

    /** Completion of one {@code forRange}: a countdown, the first failure, the waiting thread. */
    static final class Region {
        private final AtomicInteger remaining;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private final Thread caller;
        private volatile boolean callerParked;

        Region(int tasks, Thread caller) {
            this.remaining = new AtomicInteger(tasks);
            this.caller = caller;
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
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (remaining.get() > 0 && System.nanoTime() < spinUntil) {
                Thread.onSpinWait();
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

    private final class Worker {
        Thread thread;
        volatile boolean parked;

        void loop() {
            inside.set(Boolean.TRUE);
            long idleSince = System.nanoTime();
            while (true) {
                Job job = queue.poll();
                if (job != null) {
                    run(job);
                    idleSince = System.nanoTime();
                    continue;
                }
                if (System.nanoTime() - idleSince < SPIN_NANOS) {
                    Thread.onSpinWait();
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
            }
        }

        private void run(Job job) {
            try {
                job.body().run();
            } catch (Throwable t) {
                job.region().fail(t);
            } finally {
                job.region().done();
            }
        }
    }
}
