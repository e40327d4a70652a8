package org.ultramem.serve;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.ultramem.infer.Sampler;

/**
 * {@code POST /v1/completions} and {@code POST /v1/chat/completions}. Work is ordered cheapest
 * first, so a loaded server sheds load before spending anything: model ready (else 503), queue
 * not full and a body-reading permit free (else 429: at most max-batch + max-queue bodies are
 * read at once, so slow uploads cannot hold more than that many capped bodies in memory), body
 * within the cap (else 413), valid request (else 400/404), prompt and
 * max_tokens within the context (else 400), then the job is queued and the thread waits for its
 * events, writing them whole or as server-sent events. A stream writes a keep-alive comment when
 * idle, so a client that went away is noticed (and its job cancelled) even while it is queued;
 * a non-streamed request is bounded by the request timeout.
 */
final class CompletionRoute {

    /** Default max_tokens of a text completion without one (OpenAI's). */
    static final int DEFAULT_COMPLETION_TOKENS = 16;
    /** Status logged for a client that went away (nginx's convention; never sent). */
    static final int CLIENT_GONE = 499;

    private final ModelHost host;
    private final ServeOptions options;
    private final ServeMetrics metrics;
    private final boolean chat;
    private final Semaphore bodyPermits;
    private final AtomicLong ids = new AtomicLong();
    private final SplittableRandom seeds = new SplittableRandom();

    CompletionRoute(ModelHost host, ServeOptions options, ServeMetrics metrics, boolean chat,
                    Semaphore bodyPermits) {
        this.bodyPermits = bodyPermits;
        this.host = host;
        this.options = options;
        this.metrics = metrics;
        this.chat = chat;
    }

    void handle(ServerRequest req, ServerResponse res) throws InterruptedException, IOException {
        long arrival = System.nanoTime();
        ModelHost.Ready ready = Routes.requireReady(host);
        BatchScheduler scheduler = ready.scheduler();
        if (scheduler.full() || !bodyPermits.tryAcquire()) {
            throw queueFull();
        }
        CompletionRequest r;
        GenerationJob job;
        try {
            r = RequestParser.parse(body(req), chat);
            job = job(r, ready, arrival);
        } finally {
            bodyPermits.release();
        }
        if (!scheduler.submit(job)) {
            throw queueFull();
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + ids.incrementAndGet();
        long created = System.currentTimeMillis() / 1000;
        if (r.stream()) {
            stream(res, scheduler, job, id, ready.model().id(), created, r.includeUsage());
        } else {
            whole(res, scheduler, job, id, ready.model().id(), created);
        }
    }

    /** The job for a parsed request: model name, prompt and max_tokens checked. */
    private GenerationJob job(CompletionRequest r, ModelHost.Ready ready, long arrival) {
        BatchScheduler scheduler = ready.scheduler();
        LoadedModel model = ready.model();
        if (r.model() != null && !r.model().equals(model.id())) {
            throw new ApiError(404, "invalid_request_error", "model", "model_not_found",
                    "model `" + RequestParser.clip(r.model()) + "` is not served here; this"
                    + " server serves `" + model.id() + "` (see GET /v1/models)");
        }
        int[] prompt = promptIds(r, model);
        int context = scheduler.context();
        int maxTokens = r.maxTokens() != null ? r.maxTokens()
                : chat ? context - prompt.length
                : Math.min(DEFAULT_COMPLETION_TOKENS, context - prompt.length);
        if ((long) prompt.length + maxTokens > context) {
            throw ApiError.invalid("max_tokens", "context_length_exceeded", "the prompt ("
                    + prompt.length + " tokens) plus max_tokens (" + maxTokens + ") exceed the"
                    + " model's context of " + context + " tokens; lower max_tokens to at most "
                    + (context - prompt.length));
        }
        long seed = r.seed() != null ? r.seed() : nextSeed();
        return new GenerationJob(prompt, maxTokens, new Sampler(r.sampling(), seed), r.stop(),
                arrival, options.requestTimeout().toNanos());
    }

    private synchronized long nextSeed() {
        return seeds.nextLong();
    }

    /** The prompt's token ids: sent as ids (checked against the vocabulary) or encoded. */
    private int[] promptIds(CompletionRequest r, LoadedModel model) {
        int context = model.engine().config().maxPositionEmbeddings();
        int vocab = model.engine().config().vocabSize();
        int[] ids = r.promptIds();
        if (ids != null) {
            for (int id : ids) {
                if (id >= vocab) {
                    throw ApiError.invalid("prompt", "invalid_value", "token id " + id + " is"
                            + " outside the vocabulary [0, " + vocab + ")");
                }
            }
        } else {
            ids = model.tokenizer().encode(r.prompt());
        }
        if (ids.length == 0) {
            throw ApiError.invalid("prompt", "empty_prompt", "the prompt encodes to no tokens");
        }
        if (ids.length >= context) {
            throw ApiError.invalid("prompt", "context_length_exceeded", "the prompt has "
                    + ids.length + " tokens but the model's context is " + context + " tokens"
                    + " (and at least one must be left to generate); shorten the prompt");
        }
        return ids;
    }

    /** The body, at most {@link ServeOptions#maxBodyBytes()} (413 past it, before reading it). */
    private byte[] body(ServerRequest req) {
        int cap = options.maxBodyBytes();
        long declared = req.headers().contentLength().orElse(-1);
        if (declared > cap) {
            throw tooLarge(cap);
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] b = in.readNBytes(cap + 1);
            if (b.length > cap) {
                throw tooLarge(cap);
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ApiError tooLarge(int cap) {
        return new ApiError(413, "invalid_request_error", null, "request_too_large", "the request"
                + " body exceeds " + cap + " bytes; send a shorter prompt");
    }

    private static ApiError queueFull() {
        return new ApiError(429, "rate_limit_error", null, "queue_full", "the server's queue is"
                + " full; retry after the Retry-After delay");
    }

    /** Waits for the whole completion and answers it as one JSON body. */
    private void whole(ServerResponse res, BatchScheduler scheduler, GenerationJob job, String id,
                       String model, long created) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        try {
            while (true) {
                GenerationJob.Event e = next(scheduler, job);
                switch (e) {
                    case null -> { }
                    case GenerationJob.Text t -> text.append(t.delta());
                    case GenerationJob.Failed f -> throw engineFailed(f);
                    case GenerationJob.Done d -> {
                        if (timedOut(job, d)) {
                            throw timeout();
                        }
                        Routes.send(res, metrics, 200, "application/json", OpenAiJson.completion(
                                chat, id, model, created, text.toString(), d.finishReason(),
                                d.promptTokens(), d.completionTokens()));
                        return;
                    }
                }
            }
        } finally {
            scheduler.withdraw(job); // a no-op once the job has ended
        }
    }

    /** Streams the completion as server-sent events in OpenAI's chunk format. */
    private void stream(ServerResponse res, BatchScheduler scheduler, GenerationJob job,
                        String id, String model, long created, boolean includeUsage)
            throws InterruptedException, IOException {
        res.status(200);
        res.header("Content-Type", "text/event-stream; charset=utf-8");
        res.header("Cache-Control", "no-cache");
        try (OutputStream out = res.outputStream()) {
            boolean first = true;
            while (true) {
                GenerationJob.Event e = next(scheduler, job);
                switch (e) {
                    case null -> {
                        write(out, ": keep-alive\n\n");
                        out.flush();
                    }
                    case GenerationJob.Text t -> {
                        event(out, OpenAiJson.chunk(chat, id, model, created, t.delta(), first,
                                null));
                        first = false;
                        if (!job.hasEvent()) {
                            out.flush(); // events already queued go out in the same write
                        }
                    }
                    case GenerationJob.Failed f -> {
                        event(out, new String(OpenAiJson.error(engineFailed(f)),
                                StandardCharsets.UTF_8));
                        event(out, "[DONE]");
                        metrics.request(500);
                        return;
                    }
                    case GenerationJob.Done d -> {
                        if (timedOut(job, d)) {
                            event(out, new String(OpenAiJson.error(timeout()),
                                    StandardCharsets.UTF_8));
                            metrics.request(504);
                        } else {
                            event(out, OpenAiJson.chunk(chat, id, model, created, "", first,
                                    d.finishReason()));
                            if (includeUsage) {
                                event(out, OpenAiJson.usageChunk(chat, id, model, created,
                                        d.promptTokens(), d.completionTokens()));
                            }
                            metrics.request(d.finishReason().equals("cancelled") ? CLIENT_GONE
                                    : 200);
                        }
                        event(out, "[DONE]");
                        return;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // Free the slot (or queue place) now, whatever ended the stream.
            scheduler.withdraw(job);
            if (!Routes.clientGone(e)) {
                throw e;
            }
            metrics.request(CLIENT_GONE);
        }
    }

    /**
     * The job's next event within one heartbeat, or null. Past the deadline the job is
     * withdrawn (a queued job ends at once; a running one at the scheduler's next step).
     */
    private GenerationJob.Event next(BatchScheduler scheduler, GenerationJob job)
            throws InterruptedException {
        try {
            GenerationJob.Event e = job.poll(options.heartbeat().toNanos());
            if (e == null && job.expired(System.nanoTime())) {
                scheduler.withdraw(job);
            }
            return e;
        } catch (InterruptedException e) {
            scheduler.withdraw(job);
            throw e;
        }
    }

    private static boolean timedOut(GenerationJob job, GenerationJob.Done d) {
        return d.finishReason().equals("timeout")
                || d.finishReason().equals("cancelled") && job.expired(System.nanoTime());
    }

    private ApiError timeout() {
        return new ApiError(504, "timeout_error", null, "request_timeout", "the request did not"
                + " finish within the server's request timeout of "
                + options.requestTimeout().toSeconds() + " s; lower max_tokens or retry later");
    }

    private static ApiError engineFailed(GenerationJob.Failed f) {
        return new ApiError(500, "server_error", null, "engine_error", "decoding failed: "
                + f.message());
    }

    private static void event(OutputStream out, String data) throws IOException {
        write(out, "data: " + data + "\n\n");
    }

    /** Writes without flushing: the stream flushes after a text event with none queued behind
     * it, after a keep-alive, and when it closes after the last event. */
    private static void write(OutputStream out, String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.UTF_8));
    }
}
