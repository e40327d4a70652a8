package org.ultramem.serve;

import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.ultramem.infer.Sampler;

/**
 * One request's generation, shared by its HTTP thread and the scheduler: the scheduler owns the
 * decoding fields and posts {@link Event}s; the HTTP thread takes them and may
 * {@link #cancel()} (client gone, timeout). Each job has its own seeded {@link Sampler}, so its
 * tokens depend only on its own logits and seed.
 */
final class GenerationJob {

    /** What the scheduler tells the HTTP thread. */
    sealed interface Event {
    }

    /** New text to send (never empty). */
    record Text(String delta) implements Event {
    }

    /**
     * The end: {@code finishReason} is "stop" (end-of-text token or stop sequence), "length"
     * (max_tokens or the context), "timeout" or "cancelled".
     */
    record Done(String finishReason, int promptTokens, int completionTokens) implements Event {
    }

    /** The engine failed on this request (a bug or a resource limit): answered as a 500. */
    record Failed(String message) implements Event {
    }

    final int[] prompt;
    final int maxTokens;
    final Sampler sampler;
    final long arrivalNanos;
    final long deadlineNanos;
    final TextAssembler text;
    private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;

    // Owned by the scheduler thread.
    int slot = -1;
    /** Prompt tokens already in the job's KV slot (the prompt is prefilled in chunks). */
    int prefilled;
    /** The last sampled token, the job's input to the next decode pass. */
    final int[] last = new int[1];
    int generated;

    /** A job that arrived at {@code arrivalNanos} ({@link System#nanoTime}) and may run for
     * {@code timeoutNanos} from then, queueing included. */
    GenerationJob(int[] prompt, int maxTokens, Sampler sampler, List<String> stops,
                  long arrivalNanos, long timeoutNanos) {
        this.prompt = prompt;
        this.maxTokens = maxTokens;
        this.sampler = sampler;
        this.text = new TextAssembler(stops);
        this.arrivalNanos = arrivalNanos;
        this.deadlineNanos = arrivalNanos + timeoutNanos;
    }

    /** Asks the scheduler to drop this job (it frees the slot before its next step). */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    boolean expired(long now) {
        return now - deadlineNanos > 0;
    }

    void post(Event e) {
        events.add(e);
    }

    /** True when an event is waiting (the HTTP thread writes it before flushing). */
    boolean hasEvent() {
        return !events.isEmpty();
    }

    /** The next event, or null after {@code timeoutNanos}. */
    Event poll(long timeoutNanos) throws InterruptedException {
        return events.poll(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
    }
}
