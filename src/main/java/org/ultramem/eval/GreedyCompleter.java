package org.ultramem.eval;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.text.BpeTokenizer;

/**
 * Greedy completions of many short prompts with the inference engine, {@code batch} sequences at a
 * time: the prompts are prefilled together into their own slots of one {@link DecodeState}, many
 * per pass ({@link PackedPrefill}, the logits of one prompt at a time bit for bit), then every
 * decode step advances all slots together (one GEMM per weight matrix per step). A prompt is
 * preceded by {@code <|endoftext|>}, as every training document is. A completion ends at the
 * first '.' or line break, at {@code <|endoftext|>} or after {@code maxNewTokens}; its text up to
 * the first '.' or line break, trimmed, is the answer. Greedy ties go to the lowest id.
 */
final class GreedyCompleter {

    /** Most prompt tokens one prefill pass takes (scratch ~5 KB a token for the tiny models). */
    private static final int MAX_PASS_ROWS = 1024;

    private final InferenceModel model;
    private final BpeTokenizer tok;
    private final int batch;

    GreedyCompleter(InferenceModel model, BpeTokenizer tok, int batch) {
        if (batch < 1) {
            throw new IllegalArgumentException("--batch " + batch + " must be >= 1");
        }
        this.model = model;
        this.tok = tok;
        this.batch = batch;
    }

    /** The token ids the model is given for {@code prompt}. */
    int[] encode(String prompt) {
        int[] body = tok.encodeOrdinary(prompt);
        int[] ids = new int[body.length + 1];
        ids[0] = tok.endOfTextId();
        System.arraycopy(body, 0, ids, 1, body.length);
        return ids;
    }

    /** The answers to {@code prompts}, in order. */
    List<String> complete(List<String> prompts, int maxNewTokens) {
        List<int[]> encoded = prompts.stream().map(this::encode).toList();
        int longest = encoded.stream().mapToInt(a -> a.length).max().orElse(1);
        int context = model.config().maxPositionEmbeddings();
        if (longest + maxNewTokens > context) {
            throw new IllegalArgumentException("a prompt of " + longest + " tokens plus "
                    + maxNewTokens + " answer tokens exceeds the model's context (config key"
                    + " `max_position_embeddings` " + context + "); train with a longer context");
        }
        List<String> out = new ArrayList<>(prompts.size());
        DecodeState state = null;
        int capacity = longest + maxNewTokens;
        int chunk = 0;
        for (int start = 0; start < encoded.size(); start += batch) {
            int rows = Math.min(batch, encoded.size() - start);
            if (state == null || state.batch() != rows) {
                chunk = DecodeState.defaultRows(rows, capacity);
                state = model.newState(rows, capacity, Precision.F32,
                        Math.max(chunk, Math.min(rows * longest, MAX_PASS_ROWS)));
            }
            out.addAll(completeBatch(state, encoded.subList(start, start + rows), maxNewTokens,
                    chunk));
        }
        return out;
    }

    private List<String> completeBatch(DecodeState s, List<int[]> prompts, int maxNewTokens,
                                       int chunk) {
        int rows = prompts.size();
        int vocab = model.config().vocabSize();
        int eot = tok.endOfTextId();
        int[] next = new int[rows];
        boolean[] done = new boolean[rows];
        ByteArrayOutputStream[] text = new ByteArrayOutputStream[rows];
        for (int b = 0; b < rows; b++) {
            s.reset(b);
            text[b] = new ByteArrayOutputStream();
        }
        float[][] first = PackedPrefill.run(model, s, prompts, chunk);
        for (int b = 0; b < rows; b++) {
            next[b] = argmax(first[b], 0);
        }
        for (int step = 0; step < maxNewTokens; step++) {
            int open = 0;
            for (int b = 0; b < rows; b++) {
                if (done[b]) {
                    continue;
                }
                if (next[b] == eot) {
                    done[b] = true;
                    continue;
                }
                byte[] piece = tok.tokenBytes(next[b]);
                text[b].write(piece, 0, piece.length);
                done[b] = endsAnswer(piece);
                open += done[b] ? 0 : 1;
            }
            if (open == 0 || step == maxNewTokens - 1) {
                break;
            }
            float[] logits = model.decode(s, next);
            for (int b = 0; b < rows; b++) {
                next[b] = argmax(logits, b * vocab);
            }
        }
        List<String> answers = new ArrayList<>(rows);
        for (ByteArrayOutputStream t : text) {
            answers.add(answer(t.toString(StandardCharsets.UTF_8)));
        }
        return answers;
    }

    private static boolean endsAnswer(byte[] piece) {
        for (byte c : piece) {
            if (c == '.' || c == '\n') {
                return true;
            }
        }
        return false;
    }

    /** The generated text up to the first '.' or line break, trimmed. */
    static String answer(String generated) {
        int end = generated.length();
        int dot = generated.indexOf('.');
        int nl = generated.indexOf('\n');
        if (dot >= 0) {
            end = dot;
        }
        if (nl >= 0 && nl < end) {
            end = nl;
        }
        return generated.substring(0, end).strip();
    }

    /** Most likely id among the tokenizer's ids in row {@code off} (lowest id on ties). */
    private int argmax(float[] logits, int off) {
        int n = tok.vocabSize();
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[off + i] > logits[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
