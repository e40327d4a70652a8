package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.infer.DecodeArchitecture.MemorySlot;
import org.ultramem.model.MemorySpec;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.train.Checkpoints;

/**
 * The engine decodes UltraMemV2 models ({@link UltraMemV2Decoder}): incremental logits equal the
 * training model's full-sequence forward to 1e-4 for every {@code mem_insert_way} form ("full",
 * skip ranges "i:j", one block, ranges written out of block order) and the layer's variants
 * (E = 1 and E = E', pre-values with and without GELU, none, four heads reading both query slots,
 * three cores); rows of one batch are independent; a saved checkpoint decodes like the live model.
 */
class UltraMemV2DecodeTest {

    /** A tiny V2 model: hidden 16, 3 blocks; {@code entry} is the V2 entry's body. */
    static ModelConfig config(String entry) {
        return ModelConfig.fromJson("""
                {"vocab_size": 32, "hidden_size": 16, "num_hidden_layers": 3,
                 "num_attention_heads": 2, "intermediate_size": 24, "max_position_embeddings": 16,
                 "initializer_range": 0.2,
                 "memory_layers": [{"mem_type": "ultramem_v2", %s}]}
                """.formatted(entry), "UltraMemV2DecodeTest");
    }

    /** The V2 entry with defaults of {@code TinyV2} and {@code extra} keys appended. */
    static String entry(String knobs, String extra) {
        return "\"mem_knum\": 4, \"mem_kdim\": 8, \"mem_vdim\": 8, \"mem_knn\": 3, " + knobs
                + ", \"mem_key_balance_reg_coef\": 0.5" + extra;
    }

    private static final String DEFAULT_KNOBS = "\"mem_pre_vdim\": 8, \"mem_head\": 2, "
            + "\"mem_key_expand_time\": 2, \"mem_value_expand_time\": 4, \"mem_share_ratio\": 0.5,"
            + " \"mem_use_glu_act\": true";

    @ParameterizedTest
    @ValueSource(strings = {"", ", \"mem_insert_way\": \"full\"",
            ", \"mem_insert_way\": \"0:1/2:2\"", ", \"mem_insert_way\": \"1:1\"",
            ", \"mem_insert_way\": \"2:2/0:1\""})
    void everyInsertWayDecodesLikeTheFullForward(String insertWay) {
        ModelConfig cfg = config(entry(DEFAULT_KNOBS, insertWay));
        assertIncrementalEqualsFull(cfg, 21, new int[] {4, 1, 9});
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "\"mem_pre_vdim\": 8, \"mem_head\": 2, \"mem_key_expand_time\": 2, "
                    + "\"mem_value_expand_time\": 1, \"mem_share_ratio\": 1.0",
            "\"mem_pre_vdim\": 8, \"mem_head\": 4, \"mem_use_glu_act\": false",
            "\"mem_pre_vdim\": 0, \"mem_head\": 3, \"mem_key_expand_time\": 2, "
                    + "\"mem_value_expand_time\": 4",
            "\"mem_pre_vdim\": 4, \"mem_head\": 1, \"tucker_multihead\": 1",
            "\"mem_pre_vdim\": 4, \"mem_head\": 2, \"tucker_multihead\": 4"})
    void layerVariantsDecodeLikeTheFullForward(String knobs) {
        assertIncrementalEqualsFull(config(entry(knobs, "")), 22, new int[] {3, 7});
    }

    private static void assertIncrementalEqualsFull(ModelConfig cfg, long seed, int[] prompts) {
        Transformer t = EngineMatchesFullForwardTest.trained(cfg, 16, seed);
        EngineMatchesFullForwardTest.assertIncrementalEqualsFull(t, 16, prompts);
    }

    /**
     * Rows of one batch are independent: each sequence decoded alone (batch 1, the few-token
     * path) gives the logits it gets inside a batch of nine (the per-chunk path), and changing
     * one row's token leaves the other rows' logits the same bits.
     */
    @Test
    void rowsOfABatchAreIndependent() {
        Transformer t = EngineMatchesFullForwardTest.trained(config(entry(DEFAULT_KNOBS, "")), 16,
                31);
        int vocab = t.config().vocabSize();
        int batch = 9;
        int[][] tokens = new int[batch][6];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < 6; i++) {
                tokens[b][i] = (7 * b + 3 * i + 1) % vocab;
            }
        }
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            float[] together = decodeTogether(m, tokens, -1);
            float[] changed = decodeTogether(m, tokens, 2);
            for (int b = 0; b < batch; b++) {
                float[] alone = decodeTogether(m, new int[][] {tokens[b]}, -1);
                for (int step = 0; step < 3; step++) {
                    int off = (step * batch + b) * vocab;
                    for (int v = 0; v < vocab; v++) {
                        assertEquals(alone[step * vocab + v], together[off + v], 1e-5,
                                "row " + b + " step " + step);
                    }
                    if (b != 2) {
                        assertArrayEquals(Arrays.copyOfRange(together, off, off + vocab),
                                Arrays.copyOfRange(changed, off, off + vocab),
                                "row " + b + " must not see row 2's token");
                    }
                }
            }
        }
    }

    /**
     * Prefills tokens[b][0..3) per row, then decodes tokens[b][3..6) together; the logits of the
     * three steps [3][rows][V]. Row {@code changed} (if ≥ 0) takes another token at each step.
     */
    private static float[] decodeTogether(InferenceModel m, int[][] tokens, int changed) {
        int rows = tokens.length;
        int vocab = m.config().vocabSize();
        DecodeState s = m.newState(rows, 8);
        for (int b = 0; b < rows; b++) {
            m.prefill(s, b, Arrays.copyOf(tokens[b], 3));
        }
        float[] out = new float[3 * rows * vocab];
        int[] next = new int[rows];
        for (int step = 0; step < 3; step++) {
            for (int b = 0; b < rows; b++) {
                next[b] = b == changed ? (tokens[b][3 + step] + 5) % vocab : tokens[b][3 + step];
            }
            System.arraycopy(m.decode(s, next), 0, out, step * rows * vocab, rows * vocab);
        }
        return out;
    }

    @Test
    void decodeIsBitIdenticalAcrossThreadCounts() {
        Transformer t = EngineMatchesFullForwardTest.trained(config(entry(DEFAULT_KNOBS, "")), 16,
                12);
        int[][] tokens = new int[17][6];
        for (int b = 0; b < tokens.length; b++) {
            for (int i = 0; i < 6; i++) {
                tokens[b][i] = (5 * b + i) % 32;
            }
        }
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            float[] one = Parallel.withThreads(1, () -> decodeTogether(m, tokens, -1));
            float[] two = Parallel.withThreads(2, () -> decodeTogether(m, tokens, -1));
            assertArrayEquals(one, two);
        }
    }

    /** A saved V2 checkpoint (mapped, both precisions) decodes like the live model's copy. */
    @Test
    void savedCheckpointDecodesLikeTheLiveModel(@TempDir Path dir) throws IOException {
        Transformer t = EngineMatchesFullForwardTest.trained(config(entry(DEFAULT_KNOBS,
                ", \"mem_insert_way\": \"0:1/2:2\"")), 16, 8);
        Checkpoints.saveModel(dir, t, null, null, null, Map.of());
        int[] prompt = {1, 5, 9, 2};
        float[] live;
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            live = m.prefill(m.newState(1, 8), 0, prompt);
        }
        try (InferenceModel m = InferenceModel.load(dir, Precision.F32)) {
            assertArrayEquals(live, m.prefill(m.newState(1, 8), 0, prompt));
            assertTrue(m.weightBytes()[2] > 0, "the shared tables count as value bytes");
        }
        try (InferenceModel m = InferenceModel.load(dir, Precision.BF16)) {
            float[] bf16 = m.prefill(m.newState(1, 8), 0, prompt);
            for (int v = 0; v < live.length; v++) {
                assertEquals(live[v], bf16[v], 0.05 * (1 + Math.abs(live[v])), "token " + v);
            }
        }
    }

    @Test
    void v2SlotsThatDoNotShareOneTableAreRefused() {
        ModelConfig cfg = config(entry(DEFAULT_KNOBS, ", \"mem_insert_way\": \"0:0/1:1\""));
        List<MemorySpec> specs = cfg.memoryLayers();
        MemorySpec.V2 first = specs.get(0).ultraMemV2();
        String msg = assertThrows(IllegalArgumentException.class, () -> new DecodeArchitecture(
                cfg, null, List.of(new MemorySlot(0, 0, 0, first),
                        new MemorySlot(1, 1, 1, first)))).getMessage();
        assertTrue(msg.contains("UltraMemV2") && msg.contains("shared table"), msg);
        String count = assertThrows(IllegalArgumentException.class, () -> new DecodeArchitecture(
                cfg, null, List.of(new MemorySlot(0, 0, 0, first)))).getMessage();
        assertTrue(count.contains("L = 2"), count);
    }
}
