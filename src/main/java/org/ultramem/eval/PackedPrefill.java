package org.ultramem.eval;

import java.util.Arrays;
import java.util.List;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.InferenceModel;

/**
 * The prefill of one batch of {@link GreedyCompleter}: prompts packed many to a pass of {@link
 * InferenceModel#extend} (up to {@link DecodeState#maxRows()} tokens), so a facts evaluation runs
 * a few hundred large passes instead of one small pass per prompt, whose fixed costs (thread
 * hand-offs, GEMM set-up) dominated on small models.
 *
 * <p>The logits are bit for bit those of prefilling each prompt alone in a state of the default
 * pass size ({@code chunk} = {@link DecodeState#defaultRows}), the answers of evaluations before
 * packing: a prompt of {@link InferenceModel#exactEntryTokens()} to {@code chunk} tokens is one
 * pass alone and exact packed; a shorter one (the GEMM would take another kernel alone) or a
 * longer one (chunked alone) runs alone, in passes of {@code chunk} tokens.
 */
final class PackedPrefill {

    private PackedPrefill() {
    }

    /**
     * Appends {@code prompts.get(i)} to sequence i of {@code s} (empty) for every i and returns
     * each prompt's next-token logits [V].
     */
    static float[][] run(InferenceModel m, DecodeState s, List<int[]> prompts, int chunk) {
        int n = prompts.size();
        int vocab = m.config().vocabSize();
        int shortest = InferenceModel.exactEntryTokens();
        float[][] out = new float[n][];
        int[] slots = new int[n];
        int[][] tokens = new int[n][];
        int[] from = new int[n];
        int[] count = new int[n];
        int entries = 0;
        int rows = 0;
        for (int i = 0; i < n; i++) {
            int[] p = prompts.get(i);
            if (p.length < shortest || p.length > Math.min(chunk, s.maxRows())) {
                out[i] = alone(m, s, i, p, chunk, vocab);
                continue;
            }
            if (rows + p.length > s.maxRows()) {
                pass(m, s, out, slots, tokens, from, count, entries, vocab);
                entries = 0;
                rows = 0;
            }
            slots[entries] = i;
            tokens[entries] = p;
            count[entries] = p.length;
            entries++;
            rows += p.length;
        }
        if (entries > 0) {
            pass(m, s, out, slots, tokens, from, count, entries, vocab);
        }
        return out;
    }

    private static void pass(InferenceModel m, DecodeState s, float[][] out, int[] slots,
                             int[][] tokens, int[] from, int[] count, int entries, int vocab) {
        float[] logits = m.extend(s, slots, tokens, from, count, entries);
        for (int e = 0; e < entries; e++) {
            out[slots[e]] = Arrays.copyOfRange(logits, e * vocab, (e + 1) * vocab);
        }
    }

    /** Prompt {@code p} into sequence {@code b} alone, {@code chunk} tokens a pass. */
    private static float[] alone(InferenceModel m, DecodeState s, int b, int[] p, int chunk,
                                 int vocab) {
        float[] logits = null;
        for (int start = 0; start < p.length; start += chunk) {
            int c = Math.min(chunk, p.length - start);
            logits = m.extend(s, new int[] {b}, new int[][] {p}, new int[] {start},
                    new int[] {c}, 1);
        }
        return Arrays.copyOf(logits, vocab);
    }
}
