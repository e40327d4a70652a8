package org.ultramem.serve;

import java.util.List;
import org.ultramem.infer.Sampler;

/**
 * A validated completion request, before tokenization: {@code prompt} is the text to continue
 * (for chat, the messages already put through {@link ChatTemplate}), or null when the client sent
 * token ids ({@code promptIds}). {@code maxTokens} is null when the client did not set it (the
 * route then picks a default that fits the context); {@code seed} is null for a fresh random seed.
 * {@code includeUsage} ({@code stream_options.include_usage}) adds a last stream chunk with the
 * token counts, as OpenAI's API does.
 */
public record CompletionRequest(boolean chat, String model, String prompt, int[] promptIds,
                                Integer maxTokens, Sampler.Settings sampling, Long seed,
                                List<String> stop, boolean stream,
                                boolean includeUsage) {
}
