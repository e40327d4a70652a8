package org.ultramem.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.ultramem.infer.Precision;
import org.ultramem.model.ModelConfig;
import org.ultramem.testing.CheckpointMutants;
import org.ultramem.testing.TinyTokenizers;

/**
 * A tiny checkpoint (byte-level tokenizer, an UltraMem layer and an MoE block, random weights,
 * context 64) and a server over it on a free loopback port, with a plain HTTP client.
 */
final class ServeFixtures {

    static final ObjectMapper JSON = new ObjectMapper();
    static final int CONTEXT = 64;
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private ServeFixtures() {
    }

    static ModelConfig config() {
        return ModelConfig.fromJson("""
                {"vocab_size": 300, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 32,
                 "max_position_embeddings": %d, "initializer_range": 0.5,
                 "moe": {"moe_num_experts": 4, "moe_top_k": 2, "moe_intermediate_size": 16,
                         "moe_layers": [1]},
                 "memory_layers": [
                   {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4, "mem_kdim": 8,
                    "mem_vdim": 8, "mem_knn": 4, "mem_heads": 2, "tucker_rank": 2,
                    "tucker_cores": 2, "value_expand": 4}]}
                """.formatted(CONTEXT), "ServeFixtures");
    }

    /** Writes the tiny checkpoint into {@code dir}/model; returns that folder. */
    static Path checkpoint(Path dir) throws IOException {
        Path tok = TinyTokenizers.save(dir.resolve("tokenizer.json"), TinyTokenizers.A, 270);
        return CheckpointMutants.write(dir.resolve("tiny"), config(), tok);
    }

    static Callable<LoadedModel> loader(Path model) {
        return () -> LoadedModel.load(model, Precision.F32, line -> { });
    }

    static ServeOptions options(int maxBatch, int maxQueue) {
        return ServeOptions.of("127.0.0.1", 0, maxBatch, maxQueue)
                .withHeartbeat(Duration.ofMillis(50));
    }

    /** A started server whose model is ready. */
    static ServingServer ready(ServeOptions options, Path model, StepGate gate)
            throws InterruptedException {
        ServingServer s = ServingServer.start(options, loader(model), gate);
        if (!s.awaitModel(60_000)) {
            s.close();
            throw new AssertionError("model did not load: " + s.loadFailure());
        }
        return s;
    }

    static HttpResponse<String> post(ServingServer s, String path, String body)
            throws IOException, InterruptedException {
        return post(s, path, HttpRequest.BodyPublishers.ofString(body));
    }

    static HttpResponse<String> post(ServingServer s, String path,
                                     HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri(s, path)).POST(body)
                .header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(ServingServer s, String path)
            throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(uri(s, path)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static URI uri(ServingServer s, String path) {
        return URI.create("http://127.0.0.1:" + s.port() + path);
    }

    static JsonNode json(HttpResponse<String> r) throws IOException {
        return JSON.readTree(r.body());
    }

    /** Text of a completion (non-streamed) or of a stream's chunks (and checks the framing). */
    static String text(HttpResponse<String> r) throws IOException {
        if (r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream")) {
            return SseChunks.parse(r.body()).text();
        }
        JsonNode c = json(r).path("choices").path(0);
        return c.has("message") ? c.path("message").path("content").asText()
                : c.path("text").asText();
    }

    /** Polls {@code condition} (every 10 ms, up to a minute): for states the server reaches
     * asynchronously. Never a timing assertion: the deadline only stops a hung test. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        for (int i = 0; i < 6000; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("gave up waiting for " + what);
    }

    /** The value of a Prometheus sample line {@code name} (with labels), or 0 when absent. */
    static double metric(ServingServer s, String sample) {
        for (String line : s.metrics().scrape().split("\n")) {
            if (line.startsWith(sample + " ")) {
                return Double.parseDouble(line.substring(sample.length() + 1).trim());
            }
        }
        return 0;
    }
}
