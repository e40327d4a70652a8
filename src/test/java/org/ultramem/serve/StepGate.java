package org.ultramem.serve;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/** Holds the scheduler before its decode steps while a test sets up a situation (no sleeps). */
final class StepGate implements BatchScheduler.StepHook {

    private volatile boolean open = true;
    private final Semaphore permits = new Semaphore(0);
    private final AtomicInteger arrivals = new AtomicInteger();

    @Override
    public void beforeStep() throws InterruptedException {
        arrivals.incrementAndGet();
        if (!open) {
            permits.acquire();
        }
    }

    /**
     * How many times the scheduler has reached the gate: when it reaches it for the (k+1)-th
     * time, step k and everything the scheduler does after it (admissions) are done.
     */
    int arrivals() {
        return arrivals.get();
    }

    /** From now on each step waits for a permit. */
    void hold() {
        permits.drainPermits();
        open = false;
    }

    /** Lets {@code n} more steps run. */
    void step(int n) {
        permits.release(n);
    }

    /** Lets every step run again. */
    void release() {
        open = true;
        permits.release(1_000_000);
    }
}
