package org.ultramem.bench;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * The kinds of request a soak sends: text and chat completions, whole or streamed (with the usage
 * chunk), and three deliberately bad ones the server must refuse: a truncated JSON body (400
 * {@code invalid_json}), a prompt of more token ids than the context (400
 * {@code context_length_exceeded}) and a body past the server's cap (413
 * {@code request_too_large}).
 */
enum SoakRequest {
    COMPLETION("/v1/completions", false, false, null),
    COMPLETION_STREAM("/v1/completions", true, false, null),
    CHAT("/v1/chat/completions", false, true, null),
    CHAT_STREAM("/v1/chat/completions", true, true, null),
    MALFORMED_JSON("/v1/completions", false, false, "invalid_json"),
    LONG_PROMPT("/v1/completions", false, false, "context_length_exceeded"),
    OVERSIZED_BODY("/v1/completions", false, false, "request_too_large");

    /** Share of requests that are deliberately bad, split evenly over the three bad kinds. */
    static final double BAD_FRACTION = 0.03;

    final String path;
    final boolean stream;
    final boolean chat;
    /** The error code a bad request must be refused with; null for a good request. */
    final String refusalCode;

    SoakRequest(String path, boolean stream, boolean chat, String refusalCode) {
        this.path = path;
        this.stream = stream;
        this.chat = chat;
        this.refusalCode = refusalCode;
    }

    boolean bad() {
        return refusalCode != null;
    }

    /** The status a bad request must be refused with (400, or 413 for the oversized body). */
    int refusalStatus() {
        return this == OVERSIZED_BODY ? 413 : 400;
    }

    /**
     * Draws the next kind: {@link #BAD_FRACTION} bad ones, the rest half text and half chat,
     * {@code streamFraction} of them streamed.
     */
    static SoakRequest draw(SplittableRandom rnd, double streamFraction) {
        double u = rnd.nextDouble();
        if (u < BAD_FRACTION) {
            int which = (int) (u / BAD_FRACTION * 3);
            return which == 0 ? MALFORMED_JSON : which == 1 ? LONG_PROMPT : OVERSIZED_BODY;
        }
        boolean chat = rnd.nextBoolean();
        boolean stream = rnd.nextDouble() < streamFraction;
        return chat ? (stream ? CHAT_STREAM : CHAT) : (stream ? COMPLETION_STREAM : COMPLETION);
    }

    /**
     * The request body: {@code prompt} and {@code maxTokens} for a good kind; the bad kinds are
     * built from the server's {@code context} (token ids) and body cap {@code maxBodyBytes}.
     */
    byte[] body(String prompt, int maxTokens, int context, int maxBodyBytes) {
        String json = switch (this) {
            case COMPLETION, COMPLETION_STREAM -> "{\"prompt\": " + quote(prompt)
                    + ", \"max_tokens\": " + maxTokens + streamFields();
            case CHAT, CHAT_STREAM -> "{\"messages\": [{\"role\": \"user\", \"content\": "
                    + quote(prompt) + "}], \"max_tokens\": " + maxTokens + streamFields();
            case MALFORMED_JSON -> "{\"prompt\": " + quote(prompt) + ", \"max_tokens\": ";
            case LONG_PROMPT -> {
                int[] ids = new int[context + 1];
                Arrays.fill(ids, 1);
                yield "{\"prompt\": " + Arrays.toString(ids) + ", \"max_tokens\": 1}";
            }
            case OVERSIZED_BODY -> "{\"prompt\": \"" + "a".repeat(maxBodyBytes) + "\"}";
        };
        return json.getBytes(StandardCharsets.UTF_8);
    }

    private String streamFields() {
        return stream ? ", \"stream\": true, \"stream_options\": {\"include_usage\": true}}" : "}";
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
