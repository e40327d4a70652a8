package org.ultramem.train;

/**
 * Where the trainer and the evaluator get tokens. Batches are flattened {@code [batch·seq]}; a
 * target is the next token of the same window ({@code targets[i] = tokens[i+1]} within a window).
 *
 * <p>Contract that makes resume exact: {@link #trainBatch} is a pure function of
 * {@code (seed, step, micro)} and the data, so a resumed run needs only the step count to
 * continue the uninterrupted run's batch sequence.
 */
public interface BatchSource {

    /** Fills micro-batch {@code micro} of optimizer step {@code step} (0-based). */
    void trainBatch(long seed, long step, int micro, int[] tokens, int[] targets, int batch, int seq);

    /**
     * Number of evaluation windows of {@code seq} tokens over the first {@code limit} tokens of
     * the evaluation split: window w predicts tokens w·seq+1 … w·seq+seq, so every token after the
     * first is scored once; the last window may be partial.
     */
    long evalWindows(int seq, long limit);

    /**
     * Fills {@code tokens.length / seq} rows with windows {@code first, first+1, …}; positions past
     * the limit or the last window get input 0 and target −1 (not scored).
     */
    void evalBatch(long first, int seq, long limit, int[] tokens, int[] targets);

    /** Average UTF-8 bytes of text per token of the evaluation split, or NaN when unknown. */
    double bytesPerToken();
}
