package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class SpinPoolTest {

    /**
     * A wait spins at first, yields once past the pure spin (so a thread with work can have the
     * core) and parks at the end of the window.
     */
    @Test
    void aWaitSpinsThenYieldsThenParks() {
        int polls = SpinPool.pause(System.nanoTime() + 1_000_000_000L, 0); // starts in the future
        assertTrue(polls > 0 && polls < 1000, "spinning: " + polls);
        // A wait half-way through the yielding part (retried: a preempted test thread may reach
        // the clock read only after the window).
        int yielding = SpinPool.PARK;
        for (int i = 0; i < 100 && yielding == SpinPool.PARK; i++) {
            yielding = SpinPool.pause(System.nanoTime()
                    - (SpinPool.PURE_SPIN_NANOS + SpinPool.SPIN_NANOS) / 2, 0);
        }
        assertTrue(yielding > 1000, "past the pure spin every poll yields: " + yielding);
        long old = System.nanoTime() - SpinPool.SPIN_NANOS - 1_000;
        assertEquals(SpinPool.PARK, SpinPool.pause(old, yielding));
        assertEquals(SpinPool.PARK, SpinPool.pause(old, 0));
    }

    /**
     * A task that no worker has taken by the time the caller's own block is done runs on the
     * caller (here the only worker is busy with another region), instead of being waited for.
     */
    @Test
    void aTaskNoWorkerTookRunsOnTheCaller() throws Exception {
        SpinPool pool = new SpinPool(1, () -> { });
        CountDownLatch busy = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        SpinPool.Region occupying = pool.region(1);
        pool.execute(occupying, () -> {
            busy.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        busy.await();
        SpinPool.Region region = pool.region(1);
        AtomicReference<Thread> ran = new AtomicReference<>();
        pool.execute(region, () -> ran.set(Thread.currentThread()));
        pool.runUntaken(region);
        region.await();
        assertEquals(Thread.currentThread(), ran.get());
        release.countDown();
        occupying.await();
        pool.runUntaken(occupying); // nothing left: the worker took it
    }
}
