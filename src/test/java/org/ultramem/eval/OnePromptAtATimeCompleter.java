package org.ultramem.eval;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.InferenceModel;
import org.ultramem.text.BpeTokenizer;

/**
 * The reference for {@link GreedyCompleter}: its algorithm before the batched prefill, each
 * prompt prefilled alone into its slot, then the batch decoded together step by step (same
 * batches, same stop rule, lowest id on ties). Kept plain on purpose.
 */
final class OnePromptAtATimeCompleter {

    private OnePromptAtATimeCompleter() {
    }

    static List<String> complete(InferenceModel model, BpeTokenizer tok, int batch,
                                 List<String> prompts, int maxNew) {
        GreedyCompleter enc = new GreedyCompleter(model, tok, batch);
        List<int[]> ids = prompts.stream().map(enc::encode).toList();
        int longest = ids.stream().mapToInt(a -> a.length).max().orElse(1);
        int vocab = model.config().vocabSize();
        List<String> out = new ArrayList<>();
        for (int start = 0; start < ids.size(); start += batch) {
            int rows = Math.min(batch, ids.size() - start);
            DecodeState s = model.newState(rows, longest + maxNew);
            int[] next = new int[rows];
            boolean[] done = new boolean[rows];
            ByteArrayOutputStream[] text = new ByteArrayOutputStream[rows];
            for (int b = 0; b < rows; b++) {
                next[b] = argmax(model.prefill(s, b, ids.get(start + b)), 0, tok.vocabSize());
                text[b] = new ByteArrayOutputStream();
            }
            for (int step = 0; step < maxNew; step++) {
                int open = 0;
                for (int b = 0; b < rows; b++) {
                    if (done[b] || next[b] == tok.endOfTextId()) {
                        done[b] = true;
                        continue;
                    }
                    byte[] piece = tok.tokenBytes(next[b]);
                    text[b].write(piece, 0, piece.length);
                    String sofar = text[b].toString(StandardCharsets.ISO_8859_1);
                    done[b] = sofar.indexOf('.') >= 0 || sofar.indexOf('\n') >= 0;
                    open += done[b] ? 0 : 1;
                }
                if (open == 0 || step == maxNew - 1) {
                    break;
                }
                float[] logits = model.decode(s, next);
                for (int b = 0; b < rows; b++) {
                    next[b] = argmax(logits, b * vocab, tok.vocabSize());
                }
            }
            for (ByteArrayOutputStream t : text) {
                out.add(GreedyCompleter.answer(t.toString(StandardCharsets.UTF_8)));
            }
        }
        return out;
    }

    private static int argmax(float[] logits, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (logits[off + i] > logits[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
