package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The differential test of the one decode path: the engine built over a live training model
 * ({@link InferenceModel#of}) decodes incrementally (prefill, then one token per step, several
 * sequences in one batch) and every position's logits equal the training model's full-sequence
 * forward ({@link Transformer#forwardLogits}) to 1e-4, for dense, MoE + UltraMem + PKM models
 * and UltraMem with each retrieval remedy ({@link UltraMemV2DecodeTest} runs it for UltraMemV2).
 */
class EngineMatchesFullForwardTest {

    /** Two SGD steps on random tokens: parameters, Tucker u/v and BatchNorm statistics move. */
    static Transformer trained(ModelConfig cfg, int seq, long seed) {
        Transformer t = new Transformer(cfg, 2, seq, seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] tokens = new int[2 * seq];
        for (int step = 0; step < 2; step++) {
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = rnd.nextInt(cfg.vocabSize());
            }
            t.beforeStep();
            t.forwardBackward(tokens, tokens, 2, seq, 1f);
            for (Parameter p : t.parameters()) {
                for (int i = 0; i < p.data.length; i++) {
                    p.data[i] -= 0.5f * p.grad[i];
                }
                p.zeroGrad();
            }
        }
        t.beforeStep();
        return t;
    }

    @Test
    void denseModelDecodesLikeTheFullForward() {
        ModelConfig cfg = ModelConfig.of(67, 48, 2, 4, 80, 16);
        assertIncrementalEqualsFull(new Transformer(cfg, 1, 16, 11), 16, new int[] {5, 1, 3});
    }

    @Test
    void sparseModelDecodesLikeTheFullForward() {
        ModelConfig cfg = TinySparse.config(0.3, "");
        assertIncrementalEqualsFull(trained(cfg, 16, 3), 16, new int[] {4, 1, 8});
    }

    @ParameterizedTest
    @ValueSource(strings = {
            ", \"query_batchnorm\": true, \"key_balance_coef\": 0.01, \"dead_key_restart_steps\": 5",
            ", \"output_gate\": \"scale\", \"output_gate_init\": 0.5",
            ", \"query_batchnorm\": true, \"output_gate\": \"silu\", \"retrieval_lr_mult\": 0.5"})
    void ultraMemWithRemediesDecodesLikeTheFullForward(String remedies) {
        ModelConfig cfg = TinySparse.config(0.3, remedies);
        assertIncrementalEqualsFull(trained(cfg, 16, 5), 16, new int[] {3, 6});
    }

    /** A prompt longer than one prefill pass continues across chunks, then decodes. */
    @Test
    void chunkedPrefillDecodesLikeTheFullForward() {
        int seq = DecodeState.PREFILL_CHUNK + 6;
        ModelConfig cfg = new ModelConfig(37, 16, 2, 2, 24, seq, 1e-5, 10000, true, 0.3,
                "ultramem");
        assertIncrementalEqualsFull(new Transformer(cfg, 1, seq, 8), seq,
                new int[] {DecodeState.PREFILL_CHUNK + 3});
    }

    /** Decode logits of the sparse model are the same bits on one thread and on two. */
    @Test
    void sparseDecodeIsBitIdenticalAcrossThreadCounts() {
        Transformer t = trained(TinySparse.config(0.3, ", \"query_batchnorm\": true"), 16, 9);
        float[] one = Parallel.withThreads(1, () -> decodeAll(t));
        float[] two = Parallel.withThreads(2, () -> decodeAll(t));
        assertArrayEquals(one, two);
    }

    /** Prefills 17 one-token prompts, then three decode steps; all logits concatenated. */
    private static float[] decodeAll(Transformer t) {
        int vocab = t.config().vocabSize();
        int batch = 17;
        float[] all = new float[4 * batch * vocab];
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            DecodeState s = m.newState(batch, 8);
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
                System.arraycopy(m.prefill(s, b, new int[] {b % vocab}), 0, all, b * vocab, vocab);
                next[b] = (3 * b + 1) % vocab;
            }
            for (int step = 1; step < 4; step++) {
                System.arraycopy(m.decode(s, next), 0, all, step * batch * vocab, batch * vocab);
            }
        }
        return all;
    }

    @Test
    void theStoreCopiesParametersAndBuffersUnderCheckpointNames() {
        Transformer t = trained(TinySparse.config(0.3, ", \"query_batchnorm\": true"), 16, 2);
        try (MemoryWeightStore s = ModelWeights.copyOf(t)) {
            for (var e : t.parametersByName().entrySet()) {
                assertTrue(Arrays.equals(e.getValue().data, s.readF32(e.getKey())), e.getKey());
            }
            for (var e : t.buffers().entrySet()) {
                assertTrue(s.contains(e.getKey()), e.getKey());
            }
        }
    }

    /**
     * Random sequences of {@code seq} tokens, one per prompt length; the engine prefills each
     * sequence's prompt into its slot, then decodes the rest of every sequence together.
     */
    static void assertIncrementalEqualsFull(Transformer t, int seq, int[] promptLengths) {
        int vocab = t.config().vocabSize();
        int batch = promptLengths.length;
        SplittableRandom rnd = new SplittableRandom(17);
        int[][] tokens = new int[batch][seq];
        float[][] full = new float[batch][seq * vocab];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < seq; i++) {
                tokens[b][i] = rnd.nextInt(vocab);
            }
            t.forwardLogits(full[b], tokens[b], 1, seq);
        }
        try (InferenceModel m = InferenceModel.of(t, Precision.F32)) {
            DecodeState s = m.newState(batch, seq);
            int[] pos = promptLengths.clone();
            for (int b = 0; b < batch; b++) {
                float[] got = m.prefill(s, b, Arrays.copyOf(tokens[b], pos[b]));
                assertRow(full[b], pos[b] - 1, got, 0, vocab, "prefill of sequence " + b);
            }
            int steps = seq - Arrays.stream(promptLengths).max().orElseThrow();
            int[] next = new int[batch];
            for (int step = 0; step < steps; step++) {
                for (int b = 0; b < batch; b++) {
                    next[b] = tokens[b][pos[b]];
                }
                float[] got = m.decode(s, next);
                for (int b = 0; b < batch; b++) {
                    assertRow(full[b], pos[b], got, b * vocab, vocab, "step " + step + " seq " + b);
                    pos[b]++;
                }
            }
            assertEquals(steps, m.meter().steps());
        }
    }

    private static void assertRow(float[] full, int row, float[] got, int off, int vocab,
                                  String what) {
        for (int v = 0; v < vocab; v++) {
            assertEquals(full[row * vocab + v], got[off + v], 1e-4, what + " position " + row
                    + " token " + v);
        }
    }
}
