package org.ultramem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ultramem.serve.ServeFixtures.json;
import static org.ultramem.serve.ServeFixtures.post;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every class of bad input gets a 4xx with an OpenAI-style error body naming the problem, and
 * the server goes on serving: each case is followed by a good request.
 */
class BadInputTest {

    @TempDir
    static Path dir;
    static ServingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ServeFixtures.ready(ServeFixtures.options(2, 8), ServeFixtures.checkpoint(dir),
                new StepGate());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static Stream<Arguments> badBodies() {
        String ctx = Integer.toString(ServeFixtures.CONTEXT);
        return Stream.of(
                Arguments.of("/v1/completions", "{\"prompt\": \"the\"", 400, "invalid_json", null),
                Arguments.of("/v1/completions", "", 400, "invalid_json", null),
                Arguments.of("/v1/completions", "[1, 2]", 400, "invalid_json", null),
                Arguments.of("/v1/completions", "{\"prompt\": 5}", 400, "invalid_type", "prompt"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": \"8\"}",
                        400, "invalid_value", "max_tokens"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": 2.5}",
                        400, "invalid_value", "max_tokens"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"temperature\": -1}",
                        400, "invalid_value", "temperature"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"top_p\": 0}",
                        400, "invalid_value", "top_p"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"stream\": \"yes\"}",
                        400, "invalid_type", "stream"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"seed\": \"x\"}",
                        400, "invalid_type", "seed"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"stop\": [1]}",
                        400, "invalid_type", "stop"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"n\": 3}",
                        400, "unsupported_value", "n"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"model\": \"gpt-9\"}",
                        404, "model_not_found", "model"),
                Arguments.of("/v1/completions", "{\"prompt\": \"\"}", 400, "empty_prompt",
                        "prompt"),
                Arguments.of("/v1/completions", "{\"prompt\": [299, 300]}", 400, "invalid_value",
                        "prompt"),
                Arguments.of("/v1/completions", "{\"prompt\": \"" + "the cat ".repeat(200)
                        + "\"}", 400, "context_length_exceeded", "prompt"),
                Arguments.of("/v1/completions", "{\"prompt\": \"the\", \"max_tokens\": " + ctx
                        + "}", 400, "context_length_exceeded", "max_tokens"),
                Arguments.of("/v1/chat/completions", "{\"messages\": []}", 400, "invalid_type",
                        "messages"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"robot\","
                        + " \"content\": \"hi\"}]}", 400, "invalid_value", "messages[0].role"),
                Arguments.of("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\"}]}",
                        400, "invalid_type", "messages[0]"));
    }

    @ParameterizedTest
    @MethodSource("badBodies")
    void badBodyGetsAnOpenAiErrorAndTheServerServesOn(String path, String body, int status,
                                                     String code, String param) throws Exception {
        HttpResponse<String> r = post(server, path, body);
        assertError(r, status, code);
        assertEquals(param, json(r).path("error").path("param").isNull() ? null
                : json(r).path("error").path("param").asText());
        assertServing();
    }

    @Test
    void invalidUtf8IsRefused() throws Exception {
        byte[] body = "{\"prompt\": \"caf\u00e9\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] broken = java.util.Arrays.copyOf(body, body.length);
        broken[broken.length - 4] = (byte) 0xC3; // a lead byte followed by '"': malformed
        broken[broken.length - 3] = (byte) 0x28;
        assertError(post(server, "/v1/completions", HttpRequest.BodyPublishers.ofByteArray(
                broken)), 400, "invalid_encoding");
        assertServing();
    }

    @Test
    void hugeBodyIsRefusedWithoutBeingKept() throws Exception {
        byte[] huge = new byte[ServeOptions.DEFAULT_MAX_BODY + 10];
        java.util.Arrays.fill(huge, (byte) ' ');
        assertError(post(server, "/v1/completions", HttpRequest.BodyPublishers.ofByteArray(huge)),
                413, "request_too_large");
        // Chunked, without a Content-Length: the cap still holds while reading.
        assertError(post(server, "/v1/completions", HttpRequest.BodyPublishers.ofInputStream(
                () -> new java.io.ByteArrayInputStream(huge))), 413, "request_too_large");
        assertServing();
    }

    private static void assertError(HttpResponse<String> r, int status, String code)
            throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = json(r).path("error");
        assertEquals(code, e.path("code").asText(), r.body());
        assertFalse(e.path("message").asText().isEmpty());
        assertTrue(e.has("type") && e.has("param"), r.body());
    }

    private static void assertServing() throws Exception {
        HttpResponse<String> ok = post(server, "/v1/completions",
                "{\"prompt\": \"the cat\", \"max_tokens\": 2}");
        assertEquals(200, ok.statusCode(), ok.body());
    }
}
