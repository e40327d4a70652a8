package org.ultramem.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;

/**
 * The JSON bodies of OpenAI's API that the server answers with: completions and chat
 * completions (whole, or as stream chunks), the model list and error bodies. Text completions
 * carry {@code choices[0].text}; chat completions {@code choices[0].message} (or {@code delta}
 * in chunks) with role "assistant".
 */
final class OpenAiJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private OpenAiJson() {
    }

    /** {@code {"error": {"message", "type", "param", "code"}}}. */
    static byte[] error(ApiError e) {
        ObjectNode root = JSON.createObjectNode();
        ObjectNode err = root.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        err.put("param", e.param());
        err.put("code", e.code());
        return bytes(root);
    }

    /** A whole completion: the text, why it ended and the token counts. */
    static byte[] completion(boolean chat, String id, String model, long created, String text,
                             String finishReason, int promptTokens, int completionTokens) {
        ObjectNode root = header(chat ? "chat.completion" : "text_completion", id, model, created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode m = choice.putObject("message");
            m.put("role", "assistant");
            m.put("content", text);
        } else {
            choice.put("text", text);
            choice.putNull("logprobs");
        }
        choice.put("finish_reason", finishReason);
        usage(root, promptTokens, completionTokens);
        return bytes(root);
    }

    /** The stream's usage chunk ({@code stream_options.include_usage}): no choices, the counts. */
    static String usageChunk(boolean chat, String id, String model, long created,
                             int promptTokens, int completionTokens) {
        ObjectNode root = header(chat ? "chat.completion.chunk" : "text_completion", id, model,
                created);
        root.putArray("choices");
        usage(root, promptTokens, completionTokens);
        return root.toString();
    }

    private static void usage(ObjectNode root, int promptTokens, int completionTokens) {
        ObjectNode usage = root.putObject("usage");
        usage.put("prompt_tokens", promptTokens);
        usage.put("completion_tokens", completionTokens);
        usage.put("total_tokens", promptTokens + completionTokens);
    }

    /**
     * One stream chunk: a text delta ({@code finishReason} null), or the last chunk with an empty
     * delta and the finish reason. A chat stream's first chunk also carries the role.
     */
    static String chunk(boolean chat, String id, String model, long created, String delta,
                        boolean first, String finishReason) {
        ObjectNode root = header(chat ? "chat.completion.chunk" : "text_completion", id, model,
                created);
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        if (chat) {
            ObjectNode d = choice.putObject("delta");
            if (first) {
                d.put("role", "assistant");
            }
            if (!delta.isEmpty() || finishReason == null) {
                d.put("content", delta);
            }
        } else {
            choice.put("text", delta);
            choice.putNull("logprobs");
        }
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        return root.toString();
    }

    /** {@code GET /v1/models}: the one served model. */
    static byte[] models(String model, long created) {
        ObjectNode root = JSON.createObjectNode();
        root.put("object", "list");
        ObjectNode m = root.putArray("data").addObject();
        m.put("id", model);
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "ultramem");
        return bytes(root);
    }

    /** {@code GET /health}: status ("ok", "loading" or "failed") and the batch's occupancy. */
    static byte[] health(String status, String model, int running, int queued, String error) {
        ObjectNode root = JSON.createObjectNode();
        root.put("status", status);
        if (model != null) {
            root.put("model", model);
        }
        root.put("running", running);
        root.put("queued", queued);
        if (error != null) {
            root.put("error", error);
        }
        return bytes(root);
    }

    private static ObjectNode header(String object, String id, String model, long created) {
        ObjectNode root = JSON.createObjectNode();
        root.put("id", id);
        root.put("object", object);
        root.put("created", created);
        root.put("model", model);
        return root;
    }

    private static byte[] bytes(ObjectNode node) {
        return node.toString().getBytes(StandardCharsets.UTF_8);
    }
}
