package org.ultramem.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.ultramem.infer.Precision;
import org.ultramem.serve.LoadedModel;
import org.ultramem.infer.cluster.ClusterConfig;
import org.ultramem.serve.ServeOptions;
import org.ultramem.serve.ServingServer;
import org.ultramem.train.Checkpoints;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ultramem serve}: an OpenAI-compatible HTTP server with continuous batching. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Serve a checkpoint over HTTP: POST /v1/completions and"
                + " /v1/chat/completions (stream: true for server-sent events), GET /v1/models,"
                + " /health, /metrics (Prometheus) and a playground page at /.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Checkpoint directory"
            + " (config.json, model.safetensors, tokenizer.json).")
    Path model;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on"
            + " (default: ${DEFAULT-VALUE}; 0.0.0.0 for every interface).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port (0: any free one;"
            + " default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--max-batch", defaultValue = "16", description = "Requests decoded together"
            + " (KV cache slots; default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--max-queue", defaultValue = "64", description = "Requests waiting for a"
            + " slot; more get 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue;

    @Option(names = "--request-timeout", defaultValue = "600", description = "Seconds a request"
            + " may take from arrival, queueing included; then 504 (default: ${DEFAULT-VALUE}).")
    long timeoutSeconds;

    @Option(names = "--precision", defaultValue = "f32",
            description = "Weight storage in memory: f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--kv-precision", defaultValue = "f32",
            description = "KV cache storage: f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String kvPrecision;

    @Option(names = "--engine-nice", defaultValue = "-10", paramLabel = "N", description = "Nice"
            + " value (-20 to 0) of the engine's threads, so that HTTP work waits for them instead"
            + " of stalling a pass; needs root or CAP_SYS_NICE, else they keep the process's"
            + " priority and the server says so (default: ${DEFAULT-VALUE}; 0: leave them alone).")
    int engineNice;

    @Option(names = "--cluster", paramLabel = "CLUSTER.yaml", description = "Read the value"
            + " tables from this cluster's members (loaded by `ultramem cluster load`; docs/cluster.md).")
    Path cluster;

    @Override
    public Integer call() throws Exception {
        Checkpoints.readConfig(model); // fails now, in one line, on a folder that is no checkpoint
        if (!Files.isRegularFile(model.resolve(Checkpoints.TOKENIZER))) {
            throw new IllegalArgumentException(model + " has no " + Checkpoints.TOKENIZER
                    + "; serving needs the model's tokenizer (checkpoints written by `ultramem"
                    + " train` include it)");
        }
        if (timeoutSeconds < 1) {
            throw new IllegalArgumentException("--request-timeout " + timeoutSeconds
                    + " must be >= 1 second");
        }
        Precision weights = Precision.parse(precision);
        // parsed now, so a bad cluster file fails in one line before the port is bound
        ClusterConfig clusterConfig = cluster == null ? null : ClusterConfig.load(cluster);
        ServeOptions options = ServeOptions.of(host, port, maxBatch, maxQueue)
                .withTimeout(Duration.ofSeconds(timeoutSeconds))
                .withKvPrecision(Precision.parse(kvPrecision))
                .withEngineNice(engineNice);
        CountDownLatch stopped = new CountDownLatch(1);
        try (ServingServer server = ServingServer.start(options, () -> LoadedModel.load(model,
                weights, clusterConfig, line -> System.err.println("ultramem serve: " + line)))) {
            Thread hook = new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "ultramem-serve-shutdown");
            Runtime.getRuntime().addShutdownHook(hook);
            System.err.println("ultramem serve: listening on http://" + host + ":" + server.port()
                    + " (playground at /); loading " + model + " ...");
            System.err.println("ultramem serve: " + server.enginePriority().describe());
            if (!server.awaitModel(Long.MAX_VALUE)) {
                Runtime.getRuntime().removeShutdownHook(hook);
                throw new IllegalArgumentException("cannot serve " + model + ": "
                        + server.loadFailure());
            }
            System.err.println("ultramem serve: ready: batch " + maxBatch + ", queue " + maxQueue
                    + "; try: curl http://" + host + ":" + server.port() + "/v1/completions -H"
                    + " 'Content-Type: application/json' -d '{\"prompt\": \"Hello\","
                    + " \"max_tokens\": 16}'");
            stopped.await();
        }
        return 0;
    }
}
