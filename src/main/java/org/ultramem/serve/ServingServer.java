package org.ultramem.serve;

import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.HttpRouting;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;

/**
 * The HTTP server: Helidon SE's web server (a virtual thread per request) with the OpenAI routes,
 * health, metrics and the playground. It listens at once and loads the model behind it
 * ({@link ModelHost}): until the model is ready every model route answers 503.
 */
public final class ServingServer implements AutoCloseable {

    private final WebServer server;
    private final ModelHost host;
    private final ServeMetrics metrics;
    private final Semaphore bodyPermits;
    private final EnginePriority priority;

    private ServingServer(ServeOptions options, Callable<LoadedModel> load,
                          BatchScheduler.StepHook hook) {
        metrics = new ServeMetrics();
        host = new ModelHost(load, options, metrics, hook);
        Routes routes = new Routes(host, metrics);
        bodyPermits = new Semaphore(options.maxBatch() + options.maxQueue());
        CompletionRoute completions = new CompletionRoute(host, options, metrics, false,
                bodyPermits);
        CompletionRoute chat = new CompletionRoute(host, options, metrics, true, bodyPermits);
        HttpRouting.Builder routing = HttpRouting.builder()
                .post("/v1/completions", completions::handle)
                .post("/v1/chat/completions", chat::handle)
                .get("/v1/models", routes::models)
                .get("/health", routes::health)
                .get("/metrics", routes::metrics)
                .get("/", routes::playground)
                .any(routes::unknown)
                .error(ApiError.class, routes::apiError)
                .error(Throwable.class, routes::bug);
        keepJavaSerializationFilterUnset();
        WebServer s = WebServer.builder()
                .host(options.host())
                .port(options.port())
                .shutdownHook(false)
                .routing(routing)
                .build();
        try {
            server = s.start();
        } catch (RuntimeException e) {
            host.close();
            throw e;
        }
        if (!server.isRunning() || server.port() < 0) {
            // Helidon logs the cause (e.g. address in use) and returns a stopped server.
            host.close();
            throw new IllegalArgumentException("cannot listen on " + options.host() + ":"
                    + options.port() + " (see the log above: address in use or not"
                    + " available?); pick another --port or --host");
        }
        priority = EnginePriority.start(options.engineNice());
        boolean raised = priority.outcome() == EnginePriority.Outcome.RAISED;
        metrics.engineNice(raised ? priority.nice() : 0);
    }

    /** Helidon's system property for what to do when no JVM-wide serial filter is set. */
    static final String HELIDON_FILTER_ACTION = "helidon.serialFilter.missing.action";

    /**
     * Helidon installs a JVM-wide Java deserialization allow-list when none is set, and it would
     * then reject what Hazelcast deserializes in the same JVM (the map config's properties, the
     * read tasks): `serve --cluster`, or members embedded beside a server, would fail. The server
     * deserializes no Java objects itself (HTTP and JSON only), so it leaves the JVM's filter as the
     * user set it; {@code -Dhelidon.serialFilter.missing.action=configure} restores Helidon's.
     */
    static void keepJavaSerializationFilterUnset() {
        if (System.getProperty(HELIDON_FILTER_ACTION) == null) {
            System.setProperty(HELIDON_FILTER_ACTION, "ignore");
        }
    }

    /** Starts listening and loads the model with {@code load} on a thread of its own. */
    public static ServingServer start(ServeOptions options, Callable<LoadedModel> load) {
        return new ServingServer(options, load, () -> { });
    }

    /** As {@link #start(ServeOptions, Callable)} with a hook before every decode step (tests). */
    static ServingServer start(ServeOptions options, Callable<LoadedModel> load,
                               BatchScheduler.StepHook hook) {
        return new ServingServer(options, load, hook);
    }

    /** The port listened on (the one picked when the options asked for 0). */
    public int port() {
        return server.port();
    }

    public ServeMetrics metrics() {
        return metrics;
    }

    /** Waits up to {@code millis} for the model; true when it is ready, false if it failed. */
    public boolean awaitModel(long millis) throws InterruptedException {
        return host.await(millis);
    }

    /** Request bodies that may start being read now (tests). */
    int bodyPermitsAvailable() {
        return bodyPermits.availablePermits();
    }

    /** What priority the engine's threads run at ({@link ServeOptions#engineNice}). */
    public EnginePriority enginePriority() {
        return priority;
    }

    /** Why the model failed to load, or null. */
    public String loadFailure() {
        return host.failure();
    }

    /**
     * Stops the scheduler first (running and queued requests end, so their handlers return and
     * new ones get 503), then the model, then stops listening.
     */
    @Override
    public void close() {
        priority.close();
        host.close();
        server.stop();
    }
}
