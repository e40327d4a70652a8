package org.ultramem.serve;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.ultramem.infer.Sampler;

/**
 * Parses and validates the body of {@code POST /v1/completions} and {@code /v1/chat/completions}
 * strictly: UTF-8 only, a JSON object, every known field of the right type and range (a
 * mistyped field is an error naming it, never silently ignored). Unknown fields are ignored, as
 * OpenAI clients send extras ({@code user}, {@code logprobs}). Nothing here tokenizes or touches
 * the model; the route checks lengths against the context afterwards.
 */
public final class RequestParser {

    /** Most stop sequences (OpenAI's limit) and the longest one, in characters. */
    static final int MAX_STOPS = 4;
    static final int MAX_STOP_CHARS = 256;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant");
    private static final ObjectMapper JSON = new ObjectMapper();

    private RequestParser() {
    }

    /** The request in {@code body}; throws {@link ApiError} (400) naming the first problem. */
    public static CompletionRequest parse(byte[] body, boolean chat) {
        JsonNode root = json(utf8(body));
        if (!root.isObject()) {
            throw ApiError.invalid(null, "invalid_json", "the request body must be a JSON object,"
                    + " e.g. {\"prompt\": \"Hello\", \"max_tokens\": 16}");
        }
        String model = optionalString(root, "model");
        String prompt = null;
        int[] ids = null;
        if (chat) {
            prompt = ChatTemplate.render(messages(root.get("messages")));
        } else {
            JsonNode p = root.get("prompt");
            if (p != null && p.isArray() && !p.isEmpty() && p.get(0).isNumber()) {
                ids = tokenIds(p);
            } else if (p != null && p.isArray() && p.size() == 1 && p.get(0).isTextual()) {
                prompt = p.get(0).textValue();
            } else if (p != null && p.isTextual()) {
                prompt = p.textValue();
            } else {
                throw ApiError.invalid("prompt", "invalid_type", "`prompt` must be a string"
                        + " (or one string in an array, or an array of token ids)");
            }
            if (prompt != null && prompt.isEmpty()) {
                throw ApiError.invalid("prompt", "empty_prompt", "`prompt` is empty; give some"
                        + " text to continue");
            }
        }
        Integer maxTokens = optionalInt(root, chat && root.has("max_completion_tokens")
                ? "max_completion_tokens" : "max_tokens", 1, Integer.MAX_VALUE);
        double temperature = optionalNumber(root, "temperature", 0, 2, 1.0);
        double topP = optionalNumber(root, "top_p", 0, 1, 1.0);
        if (topP == 0) {
            throw ApiError.invalid("top_p", "invalid_value", "`top_p` must be in (0, 1]");
        }
        Integer topK = optionalInt(root, "top_k", 0, Integer.MAX_VALUE);
        Long seed = root.has("seed") && !root.get("seed").isNull() ? seed(root.get("seed")) : null;
        Integer n = optionalInt(root, "n", 1, Integer.MAX_VALUE);
        if (n != null && n != 1) {
            throw ApiError.invalid("n", "unsupported_value", "`n` must be 1 (one completion per"
                    + " request); send several requests instead");
        }
        boolean stream = optionalBoolean(root, "stream");
        JsonNode streamOptions = root.get("stream_options");
        if (streamOptions != null && !streamOptions.isNull() && !streamOptions.isObject()) {
            throw ApiError.invalid("stream_options", "invalid_type", "`stream_options` must be an"
                    + " object, e.g. {\"include_usage\": true}");
        }
        boolean includeUsage = streamOptions != null && streamOptions.isObject()
                && optionalBoolean(streamOptions, "include_usage");
        Sampler.Settings sampling = new Sampler.Settings(temperature, topK == null ? 0 : topK,
                topP, temperature == 0);
        return new CompletionRequest(chat, model, prompt, ids, maxTokens, sampling, seed,
                stops(root.get("stop")), stream, includeUsage);
    }

    /** Decodes strictly: invalid UTF-8 is an error, not replacement characters. */
    static String utf8(byte[] body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.invalid(null, "invalid_encoding", "the request body is not valid UTF-8;"
                    + " send JSON encoded as UTF-8");
        }
    }

    private static JsonNode json(String text) {
        if (text.isBlank()) {
            throw ApiError.invalid(null, "invalid_json", "the request body is empty; send a JSON"
                    + " object");
        }
        try {
            return JSON.readTree(text);
        } catch (JacksonException e) {
            String detail = e.getOriginalMessage();
            throw ApiError.invalid(null, "invalid_json", "the request body is not valid JSON: "
                    + (detail.length() > 200 ? detail.substring(0, 200) + "..." : detail));
        }
    }

    private static List<ChatTemplate.Message> messages(JsonNode node) {
        if (node == null || !node.isArray() || node.isEmpty()) {
            throw ApiError.invalid("messages", "invalid_type", "`messages` must be a non-empty"
                    + " array of {\"role\", \"content\"} objects");
        }
        List<ChatTemplate.Message> out = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            JsonNode m = node.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual() || !m.path("content").isTextual()) {
                throw ApiError.invalid(where, "invalid_type", "`" + where + "` must be an object"
                        + " with string `role` and `content`");
            }
            String role = m.get("role").textValue();
            if (!ROLES.contains(role)) {
                throw ApiError.invalid(where + ".role", "invalid_value", "`" + where + ".role` is"
                        + " \"" + clip(role) + "\"; use system, user or assistant");
            }
            out.add(new ChatTemplate.Message(role, m.get("content").textValue()));
        }
        if (out.stream().allMatch(m -> m.content().isEmpty())) {
            throw ApiError.invalid("messages", "empty_prompt", "every message is empty; give some"
                    + " text");
        }
        return out;
    }

    private static int[] tokenIds(JsonNode p) {
        int[] ids = new int[p.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode t = p.get(i);
            if (!t.canConvertToInt() || !t.isIntegralNumber() || t.intValue() < 0) {
                throw ApiError.invalid("prompt", "invalid_type", "`prompt[" + i + "]` must be a"
                        + " token id (an integer >= 0)");
            }
            ids[i] = t.intValue();
        }
        return ids;
    }

    private static List<String> stops(JsonNode node) {
        List<String> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (node.isTextual()) {
            out.add(node.textValue());
        } else if (node.isArray() && node.size() <= MAX_STOPS) {
            for (JsonNode s : node) {
                if (!s.isTextual()) {
                    throw ApiError.invalid("stop", "invalid_type", "`stop` must be a string or"
                            + " an array of strings");
                }
                out.add(s.textValue());
            }
        } else {
            throw ApiError.invalid("stop", "invalid_type", "`stop` must be a string or an array"
                    + " of up to " + MAX_STOPS + " strings");
        }
        for (String s : out) {
            if (s.isEmpty() || s.length() > MAX_STOP_CHARS) {
                throw ApiError.invalid("stop", "invalid_value", "each `stop` sequence must have 1"
                        + " to " + MAX_STOP_CHARS + " characters");
            }
        }
        return out;
    }

    private static String optionalString(JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isTextual()) {
            throw ApiError.invalid(key, "invalid_type", "`" + key + "` must be a string");
        }
        return v.textValue();
    }

    private static Integer optionalInt(JsonNode root, String key, int min, int max) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < min
                || v.longValue() > max) {
            throw ApiError.invalid(key, "invalid_value", "`" + key + "` must be an integer in ["
                    + min + ", " + max + "], got " + clip(v.toString()));
        }
        return (int) v.longValue();
    }

    private static double optionalNumber(JsonNode root, String key, double min, double max,
                                         double otherwise) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return otherwise;
        }
        if (!v.isNumber() || !(v.doubleValue() >= min && v.doubleValue() <= max)) {
            throw ApiError.invalid(key, "invalid_value", "`" + key + "` must be a number in ["
                    + min + ", " + max + "], got " + clip(v.toString()));
        }
        return v.doubleValue();
    }

    private static boolean optionalBoolean(JsonNode root, String key) {
        JsonNode v = root.get(key);
        if (v == null || v.isNull()) {
            return false;
        }
        if (!v.isBoolean()) {
            throw ApiError.invalid(key, "invalid_type", "`" + key + "` must be true or false");
        }
        return v.booleanValue();
    }

    private static long seed(JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw ApiError.invalid("seed", "invalid_type", "`seed` must be an integer (64-bit)");
        }
        return v.longValue();
    }

    /** A client value quoted in an error, cut so an error body stays small. */
    static String clip(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "..." : s;
    }
}
