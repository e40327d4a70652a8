package org.ultramem.serve;

import java.util.List;

/**
 * The plain chat template for a base model (no special tokens to learn): each message on its own
 * line as {@code role: content}, then {@code assistant:} for the model to continue. A base model
 * was never trained on this, so chat is as good as its completion of such a transcript.
 */
public final class ChatTemplate {

    /** One chat message. */
    public record Message(String role, String content) {
    }

    private ChatTemplate() {
    }

    /** The prompt text for {@code messages}. */
    public static String render(List<Message> messages) {
        StringBuilder sb = new StringBuilder();
        for (Message m : messages) {
            sb.append(m.role()).append(": ").append(m.content()).append('\n');
        }
        return sb.append("assistant:").toString();
    }
}
