package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.SegmentKernels;
import org.ultramem.tensor.kernel.SegmentKernels.RowPath;

/**
 * A sequence's logits do not depend on which other sequences share the decode step (the server's
 * continuous batching needs this: a seeded request must give the same text whatever else runs).
 * Compared bit for bit: each sequence decoded alone against the same sequence as one row of
 * steps of 2 to 20 rows, with the GEMM path fixed ({@link RowPath}: by default the GEMMs switch
 * kernels at 8 rows, which changes the last bits).
 */
class BatchInvarianceTest {

    private static final int SEQUENCES = 20;

    @ParameterizedTest
    @EnumSource(value = RowPath.class, names = {"DOT", "TRANSPOSED"})
    void denseRowsAreBitIdenticalWhateverTheBatch(RowPath path) {
        check(ModelConfig.of(67, 48, 2, 4, 80, 64), Precision.F32, path);
        check(ModelConfig.of(67, 48, 2, 4, 80, 64), Precision.BF16, path);
    }

    /** MoE experts see a varying number of rows; PKM scores sub-keys per row (KeyScores). */
    @ParameterizedTest
    @EnumSource(value = RowPath.class, names = {"DOT", "TRANSPOSED"})
    void sparseRowsAreBitIdenticalWhateverTheBatch(RowPath path) {
        check(TinySparse.config(), Precision.F32, path);
        check(TinySparse.config(), Precision.BF16, path);
    }

    /**
     * A narrow backbone whose FFN width (24) is no multiple of the vector length, so a step's
     * rows·I elements put a row's FFN activations at different lane positions with the batch
     * size (SwiGLU once computed its tail apart), and the same backbone with UltraMemV2 memories.
     */
    @ParameterizedTest
    @EnumSource(value = RowPath.class, names = {"DOT", "TRANSPOSED"})
    void narrowAndUltraMemV2RowsAreBitIdenticalWhateverTheBatch(RowPath path) {
        ModelConfig narrow = ModelConfig.fromJson("""
                {"vocab_size": 32, "hidden_size": 16, "num_hidden_layers": 3,
                 "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 16,
                 "initializer_range": 0.2}""", "BatchInvarianceTest");
        check(narrow, Precision.F32, path);
        ModelConfig v2 = UltraMemV2DecodeTest.config(UltraMemV2DecodeTest.entry("\"mem_pre_vdim\": 8,"
                + " \"mem_head\": 2, \"mem_key_expand_time\": 2, \"mem_value_expand_time\": 4,"
                + " \"mem_share_ratio\": 0.5, \"mem_use_glu_act\": true", ""));
        check(v2, Precision.F32, path);
        check(v2, Precision.BF16, path);
    }

    /**
     * A pass that mixes decode tokens with prompt chunks ({@link InferenceModel#extend}, the
     * server's chunked prefill) gives every sequence the logits it gets alone, bit for bit: a
     * prompt split across passes at any point, beside other sequences' tokens, leaves the same
     * KV cache and the same next-token logits as its own prefill.
     */
    @ParameterizedTest
    @EnumSource(value = RowPath.class, names = {"DOT", "TRANSPOSED"})
    void mixedPassesOfPromptChunksAndDecodeTokensMatchSeparatePasses(RowPath path) {
        RowPath previous = SegmentKernels.setRowPath(path);
        try {
            checkMixed(TinySparse.config());
            checkMixed(ModelConfig.of(67, 48, 2, 4, 80, 64));
        } finally {
            SegmentKernels.setRowPath(previous);
        }
    }

    private static void checkMixed(ModelConfig cfg) {
        Transformer t = new Transformer(cfg, 1, 4, 3);
        int vocab = cfg.vocabSize();
        SplittableRandom rnd = new SplittableRandom(11);
        int[] a = rnd.ints(5, 0, vocab).toArray();
        int[] b = rnd.ints(9, 0, vocab).toArray();
        int[] c = rnd.ints(3, 0, vocab).toArray();
        int next = rnd.nextInt(vocab);
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            float[][] alone = new float[3][];
            float[] aNext;
            DecodeState s1 = m.newState(1, 16);
            alone[0] = m.prefill(s1, 0, a);
            aNext = Arrays.copyOf(m.decode(s1, new int[] {0}, new int[] {next}, 1), vocab);
            s1.reset(0);
            alone[1] = m.prefill(s1, 0, b);
            s1.reset(0);
            alone[2] = m.prefill(s1, 0, c);

            DecodeState s = m.newState(3, 16, Precision.F32, 20);
            // Pass 1: a whole and b's first 3 tokens; pass 2: a's next token, b's next 4, c whole;
            // pass 3: b's last 2.
            float[] p1 = m.extend(s, new int[] {0, 1}, new int[][] {a, b}, new int[] {0, 0},
                    new int[] {5, 3}, 2);
            assertArrayEquals(alone[0], Arrays.copyOfRange(p1, 0, vocab), "a after pass 1");
            float[] p2 = m.extend(s, new int[] {0, 1, 2}, new int[][] {{next}, b, c},
                    new int[] {0, 3, 0}, new int[] {1, 4, 3}, 3);
            assertArrayEquals(aNext, Arrays.copyOfRange(p2, 0, vocab), "a's decode token");
            assertArrayEquals(alone[2], Arrays.copyOfRange(p2, 2 * vocab, 3 * vocab), "c");
            float[] p3 = m.extend(s, new int[] {1}, new int[][] {b}, new int[] {7},
                    new int[] {2}, 1);
            assertArrayEquals(alone[1], Arrays.copyOf(p3, vocab), "b split over three passes");
            assertArrayEquals(new int[] {6, 9, 3}, new int[] {s.length(0), s.length(1),
                    s.length(2)});
        }
    }

    private static void check(ModelConfig cfg, Precision precision, RowPath path) {
        RowPath previous = SegmentKernels.setRowPath(path);
        try {
            check(cfg, precision);
        } finally {
            SegmentKernels.setRowPath(previous);
        }
    }

    private static void check(ModelConfig cfg, Precision precision) {
        Transformer t = new Transformer(cfg, 1, 4, 3);
        int vocab = cfg.vocabSize();
        SplittableRandom rnd = new SplittableRandom(7);
        int[][] prompts = new int[SEQUENCES][];
        int[] next = new int[SEQUENCES];
        for (int b = 0; b < SEQUENCES; b++) {
            prompts[b] = rnd.ints(1 + b % 5, 0, vocab).toArray();
            next[b] = rnd.nextInt(vocab);
        }
        try (InferenceModel m = InferenceModel.of(t, precision)) {
            float[][] alone = new float[SEQUENCES][];
            for (int b = 0; b < SEQUENCES; b++) {
                DecodeState s = m.newState(1, 8);
                m.prefill(s, 0, prompts[b]);
                alone[b] = Arrays.copyOf(m.decode(s, new int[] {0}, new int[] {next[b]}, 1),
                        vocab);
            }
            for (int rows : new int[] {2, 7, 8, 9, 17, SEQUENCES}) {
                DecodeState s = m.newState(SEQUENCES, 8);
                int[] slots = new int[rows];
                int[] tokens = new int[rows];
                for (int r = 0; r < rows; r++) {
                    slots[r] = (SEQUENCES - 1 - r * 3 % SEQUENCES + SEQUENCES) % SEQUENCES;
                }
                slots = Arrays.stream(slots).distinct().toArray();
                for (int r = 0; r < slots.length; r++) {
                    m.prefill(s, slots[r], prompts[slots[r]]);
                    tokens[r] = next[slots[r]];
                }
                float[] got = m.decode(s, slots, tokens, slots.length);
                for (int r = 0; r < slots.length; r++) {
                    assertArrayEquals(alone[slots[r]], Arrays.copyOfRange(got, r * vocab,
                            (r + 1) * vocab), "sequence " + slots[r] + " in a step of "
                            + slots.length + " rows");
                }
            }
        }
    }
}
