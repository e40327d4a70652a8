package org.ultramem.serve;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * Continuous batching: one thread owns the engine and its {@link DecodeState} of
 * {@code maxBatch} KV slots, and loops
 * <pre>
 *   admit: while a slot is free, take a queued job, prefill its prompt in its slot (a pass of
 *          its own, chunked by the engine) and sample its first token
 *   step:  drop cancelled and timed-out jobs; one decode pass over every running job's last
 *          token (InferenceModel.decode over the running slots); sample each row with that
 *          job's own sampler (rows in parallel); finish jobs at end-of-text, a stop sequence, max_tokens or the
 *          context's end, freeing their slots for the next admission
 * </pre>
 * Jobs join and leave between steps, at token granularity. Prefill runs whole before the next
 * step (the engine's batched step takes one token per sequence), so a long prompt delays the
 * running jobs by its prefill time. The queue is bounded: {@link #submit} refuses when full.
 * The GEMM path is fixed for the scheduler's life ({@link SegmentKernels#fixedRowPath}), so a
 * row's logits do not depend on the other rows and a seeded request's text not on the batch.
 */
final class BatchScheduler implements AutoCloseable {

    /** Called on the scheduler thread before each decode step (tests hold steps with it). */
    interface StepHook {
        void beforeStep() throws InterruptedException;
    }

    private final LoadedModel model;
    private final InferenceModel engine;
    private final int maxBatch;
    private final int vocab;
    private final int context;
    private final int endOfText;
    private final ArrayBlockingQueue<GenerationJob> queue;
    private final GenerationJob[] slots;
    private final int[] rowSlots;
    private final int[] rowTokens;
    private final int[] sampled;
    private final RuntimeException[] sampleErrors;
    private final DecodeState state;
    private final ServeMetrics metrics;
    private final StepHook hook;
    private final SegmentKernels.RowPath previousPath;
    private final Thread thread;
    private volatile boolean closing;
    private volatile int running;

    BatchScheduler(LoadedModel model, int maxBatch, int maxQueue, Precision kvPrecision,
                   ServeMetrics metrics, StepHook hook) {
        this.model = model;
        this.engine = model.engine();
        this.maxBatch = maxBatch;
        this.vocab = engine.config().vocabSize();
        this.context = engine.config().maxPositionEmbeddings();
        this.endOfText = model.tokenizer().endOfTextId();
        this.queue = new ArrayBlockingQueue<>(maxQueue);
        this.slots = new GenerationJob[maxBatch];
        this.rowSlots = new int[maxBatch];
        this.rowTokens = new int[maxBatch];
        this.sampled = new int[maxBatch];
        this.sampleErrors = new RuntimeException[maxBatch];
        this.state = engine.newState(maxBatch, context, kvPrecision);
        this.metrics = metrics;
        this.hook = hook;
        this.previousPath = SegmentKernels.setRowPath(SegmentKernels.fixedRowPath(maxBatch));
        this.thread = Thread.ofPlatform().name("ultramem-scheduler").daemon(true)
                .start(this::loop);
    }

    /** The model's context (max_position_embeddings): prompt + max_tokens must fit in it. */
    int context() {
        return context;
    }

    /** True when a new job would be refused (checked before any work on a request). */
    boolean full() {
        return queue.remainingCapacity() == 0;
    }

    /** Queues {@code job}; false when the queue is full (the caller answers 429). */
    boolean submit(GenerationJob job) {
        boolean accepted = !closing && queue.offer(job);
        publish();
        return accepted;
    }

    /** Cancels {@code job}; a queued job leaves the queue now, a running one before the next step. */
    void withdraw(GenerationJob job) {
        job.cancel();
        if (queue.remove(job)) {
            job.post(new GenerationJob.Done("cancelled", job.prompt.length, 0));
            publish();
        }
    }

    private void loop() {
        try {
            while (!closing) {
                admit();
                if (running == 0) {
                    GenerationJob j = queue.poll(50, TimeUnit.MILLISECONDS);
                    if (j != null) {
                        start(j);
                    }
                    continue;
                }
                hook.beforeStep();
                step();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            for (GenerationJob j : slots) {
                if (j != null) {
                    finish(j, "cancelled");
                }
            }
            for (GenerationJob j; (j = queue.poll()) != null; ) {
                j.post(new GenerationJob.Done("cancelled", j.prompt.length, 0));
            }
            publish();
        }
    }

    private void admit() {
        while (running < maxBatch) {
            GenerationJob j = queue.poll();
            if (j == null) {
                return;
            }
            start(j);
        }
    }

    /** Prefills {@code job} in a free slot and takes its first token. */
    private void start(GenerationJob job) {
        if (job.cancelled() || job.expired(System.nanoTime())) {
            job.post(new GenerationJob.Done(job.cancelled() ? "cancelled" : "timeout",
                    job.prompt.length, 0));
            publish();
            return;
        }
        int slot = 0;
        while (slots[slot] != null) {
            slot++;
        }
        job.slot = slot;
        slots[slot] = job;
        running++;
        publish();
        try {
            state.reset(slot);
            float[] logits = engine.prefill(state, slot, job.prompt);
            metrics.promptTokens(job.prompt.length);
            accept(job, job.sampler.sample(logits, 0, vocab));
        } catch (RuntimeException e) {
            fail(job, e);
        }
    }

    /** One batched decode step over every running job. */
    private void step() {
        long now = System.nanoTime();
        int n = 0;
        for (GenerationJob j : slots) {
            if (j == null) {
                continue;
            }
            if (j.cancelled() || j.expired(now)) {
                finish(j, j.cancelled() ? "cancelled" : "timeout");
                continue;
            }
            rowSlots[n] = j.slot;
            rowTokens[n] = j.next;
            n++;
        }
        if (n == 0) {
            publish();
            return;
        }
        float[] logits;
        try {
            engine.meter().reset();
            long t0 = System.nanoTime();
            logits = engine.decode(state, rowSlots, rowTokens, n);
            metrics.step(System.nanoTime() - t0, engine.meter().total());
        } catch (RuntimeException e) {
            for (int r = 0; r < n; r++) {
                fail(slots[rowSlots[r]], e);
            }
            return;
        }
        sampleRows(logits, n);
        for (int r = 0; r < n; r++) {
            GenerationJob j = slots[rowSlots[r]];
            if (sampleErrors[r] != null) {
                fail(j, sampleErrors[r]);
                sampleErrors[r] = null;
            } else {
                accept(j, sampled[r]);
            }
        }
        publish();
    }

    /**
     * sampled[r] = row r's token, drawn by its job's own sampler, rows in parallel (at batch 64
     * and V 8192 the softmaxes cost about as much as a decode step on one core); a row whose
     * sampler fails leaves its error in sampleErrors[r].
     */
    private void sampleRows(float[] logits, int n) {
        Parallel.forRange(n, 8, (from, to) -> {
            for (int r = from; r < to; r++) {
                try {
                    sampled[r] = slots[rowSlots[r]].sampler.sample(logits, r * vocab, vocab);
                } catch (RuntimeException e) {
                    sampleErrors[r] = e;
                }
            }
        });
    }

    /** Takes {@code id} as {@code job}'s next token: sends its text or finishes the job. */
    private void accept(GenerationJob job, int id) {
        if (id == endOfText) {
            finish(job, "stop");
            return;
        }
        job.generated++;
        metrics.generatedToken();
        if (job.generated == 1) {
            metrics.firstToken(System.nanoTime() - job.arrivalNanos);
        }
        String delta = job.text.append(model.tokenBytes(id));
        if (!delta.isEmpty()) {
            job.post(new GenerationJob.Text(delta));
        }
        if (job.text.stopped()) {
            finish(job, "stop");
        } else if (job.generated >= job.maxTokens || state.length(job.slot) >= context) {
            finish(job, "length");
        } else {
            job.next = id;
        }
    }

    private void finish(GenerationJob job, String reason) {
        String rest = job.text.flush();
        if (!rest.isEmpty()) {
            job.post(new GenerationJob.Text(rest));
        }
        job.post(new GenerationJob.Done(reason, job.prompt.length, job.generated));
        release(job);
    }

    private void fail(GenerationJob job, RuntimeException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        job.post(new GenerationJob.Failed(m));
        release(job);
    }

    private void release(GenerationJob job) {
        if (job.slot >= 0 && slots[job.slot] == job) {
            slots[job.slot] = null;
            running--;
        }
        publish();
    }

    private void publish() {
        metrics.batch(running, queue.size());
    }

    /** Stops the thread (running and queued jobs end "cancelled") and restores the GEMM path. */
    @Override
    public void close() {
        closing = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        SegmentKernels.setRowPath(previousPath);
    }
}
