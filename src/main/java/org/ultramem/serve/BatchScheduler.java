package org.ultramem.serve;

import java.util.ArrayDeque;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * Continuous batching with chunked prefill: one thread owns the engine and its
 * {@link DecodeState} of {@code maxBatch} KV slots, and loops
 * <pre>
 *   admit: while a slot is free, give it to a queued job (its prompt waits to be prefilled)
 *   step:  drop cancelled and timed-out jobs; one pass ({@link InferenceModel#extend}) over
 *          every decoding job's last token plus, in the rows left ({@link #PREFILL_ROWS} at
 *          least), the next prompt chunks of the jobs being prefilled, oldest first; sample a
 *          token (each job with its own sampler, rows in parallel) for every decoding job and
 *          every job whose prompt the pass completed; finish jobs at end-of-text, a stop
 *          sequence, max_tokens or the context's end, freeing their slots for the next admission
 * </pre>
 * Jobs join and leave between steps, at token granularity. Prompts ride in the decode passes
 * instead of passes of their own, so the weights are read once per step for both (at 64
 * clients each finished request's prompt used to cost a whole extra pass), and a long prompt
 * delays the running jobs by a chunk per step, not by its whole prefill. The queue is bounded:
 * {@link #submit} refuses when full.
 * The GEMM path is fixed for the scheduler's life ({@link SegmentKernels#fixedRowPath}), so a
 * row's logits do not depend on the other rows and a seeded request's text not on the batch.
 */
final class BatchScheduler implements AutoCloseable {

    /** The scheduler thread's name ({@link EnginePriority} finds the engine's threads by it). */
    static final String THREAD_NAME = "ultramem-scheduler";

    /** Prompt rows each pass has room for beside the decode rows (the engine's prefill chunk). */
    static final int PREFILL_ROWS = DecodeState.PREFILL_CHUNK;

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
    /** Jobs holding a slot whose prompt is not fully prefilled yet, in admission order. */
    private final ArrayDeque<GenerationJob> prefilling = new ArrayDeque<>();
    // One pass: entry e is job passJobs[e] appending passTokens[e][passFrom[e] ..+ passCount[e]).
    private final GenerationJob[] passJobs;
    private final int[] passSlots;
    private final int[][] passTokens;
    private final int[] passFrom;
    private final int[] passCount;
    /** Entries whose logits row is sampled this pass (decoding jobs, completed prompts). */
    private final int[] sampleEntries;
    private final int[] sampled;
    private final RuntimeException[] sampleErrors;
    private final DecodeState state;
    private final ServeMetrics metrics;
    private final Object publishLock = new Object();
    private final StepHook hook;
    private final SegmentKernels.RowPath previousPath;
    private final Thread thread;
    private volatile boolean closing;
    private volatile int running;
    /** When the last step ended (the scheduler's wait is counted from there). */
    private long lastStepEnd = System.nanoTime();

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
        this.passJobs = new GenerationJob[maxBatch];
        this.passSlots = new int[maxBatch];
        this.passTokens = new int[maxBatch][];
        this.passFrom = new int[maxBatch];
        this.passCount = new int[maxBatch];
        this.sampleEntries = new int[maxBatch];
        this.sampled = new int[maxBatch];
        this.sampleErrors = new RuntimeException[maxBatch];
        this.state = engine.newState(maxBatch, context, kvPrecision,
                maxBatch + Math.min(PREFILL_ROWS, context));
        this.metrics = metrics;
        this.hook = hook;
        this.previousPath = SegmentKernels.setRowPath(SegmentKernels.fixedRowPath(maxBatch));
        this.thread = Thread.ofPlatform().name(THREAD_NAME).daemon(true)
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

    /** Gives {@code job} a free slot; its prompt is prefilled by the next steps. */
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
        state.reset(slot);
        prefilling.addLast(job);
        running++;
        publish();
    }

    /** One pass: every decoding job's token, then prompt chunks in the rows left. */
    private void step() {
        long now = System.nanoTime();
        long waited = now - lastStepEnd;
        int n = 0;
        for (GenerationJob j : slots) {
            if (j == null) {
                continue;
            }
            if (j.cancelled() || j.expired(now)) {
                finish(j, j.cancelled() ? "cancelled" : "timeout");
            } else if (j.prefilled == j.prompt.length) {
                entry(n++, j, j.last, 0, 1);
            }
        }
        int decodeRows = n;
        int budget = state.maxRows() - n;
        for (GenerationJob j : prefilling) {
            if (budget == 0) {
                break;
            }
            int take = Math.min(budget, j.prompt.length - j.prefilled);
            entry(n++, j, j.prompt, j.prefilled, take);
            budget -= take;
        }
        if (n == 0) {
            publish();
            return;
        }
        float[] logits;
        long passEnd;
        try {
            engine.meter().reset();
            long t0 = System.nanoTime();
            logits = engine.extend(state, passSlots, passTokens, passFrom, passCount, n);
            passEnd = System.nanoTime();
            metrics.step(passEnd - t0, engine.meter().total());
        } catch (RuntimeException e) {
            for (int r = 0; r < n; r++) {
                fail(passJobs[r], e);
            }
            lastStepEnd = System.nanoTime();
            return;
        }
        int promptRows = state.maxRows() - decodeRows - budget;
        int toSample = 0;
        for (int r = 0; r < n; r++) {
            GenerationJob j = passJobs[r];
            if (j.prefilled < j.prompt.length) {
                j.prefilled += passCount[r];
                if (j.prefilled < j.prompt.length) {
                    continue; // more prompt chunks to come: this row's logits are not wanted
                }
                prefilling.remove(j);
                metrics.promptTokens(j.prompt.length);
            }
            sampleEntries[toSample++] = r;
        }
        sampleRows(logits, toSample);
        long sampleEnd = System.nanoTime();
        for (int i = 0; i < toSample; i++) {
            GenerationJob j = passJobs[sampleEntries[i]];
            if (sampleErrors[i] != null) {
                fail(j, sampleErrors[i]);
                sampleErrors[i] = null;
            } else {
                accept(j, sampled[i]);
            }
        }
        publish();
        lastStepEnd = System.nanoTime();
        metrics.schedulerStep(passEnd - now, sampleEnd - passEnd, lastStepEnd - sampleEnd,
                waited, decodeRows, promptRows);
    }

    private void entry(int e, GenerationJob job, int[] tokens, int from, int count) {
        passJobs[e] = job;
        passSlots[e] = job.slot;
        passTokens[e] = tokens;
        passFrom[e] = from;
        passCount[e] = count;
    }

    /**
     * sampled[i] = the token of entry sampleEntries[i] (logits row sampleEntries[i]), drawn by
     * its job's own sampler, rows in parallel (at batch 64 and V 8192 the softmaxes cost about
     * as much as a decode step on one core); a row whose sampler fails leaves its error in
     * sampleErrors[i].
     */
    private void sampleRows(float[] logits, int count) {
        Parallel.forChunks(count, 8, (from, to) -> {
            for (int i = from; i < to; i++) {
                int e = sampleEntries[i];
                try {
                    sampled[i] = passJobs[e].sampler.sample(logits, e * vocab, vocab);
                } catch (RuntimeException ex) {
                    sampleErrors[i] = ex;
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
            job.last[0] = id;
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
            prefilling.remove(job);
        }
        publish();
    }

    /**
     * Sets the metrics' running and queued gauges. The HTTP threads (submit, withdraw) and the
     * scheduler both publish; the lock makes the last one to publish the one that read the state
     * last (without it an HTTP thread that read running = 0 before an admission could overwrite
     * the scheduler's running = 1, and a held scheduler would never correct it).
     */
    private void publish() {
        synchronized (publishLock) {
            metrics.batch(running, queue.size());
        }
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
