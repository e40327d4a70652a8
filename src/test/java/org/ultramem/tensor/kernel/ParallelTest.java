package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {

    @Test
    void coversEveryIndexExactlyOnceWithContiguousBlocks() {
        for (int threads : new int[] {1, 2, 3}) {
            for (int n : new int[] {1, 2, 7, 1000}) {
                AtomicIntegerArray hits = new AtomicIntegerArray(n);
                Set<Integer> starts = ConcurrentHashMap.newKeySet();
                Parallel.withThreads(threads, () -> Parallel.forRange(n, 1, (s, e) -> {
                    starts.add(s);
                    for (int i = s; i < e; i++) {
                        hits.incrementAndGet(i);
                    }
                }));
                for (int i = 0; i < n; i++) {
                    assertEquals(1, hits.get(i),
                            "index " + i + " with " + threads + " threads, n=" + n);
                }
                assertEquals(Math.min(threads, n), starts.size(), "block count, n=" + n);
            }
        }
    }

    /** Every index once, in the fixed pieces [k·chunk, (k+1)·chunk), whoever runs them. */
    @Test
    void chunksCoverEveryIndexOnceInFixedPieces() {
        for (int threads : new int[] {1, 2, 3}) {
            for (int n : new int[] {1, 2, 7, 64, 1000}) {
                for (int chunk : new int[] {1, 3, 8, 5000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    Queue<int[]> pieces = new ConcurrentLinkedQueue<>();
                    Parallel.withThreads(threads, () -> Parallel.forChunks(n, chunk, (s, e) -> {
                        pieces.add(new int[] {s, e});
                        for (int i = s; i < e; i++) {
                            hits.incrementAndGet(i);
                        }
                    }));
                    String at = threads + " threads, n " + n + ", chunk " + chunk;
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, hits.get(i), "index " + i + ", " + at);
                    }
                    boolean inline = threads == 1 || n / chunk < 2;
                    for (int[] p : pieces) {
                        if (inline) {
                            assertEquals(0, p[0], at);
                            assertEquals(n, p[1], at);
                        } else {
                            assertEquals(0, p[0] % chunk, "piece start, " + at);
                            assertEquals(Math.min(n, p[0] + chunk), p[1], "piece end, " + at);
                        }
                    }
                }
            }
        }
    }

    @Test
    void pieceAimsAtEightPerThreadAndKeepsTheMinimum() {
        Parallel.withThreads(2, () -> {
            assertEquals(16, Parallel.piece(256, 1));      // 256 / (8 · 2)
            assertEquals(4, Parallel.piece(64, 4));        // 64 / 16 = 4, the minimum too
            assertEquals(10, Parallel.piece(64, 10));      // the minimum wins
            assertEquals(1, Parallel.piece(3, 0));         // never below one index
        });
    }

    @Test
    void chunkExceptionsReachTheCallerAndNestedChunksRunInline() {
        RuntimeException boom = new IllegalStateException("boom");
        RuntimeException got = assertThrows(RuntimeException.class, () -> Parallel.withThreads(2,
                () -> Parallel.forChunks(100, 4, (s, e) -> {
                    if (s == 96) {
                        throw boom;
                    }
                })));
        assertSame(boom, got);
        Set<Thread> inner = ConcurrentHashMap.newKeySet();
        Parallel.withThreads(2, () -> Parallel.forChunks(8, 1, (s, e) -> {
            Thread outer = Thread.currentThread();
            Parallel.forChunks(100, 1, (a, b) -> {
                assertEquals(0, a);
                assertEquals(100, b);
                inner.add(Thread.currentThread());
                assertSame(outer, Thread.currentThread());
            });
        }));
        assertTrue(!inner.isEmpty());
    }

    @Test
    void smallRangesRunInlineOnTheCaller() {
        Thread caller = Thread.currentThread();
        Parallel.withThreads(2, () -> Parallel.forRange(10, 100, (s, e) -> {
            assertSame(caller, Thread.currentThread());
            assertEquals(0, s);
            assertEquals(10, e);
        }));
    }

    @Test
    void nestedCallsRunInlineInsideATask() {
        // One entry per block (the caller may run both blocks when the worker is slow to start).
        Queue<String> nestedThreads = new ConcurrentLinkedQueue<>();
        Parallel.withThreads(2, () -> Parallel.forRange(2, 1, (s, e) -> {
            String outer = Thread.currentThread().getName();
            Parallel.forRange(100, 1, (s2, e2) -> {
                assertEquals(0, s2);
                assertEquals(100, e2);
                nestedThreads.add(outer + "->" + Thread.currentThread().getName());
            });
        }));
        assertEquals(2, nestedThreads.size());
        for (String pair : nestedThreads) {
            String[] parts = pair.split("->");
            assertEquals(parts[0], parts[1], "nested call left its thread");
        }
    }

    @Test
    void exceptionsFromWorkersReachTheCaller() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Parallel.withThreads(2, () -> Parallel.forRange(2, 1, (s, end) -> {
                    if (s == 1) {
                        throw new IllegalStateException("block 1 failed");
                    }
                })));
        assertEquals("block 1 failed", e.getMessage());
        // The pool still works afterwards.
        AtomicIntegerArray hits = new AtomicIntegerArray(4);
        Parallel.withThreads(2, () -> Parallel.forRange(4, 1, (s, end) -> hits.incrementAndGet(s)));
        assertEquals(1, hits.get(0));
        assertEquals(1, hits.get(2));
    }

    @Test
    void withThreadsRestoresThePreviousSettingAndRejectsZero() {
        int before = Parallel.threads();
        Parallel.withThreads(3, () -> {
            assertEquals(3, Parallel.threads());
            Parallel.withThreads(1, () -> assertEquals(1, Parallel.threads()));
            assertEquals(3, Parallel.threads());
        });
        assertEquals(before, Parallel.threads());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Parallel.withThreads(0, () -> { }));
        assertTrue(e.getMessage().contains("thread count (0)"));
    }

    @Test
    void manyShortRegionsFromConcurrentCallersAllComplete() throws Exception {
        // Spinning workers and parking callers: no region may lose its wake-up, whether the
        // workers are spinning (back-to-back regions) or parked (after an idle pause).
        long[] sums = new long[3];
        Thread[] callers = new Thread[3];
        for (int c = 0; c < callers.length; c++) {
            int id = c;
            callers[c] = new Thread(() -> Parallel.withThreads(3, () -> {
                for (int rep = 0; rep < 3000; rep++) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(3);
                    Parallel.forRange(3, 1, (s, e) -> hits.incrementAndGet(s));
                    sums[id] += hits.get(0) + hits.get(1) + hits.get(2);
                    if (rep % 1000 == 999) {
                        java.util.concurrent.locks.LockSupport.parkNanos(
                                3 * SpinPool.SPIN_NANOS);
                    }
                }
            }));
            callers[c].start();
        }
        for (Thread t : callers) {
            t.join(60_000);
            assertTrue(!t.isAlive(), "a caller is stuck waiting for its region");
        }
        for (long sum : sums) {
            assertEquals(9000, sum);
        }
    }
}
