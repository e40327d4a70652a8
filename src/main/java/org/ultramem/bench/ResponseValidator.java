package org.ultramem.bench;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Set;

/**
 * Checks one soak response against the documented API (docs/serving.md): a good request gets 200
 * with a well-formed completion, or is shed with 429/503 and an OpenAI-style error body
 * ({@code {"error": {"message", "type", "param", "code"}}}) and a Retry-After header; a bad one
 * gets its 400/413 with the expected error code (or is shed the same way, since shedding comes
 * before reading the body). A 504 or an in-stream timeout event is a timeout, any other 5xx or
 * in-stream error a server error; anything else is malformed and says why.
 *
 * <p>A stream must be {@code text/event-stream}: only {@code data: } lines, comments and blank
 * lines; every data line but the last parses as a chunk of the right object type with one id;
 * exactly one chunk carries the finish reason, followed by one usage chunk, then
 * {@code data: [DONE]} and nothing after. Usage must be consistent: the expected prompt tokens,
 * completion tokens at most max_tokens (exactly max_tokens when the reason is "length"), total =
 * prompt + completion, and no more text chunks than completion tokens + 1 (the tail of a
 * character split across tokens may come last).
 */
final class ResponseValidator {

    /** What one request came to. */
    enum Outcome { OK, REJECTED, REFUSED_BAD_INPUT, MALFORMED, SERVER_ERROR, TIMEOUT,
        CONNECTION_ERROR }

    /** One answered request as the client saw it ({@code retryAfter} may be null). */
    record Response(int status, String contentType, String retryAfter, String body) {
    }

    /** The outcome, the completion tokens of an OK one, and why (null when OK). */
    record Verdict(Outcome outcome, int completionTokens, String why) {

        static Verdict of(Outcome o, String why) {
            return new Verdict(o, 0, why);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FINISH = Set.of("stop", "length");

    private final int maxTokens;
    private final int completionPromptTokens;
    private final int chatPromptTokens;

    /** Expects {@code maxTokens} per good request and the given prompt lengths in tokens. */
    ResponseValidator(int maxTokens, int completionPromptTokens, int chatPromptTokens) {
        this.maxTokens = maxTokens;
        this.completionPromptTokens = completionPromptTokens;
        this.chatPromptTokens = chatPromptTokens;
    }

    Verdict check(SoakRequest req, Response r) {
        int s = r.status();
        if (s == 429 || s == 503) {
            String bad = errorBody(r, null);
            if (bad == null && r.retryAfter() == null) {
                bad = "no Retry-After header";
            }
            return bad == null ? Verdict.of(Outcome.REJECTED, "HTTP " + s)
                    : malformed("HTTP " + s + ": " + bad, r);
        }
        if (s == 504) {
            return Verdict.of(Outcome.TIMEOUT, "HTTP 504");
        }
        if (s >= 500) {
            return Verdict.of(Outcome.SERVER_ERROR, "HTTP " + s);
        }
        if (req.bad()) {
            if (s != req.refusalStatus()) {
                return malformed(req + " answered HTTP " + s + ", expected "
                        + req.refusalStatus(), r);
            }
            String bad = errorBody(r, req.refusalCode);
            return bad == null ? Verdict.of(Outcome.REFUSED_BAD_INPUT, "HTTP " + s)
                    : malformed("HTTP " + s + ": " + bad, r);
        }
        if (s != 200) {
            return malformed(req + " answered HTTP " + s + ", expected 200 (or 429/503)", r);
        }
        try {
            return req.stream ? stream(req, r) : whole(req, r);
        } catch (JacksonException e) {
            return malformed("not JSON: " + e.getOriginalMessage(), r);
        } catch (IllegalStateException e) {
            return malformed(e.getMessage(), r);
        }
    }

    /** Null when the body is an OpenAI error body (with {@code code}, if given), else why not. */
    private static String errorBody(Response r, String code) {
        if (!isJson(r.contentType())) {
            return "content type " + r.contentType() + " is not application/json";
        }
        try {
            JsonNode e = JSON.readTree(r.body()).path("error");
            if (!e.path("message").isTextual() || e.path("message").asText().isEmpty()
                    || !e.path("type").isTextual() || !e.has("param") || !e.has("code")) {
                return "not an error body {\"error\": {message, type, param, code}}";
            }
            if (code != null && !code.equals(e.path("code").asText())) {
                return "error code " + e.path("code").asText() + ", expected " + code;
            }
            return null;
        } catch (JacksonException e) {
            return "error body is not JSON: " + e.getOriginalMessage();
        }
    }

    private Verdict whole(SoakRequest req, Response r) throws JacksonException {
        require(isJson(r.contentType()), "content type " + r.contentType()
                + " is not application/json");
        JsonNode root = JSON.readTree(r.body());
        require(root.path("id").isTextual(), "no id");
        String object = req.chat ? "chat.completion" : "text_completion";
        require(object.equals(root.path("object").asText()), "object is not " + object);
        JsonNode choice = root.path("choices").path(0);
        if (req.chat) {
            require(choice.path("message").path("role").asText().equals("assistant")
                    && choice.path("message").path("content").isTextual(),
                    "choices[0].message is not {role: assistant, content: string}");
        } else {
            require(choice.path("text").isTextual(), "choices[0].text is not a string");
        }
        String finish = choice.path("finish_reason").asText();
        require(FINISH.contains(finish), "finish_reason " + finish + " is not stop or length");
        int tokens = usage(req, root.path("usage"), finish);
        return new Verdict(Outcome.OK, tokens, null);
    }

    private Verdict stream(SoakRequest req, Response r) throws JacksonException {
        require(r.contentType() != null && r.contentType().startsWith("text/event-stream"),
                "content type " + r.contentType() + " is not text/event-stream");
        String object = req.chat ? "chat.completion.chunk" : "text_completion";
        String id = null;
        String finish = null;
        int textChunks = 0;
        int tokens = -1;
        boolean done = false;
        for (String line : r.body().split("\n", -1)) {
            if (line.isEmpty() || line.startsWith(":")) {
                continue;
            }
            require(!done, "data after data: [DONE]");
            require(line.startsWith("data: "), "line is neither data nor comment: " + clip(line));
            String data = line.substring("data: ".length());
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            JsonNode chunk = JSON.readTree(data);
            if (chunk.has("error")) {
                boolean timeout = "request_timeout".equals(chunk.path("error").path("code")
                        .asText());
                return Verdict.of(timeout ? Outcome.TIMEOUT : Outcome.SERVER_ERROR,
                        "error event: " + chunk.path("error").path("code").asText());
            }
            require(tokens < 0, "chunk after the usage chunk");
            require(chunk.path("id").isTextual() && (id == null
                    || id.equals(chunk.path("id").asText())), "chunk ids differ or are missing");
            id = chunk.path("id").asText();
            require(object.equals(chunk.path("object").asText()), "chunk object is not " + object);
            JsonNode choices = chunk.path("choices");
            require(choices.isArray(), "chunk has no choices array");
            if (choices.isEmpty()) {
                require(finish != null, "usage chunk before the finish reason");
                tokens = usage(req, chunk.path("usage"), finish);
                continue;
            }
            require(finish == null, "chunk after the one with the finish reason");
            JsonNode c = choices.path(0);
            JsonNode text = req.chat ? c.path("delta").path("content") : c.path("text");
            require(text.isMissingNode() || text.isTextual(), "delta text is not a string");
            if (req.chat && textChunks == 0) {
                require(c.path("delta").path("role").asText().equals("assistant"),
                        "first chat chunk has no role assistant");
            }
            if (c.path("finish_reason").isNull()) {
                textChunks++;
            } else {
                finish = c.path("finish_reason").asText();
                require(FINISH.contains(finish), "finish_reason " + finish
                        + " is not stop or length");
            }
        }
        require(done, "stream did not end with data: [DONE]");
        require(tokens >= 0, "stream has no usage chunk");
        require(textChunks <= tokens + 1, textChunks + " text chunks for " + tokens
                + " completion tokens");
        return new Verdict(Outcome.OK, tokens, null);
    }

    /** Checks the usage object; returns its completion tokens. */
    private int usage(SoakRequest req, JsonNode u, String finish) {
        require(u.path("prompt_tokens").isInt() && u.path("completion_tokens").isInt()
                && u.path("total_tokens").isInt(), "usage lacks integer token counts");
        int prompt = u.path("prompt_tokens").asInt();
        int completion = u.path("completion_tokens").asInt();
        int expected = req.chat ? chatPromptTokens : completionPromptTokens;
        require(prompt == expected, "usage.prompt_tokens " + prompt + ", expected " + expected);
        require(completion >= 0 && completion <= maxTokens, "usage.completion_tokens "
                + completion + " outside [0, " + maxTokens + "]");
        require(!finish.equals("length") || completion == maxTokens, "finish_reason length"
                + " after " + completion + " of " + maxTokens + " tokens");
        require(u.path("total_tokens").asInt() == prompt + completion, "usage.total_tokens "
                + u.path("total_tokens").asInt() + " is not " + prompt + " + " + completion);
        return completion;
    }

    private static Verdict malformed(String why, Response r) {
        return Verdict.of(Outcome.MALFORMED, why + " | body: " + clip(r.body()));
    }

    private static boolean isJson(String contentType) {
        return contentType != null && contentType.startsWith("application/json");
    }

    private static void require(boolean ok, String why) {
        if (!ok) {
            throw new IllegalStateException(why);
        }
    }

    static String clip(String s) {
        String one = s == null ? "" : s.replace("\n", "\\n");
        return one.length() > 300 ? one.substring(0, 300) + "..." : one;
    }
}
