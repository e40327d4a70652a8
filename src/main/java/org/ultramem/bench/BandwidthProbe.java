package org.ultramem.bench;

import java.util.Arrays;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Streaming read bandwidth, one pass at a time: sums squares over a float array far larger than
 * the last-level cache, split into contiguous blocks over a fixed number of threads. One pass
 * can be interleaved with other timed work, so a bound and the step it bounds are measured at
 * the same moments (this VM's bandwidth varied 26-39 GB/s between runs minutes apart, 2026-12:
 * the streaming-read lines of {@code ultramem bench kernels}, run twice).
 */
final class BandwidthProbe {

    private final int threads;
    private final float[] x;
    private final double[] partial;
    private final Kernels kern = KernelProvider.get();

    BandwidthProbe(int threads, long bytes) {
        this.threads = threads;
        int n = (int) Math.min(Integer.MAX_VALUE - 16, bytes / Float.BYTES);
        this.x = new float[n];
        this.partial = new double[threads];
        Arrays.fill(x, 1f);
        // Compile the streaming loop before timing: one pass over a huge array is mostly OSR code.
        for (int i = 0; i < 2000; i++) {
            kern.sumOfSquares(x, 0, Math.min(n, 1 << 14));
        }
        passGbs();
    }

    /** GB/s (10⁹ bytes/s) of one pass; fails if the sum is wrong (a broken kernel, not a slow one). */
    double passGbs() {
        int n = x.length;
        long t0 = System.nanoTime();
        Parallel.withThreads(threads, () -> Parallel.forRange(threads, 1, (t0b, t1b) -> {
            for (int t = t0b; t < t1b; t++) {
                int from = (int) ((long) n * t / threads);
                int to = (int) ((long) n * (t + 1) / threads);
                partial[t] = kern.sumOfSquares(x, from, to - from);
            }
        }));
        long ns = System.nanoTime() - t0;
        double sum = 0;
        for (double p : partial) {
            sum += p;
        }
        if (sum != n) {
            throw new IllegalStateException("bandwidth pass summed " + sum + ", expected " + n
                    + ": the streaming kernel is wrong");
        }
        return (double) n * Float.BYTES / ns;
    }
}
