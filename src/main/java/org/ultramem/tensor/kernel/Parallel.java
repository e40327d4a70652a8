package org.ultramem.tensor.kernel;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The one persistent thread pool every kernel shares. {@link #forRange} cuts {@code [0, n)} into at
 * most {@link #threads()} big contiguous blocks, runs block 0 on the calling thread and the rest on
 * daemon workers ({@link SpinPool}: they spin briefly between regions, so a decode step's dozens
 * of short regions do not each pay a thread wake-up), runs on the calling thread too any block
 * no worker has started by the time block 0 is done, and returns when all are done.
 *
 * <p>Sizing: {@code availableProcessors()}, overridden by the system property
 * {@code ultramem.threads}; {@link #withThreads} overrides it for the calling thread only
 * (benchmarks measuring one core, tests proving results do not depend on the thread count).
 *
 * <p>Nesting: a {@code forRange} called from inside a task runs inline on that thread, so kernels
 * may call kernels without deadlock or oversubscription. Callers must split by output blocks so
 * that each output element is computed by one thread in a fixed order; the block boundaries then
 * do not change any result.
 *
 * <p>{@link #forChunks} hands out small pieces to whichever thread is free instead: on a shared
 * 2-vCPU VM a core is often slowed for a while, and with fixed halves the other then waits at the
 * region's end (the decode step's attention, GEMMs, memory retrieval and MoE experts use it).
 */
public final class Parallel {

    /** A piece of work over the half-open index range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** The worker threads' names: this prefix and a number (the server finds them by it). */
    public static final String WORKER_NAME_PREFIX = "ultramem-kernel-";

    private static final int CONFIGURED = ThreadsSetting.configured();
    /**
     * Everything per thread that {@link #forRange} reads, behind one {@code ThreadLocal} lookup
     * per region (the nesting flag and the override were two lookups plus two stores per region,
     * and a decode step runs ~20 regions whose lookups miss caches the weight stream evicted).
     */
    private static final ThreadLocal<State> STATE = ThreadLocal.withInitial(State::new);
    private static final SpinPool POOL = new SpinPool(Math.max(1, CONFIGURED - 1),
            () -> STATE.get().inside = true);

    private Parallel() {
    }

    /** The number of threads {@link #forRange} may use on the calling thread (at least 1). */
    public static int threads() {
        return STATE.get().threads();
    }

    /**
     * Runs {@code body} on the calling thread with {@link #threads()} set to {@code threads} for
     * the calls it makes, then restores the previous setting.
     */
    public static <T> T withThreads(int threads, Supplier<T> body) {
        if (threads < 1) {
            throw new IllegalArgumentException("thread count (" + threads + ") must be >= 1");
        }
        State state = STATE.get();
        int previous = state.override;
        state.override = threads;
        try {
            return body.get();
        } finally {
            state.override = previous;
        }
    }

    /** {@link #withThreads(int, Supplier)} for work without a result. */
    public static void withThreads(int threads, Runnable body) {
        withThreads(threads, () -> {
            body.run();
            return null;
        });
    }

    /**
     * Runs {@code task} over {@code [0, n)} split into {@code min(threads(), n / minChunk)}
     * contiguous blocks (at least one). Runs inline when that is one block or when called from
     * inside another task. An exception thrown by any block is rethrown here after all blocks end.
     */
    public static void forRange(int n, int minChunk, RangeTask task) {
        if (n <= 0) {
            return;
        }
        int chunk = Math.max(1, minChunk);
        State state = STATE.get();
        int blocks = state.inside ? 1 : Math.min(state.threads(), Math.max(1, n / chunk));
        if (blocks <= 1) {
            task.run(0, n);
            return;
        }
        SpinPool.Region region = POOL.region(blocks - 1);
        for (int b = 1; b < blocks; b++) {
            int start = (int) ((long) n * b / blocks);
            int end = (int) ((long) n * (b + 1) / blocks);
            POOL.execute(region, () -> task.run(start, end));
        }
        state.inside = true;
        try {
            task.run(0, (int) ((long) n / blocks));
        } catch (Throwable t) {
            region.fail(t);
        }
        try {
            POOL.runUntaken(region); // blocks no worker started yet run here, not waited for
        } finally {
            state.inside = false;
        }
        region.await();
        Throwable t = region.failure();
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        if (t != null) {
            throw new IllegalStateException("parallel task failed", t);
        }
    }

    /**
     * Runs {@code task} over {@code [0, n)} in pieces of {@code chunk} indices (the last may be
     * shorter) that the threads claim one at a time until none is left, so a thread the machine
     * slows down (a shared VM's other guests, an interrupt, a cache-missing item) takes fewer
     * pieces instead of holding up the region's end, as {@link #forRange}'s fixed halves do. The
     * pieces are fixed by {@code n} and {@code chunk}; only which thread runs a piece varies, so a
     * body whose outputs per index do not depend on the thread (each output computed within one
     * piece) gives the same bits every run. Inline, as one call over [0, n), when n holds fewer
     * than two whole pieces or when called from inside a task.
     */
    public static void forChunks(int n, int chunk, RangeTask task) {
        if (n <= 0) {
            return;
        }
        int c = Math.max(1, chunk);
        int pieces = (n + c - 1) / c;
        State state = STATE.get();
        // As forRange: fewer than two whole pieces run inline.
        int workers = state.inside ? 1 : Math.min(state.threads(), n / c);
        if (workers <= 1) {
            task.run(0, n);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        forRange(workers, 1, (w0, w1) -> {
            for (int p; (p = next.getAndIncrement()) < pieces; ) {
                task.run(p * c, Math.min(n, (p + 1) * c));
            }
        });
    }

    /** Pieces per thread that {@link #piece} aims at: enough for a slowed core to take fewer. */
    static final int PIECES_PER_THREAD = 8;

    /**
     * A {@link #forChunks} piece size for {@code n} indices: about {@link #PIECES_PER_THREAD}
     * pieces per thread, and at least {@code min} indices (work too small to hand out).
     */
    public static int piece(int n, int min) {
        return Math.max(Math.max(1, min), n / (PIECES_PER_THREAD * threads()));
    }

    /** One thread's nesting flag and thread-count override (0: none). */
    private static final class State {
        boolean inside;
        int override;

        int threads() {
            return override > 0 ? override : CONFIGURED;
        }
    }
}
