package org.ultramem.bench;

import java.lang.management.ManagementFactory;

/**
 * Heap bytes allocated so far by every live thread of the JVM (HotSpot's per-thread counters).
 * A step's difference shows allocation that a kernel should not do: a vector C2 failed to keep in
 * registers is boxed on the heap on every use, which costs far more time than its bytes suggest
 * (a boxed GEMM tile evicted its own panels from L2, {@code Gemm.kernel6}). A thread that ends
 * between two readings drops out of the sum, so a difference can under-count; the benchmarks
 * read it around work on the long-lived pool threads.
 */
final class ThreadAllocation {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private ThreadAllocation() {
    }

    /** Bytes allocated by all live threads since they started. */
    static long allThreadsBytes() {
        long sum = 0;
        for (long bytes : THREADS.getThreadAllocatedBytes(THREADS.getAllThreadIds())) {
            if (bytes > 0) {
                sum += bytes;
            }
        }
        return sum;
    }
}
