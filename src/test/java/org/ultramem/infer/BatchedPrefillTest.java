package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * Prompts packed many to a pass of {@link InferenceModel#extend} under the default GEMM path
 * choice (which switches kernels at {@link InferenceModel#exactEntryTokens()} rows) give, bit for
 * bit, the logits of prefilling each prompt alone, and leave the same KV cache (the next decode
 * step matches too): prompts of 8 to 13 tokens, 1, 3, 9 and 16 prompts, into slots out of order,
 * in passes of several sizes (16 prompts in one pass: 16 logits rows, which one GEMM call of
 * that many rows would sum with the other kernel).
 */
class BatchedPrefillTest {

    @Test
    void theDefaultPathNeedsEntriesOfAtLeastEightTokensAFixedPathNone() {
        var previous = SegmentKernels.setRowPath(SegmentKernels.RowPath.BY_ROWS);
        try {
            assertEquals(SegmentKernels.transposedMinRows(), InferenceModel.exactEntryTokens());
            SegmentKernels.setRowPath(SegmentKernels.RowPath.DOT);
            assertEquals(1, InferenceModel.exactEntryTokens());
        } finally {
            SegmentKernels.setRowPath(previous);
        }
    }

    @Test
    void denseLogitsAreThoseOfOnePromptAtATime() {
        check(ModelConfig.of(67, 48, 2, 4, 80, 16));
    }

    /** MoE experts see a few rows of each prompt (one GEMM per sequence); UltraMem and PKM
     * select per row. */
    @Test
    void sparseLogitsAreThoseOfOnePromptAtATime() {
        check(TinySparse.config(0.2, ""));
    }

    @Test
    void ultraMemV2LogitsAreThoseOfOnePromptAtATime() {
        check(UltraMemV2DecodeTest.config(UltraMemV2DecodeTest.entry("\"mem_pre_vdim\": 8,"
                + " \"mem_head\": 2, \"mem_key_expand_time\": 2, \"mem_value_expand_time\": 4,"
                + " \"mem_share_ratio\": 0.5, \"mem_use_glu_act\": true", "")));
    }

    /** Under {@code RowPath.BY_ROWS} (the default, set here: other tests fix a path). */
    private static void check(ModelConfig cfg) {
        var previous = SegmentKernels.setRowPath(SegmentKernels.RowPath.BY_ROWS);
        try {
            checkByRows(cfg);
        } finally {
            SegmentKernels.setRowPath(previous);
        }
    }

    private static void checkByRows(ModelConfig cfg) {
        Transformer t = new Transformer(cfg, 1, 4, 3);
        int vocab = cfg.vocabSize();
        int batch = 16;
        SplittableRandom rnd = new SplittableRandom(11);
        int[][] prompts = new int[batch][];
        int[] next = new int[batch];
        for (int i = 0; i < batch; i++) {
            prompts[i] = rnd.ints(8 + (i * 3) % 6, 0, vocab).toArray();
            next[i] = rnd.nextInt(vocab);
        }
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            for (int n : new int[] {1, 3, 9, batch}) {
                int[] slots = new int[n];
                for (int i = 0; i < n; i++) {
                    slots[i] = batch - 1 - (i * 7) % batch;
                }
                DecodeState one = m.newState(batch, 16);
                float[][] want = new float[n][];
                for (int i = 0; i < n; i++) {
                    want[i] = m.prefill(one, slots[i], prompts[i]);
                }
                float[] wantNext = m.decode(one, slots, next, n).clone();
                for (int passRows : new int[] {16, 30, 16 * batch}) {
                    DecodeState s = m.newState(batch, 16, Precision.F32, passRows);
                    float[] got = packed(m, s, slots, prompts, n);
                    for (int i = 0; i < n; i++) {
                        assertArrayEquals(want[i], Arrays.copyOfRange(got, i * vocab,
                                (i + 1) * vocab), "prompt " + i + " of " + n + ", "
                                + prompts[i].length + " tokens, passes of " + passRows);
                        assertEquals(prompts[i].length, s.length(slots[i]));
                    }
                    assertArrayEquals(Arrays.copyOf(wantNext, n * vocab),
                            Arrays.copyOf(m.decode(s, slots, next, n), n * vocab),
                            "the step after " + n + " prompts, passes of " + passRows);
                }
            }
        }
    }

    /** The n prompts, as many per extend pass as fit; logits [n, V] in prompt order. */
    private static float[] packed(InferenceModel m, DecodeState s, int[] slots, int[][] prompts,
                                  int n) {
        int vocab = m.config().vocabSize();
        float[] out = new float[n * vocab];
        int first = 0;
        while (first < n) {
            int count = 0;
            int rows = 0;
            while (first + count < n && rows + prompts[first + count].length <= s.maxRows()) {
                rows += prompts[first + count].length;
                count++;
            }
            int[] lengths = new int[count];
            for (int e = 0; e < count; e++) {
                lengths[e] = prompts[first + e].length;
            }
            float[] logits = m.extend(s, Arrays.copyOfRange(slots, first, first + count),
                    Arrays.copyOfRange(prompts, first, first + count), new int[count], lengths,
                    count);
            System.arraycopy(logits, 0, out, first * vocab, count * vocab);
            first += count;
        }
        return out;
    }
}
