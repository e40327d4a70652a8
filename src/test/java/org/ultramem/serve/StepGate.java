package org.ultramem.serve;

import java.util.concurrent.Semaphore;

/** Holds the scheduler before its decode steps while a test sets up a situation (no sleeps). */
final class StepGate implements BatchScheduler.StepHook {

    private volatile boolean open = true;
    private final Semaphore permits = new Semaphore(0);

    @Override
    public void beforeStep() throws InterruptedException {
        if (!open) {
            permits.acquire();
        }
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
