package org.ultramem.serve;

import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The small routes ({@code GET /v1/models}, {@code /health}, {@code /metrics}, the playground at
 * {@code /}, unknown paths) and what every route shares: the 503 while the model loads, sending a
 * body while counting its status, and turning an {@link ApiError} (or a bug) into an
 * OpenAI-style error body.
 */
final class Routes {

    static final String PLAYGROUND = "playground.html";

    private final ModelHost host;
    private final ServeMetrics metrics;
    private final byte[] playground;

    Routes(ModelHost host, ServeMetrics metrics) {
        this.host = host;
        this.metrics = metrics;
        try (InputStream in = Routes.class.getResourceAsStream(PLAYGROUND)) {
            if (in == null) {
                throw new IllegalStateException(PLAYGROUND + " is missing from the jar");
            }
            playground = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The ready model, or a 503 (loading, or loading failed) with Retry-After. */
    static ModelHost.Ready requireReady(ModelHost host) {
        ModelHost.Ready r = host.ready();
        if (r != null) {
            return r;
        }
        String failure = host.failure();
        throw new ApiError(503, "server_error", null, failure == null ? "model_loading"
                : "model_failed", failure == null ? "the model is still loading; retry after the"
                + " Retry-After delay" : "the model failed to load: " + failure);
    }

    void models(ServerRequest req, ServerResponse res) {
        ModelHost.Ready r = requireReady(host);
        send(res, metrics, 200, "application/json", OpenAiJson.models(r.model().id(),
                r.createdEpochSeconds()));
    }

    void health(ServerRequest req, ServerResponse res) {
        ModelHost.Ready r = host.ready();
        String failure = host.failure();
        String status = r != null ? "ok" : failure == null ? "loading" : "failed";
        send(res, metrics, r != null ? 200 : 503, "application/json", OpenAiJson.health(status,
                r == null ? null : r.model().id(), metrics.running(), metrics.queued(), failure));
    }

    void metrics(ServerRequest req, ServerResponse res) {
        send(res, metrics, 200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(StandardCharsets.UTF_8));
    }

    void playground(ServerRequest req, ServerResponse res) {
        send(res, metrics, 200, "text/html; charset=utf-8", playground);
    }

    void unknown(ServerRequest req, ServerResponse res) {
        throw new ApiError(404, "invalid_request_error", null, "unknown_url", "no route for "
                + req.prologue().method().text() + " " + RequestParser.clip(req.path().path())
                + "; see POST /v1/completions, POST /v1/chat/completions, GET /v1/models,"
                + " GET /health, GET /metrics, GET /");
    }

    /** Answers an {@link ApiError} with its status and OpenAI-style body. */
    void apiError(ServerRequest req, ServerResponse res, ApiError e) {
        if (res.isSent()) {
            return;
        }
        if (e.status() == 429) {
            res.header("Retry-After", "1");
        } else if (e.status() == 503) {
            res.header("Retry-After", "5");
        }
        send(res, metrics, e.status(), "application/json", OpenAiJson.error(e));
    }

    /** Anything else is a bug: 500 with the exception's message, and the server keeps serving. */
    void bug(ServerRequest req, ServerResponse res, Throwable t) {
        if (clientGone(t)) {
            metrics.request(CompletionRoute.CLIENT_GONE);
            return; // the connection is gone; nothing can be answered
        }
        if (res.isSent()) {
            return;
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        apiError(req, res, new ApiError(500, "server_error", null, "internal_error",
                "internal error (please report it): " + RequestParser.clip(m)));
    }

    /** True when {@code t} comes from an I/O error: a write to a client that went away. */
    static boolean clientGone(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof IOException) {
                return true;
            }
        }
        return false;
    }

    static void send(ServerResponse res, ServeMetrics metrics, int status, String type,
                     byte[] body) {
        res.status(status);
        res.header("Content-Type", type);
        res.send(body);
        metrics.request(status);
    }
}
