package org.ultramem.serve;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** A parsed OpenAI event stream: the chunks' JSON in order; fails on malformed framing. */
record SseChunks(List<JsonNode> chunks) {

    static SseChunks parse(String body) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        boolean done = false;
        for (String event : body.split("\n\n")) {
            if (event.isEmpty() || event.startsWith(":")) {
                continue;
            }
            if (!event.startsWith("data: ") || done) {
                throw new AssertionError("malformed event stream at: " + event);
            }
            String data = event.substring("data: ".length());
            if (data.equals("[DONE]")) {
                done = true;
            } else {
                out.add(ServeFixtures.JSON.readTree(data));
            }
        }
        if (!done) {
            throw new AssertionError("stream did not end with data: [DONE]: " + body);
        }
        return new SseChunks(out);
    }

    /** The concatenated text deltas (completion text or chat content). */
    String text() {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : chunks) {
            JsonNode choice = c.path("choices").path(0);
            sb.append(choice.has("delta") ? choice.path("delta").path("content").asText("")
                    : choice.path("text").asText(""));
        }
        return sb.toString();
    }

    /** The finish_reason of the last chunk that has a choice. */
    String finishReason() {
        for (int i = chunks.size() - 1; i >= 0; i--) {
            JsonNode choice = chunks.get(i).path("choices").path(0);
            if (!choice.isMissingNode()) {
                return choice.path("finish_reason").asText();
            }
        }
        throw new AssertionError("no chunk has a choice");
    }
}
