package org.ultramem.serve;

import java.util.concurrent.Callable;

/**
 * The served model's life: loading (the server already listens and answers 503), ready (the
 * model and its scheduler) or failed (503 with the reason, until restarted). Loading runs on its
 * own thread so health checks get answers while a large checkpoint maps and validates.
 */
final class ModelHost implements AutoCloseable {

    /** A loaded model and the scheduler that owns it. */
    record Ready(LoadedModel model, BatchScheduler scheduler, long createdEpochSeconds) {
    }

    private volatile Ready ready;
    private volatile String failure;
    private volatile boolean closed;
    private final Thread loader;

    ModelHost(Callable<LoadedModel> load, ServeOptions options, ServeMetrics metrics,
              BatchScheduler.StepHook hook) {
        loader = Thread.ofPlatform().name("ultramem-model-loader").daemon(true).start(() -> {
            LoadedModel m = null;
            try {
                m = load.call();
                BatchScheduler s = new BatchScheduler(m, options.maxBatch(), options.maxQueue(),
                        options.kvPrecision(), metrics, hook);
                synchronized (this) {
                    if (closed) {
                        s.close();
                        m.close();
                        return;
                    }
                    ready = new Ready(m, s, System.currentTimeMillis() / 1000);
                }
            } catch (Exception | OutOfMemoryError e) {
                failure = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                if (m != null) {
                    m.close();
                }
            }
        });
    }

    /** The ready model, or null while loading or after a failure. */
    Ready ready() {
        return ready;
    }

    /** Why loading failed, or null. */
    String failure() {
        return failure;
    }

    /** Waits for loading to end; returns true when the model is ready. */
    boolean await(long millis) throws InterruptedException {
        loader.join(millis);
        return ready != null;
    }

    @Override
    public synchronized void close() {
        closed = true;
        Ready r = ready;
        if (r != null) {
            r.scheduler().close();
            r.model().close();
            ready = null;
        }
    }
}
