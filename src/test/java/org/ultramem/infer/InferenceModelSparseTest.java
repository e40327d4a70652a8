package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.train.Checkpoints;

/**
 * Whole sparse models through a real checkpoint: the {@link TinySparse} model (an MoE block, an
 * UltraMem layer "0:1" and an overlapping PKM layer "1:1" with query BatchNorm) is trained two
 * SGD steps (so parameters, Tucker u/v and the BatchNorm running statistics leave their init),
 * saved with {@link Checkpoints#saveModel}, loaded by {@link InferenceModel#load}, and its batched
 * decode logits compared with the engine over the live model ({@link InferenceModel#of}, itself
 * checked against the full forward by {@link EngineMatchesFullForwardTest}): the checkpoint
 * carries everything decoding needs.
 */
class InferenceModelSparseTest {

    private static final int SEQ = 16;

    @TempDir
    Path dir;

    /** Two SGD steps on random tokens (training-mode BatchNorm moves its running statistics). */
    private static Transformer trained(ModelConfig cfg, long seed) {
        Transformer t = new Transformer(cfg, 2, SEQ, seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] tokens = new int[2 * SEQ];
        for (int step = 0; step < 2; step++) {
            for (int i = 0; i < tokens.length; i++) {
                tokens[i] = rnd.nextInt(cfg.vocabSize());
            }
            t.beforeStep();
            t.forwardBackward(tokens, tokens, 2, SEQ, 1f);
            for (Parameter p : t.parameters()) {
                for (int i = 0; i < p.data.length; i++) {
                    p.data[i] -= 0.5f * p.grad[i];
                }
                p.zeroGrad();
            }
        }
        t.beforeStep();   // u, v from the updated Tucker cores
        return t;
    }

    private InferenceModel saveAndLoad(Transformer t, Precision precision) throws IOException {
        Checkpoints.saveModel(dir, t, null, null, null, Map.of());
        return InferenceModel.load(dir, precision);
    }

    @Test
    void checkpointedSparseModelDecodesLikeTheLiveModel() throws IOException {
        decodesLikeTheLiveModel("");
    }

    /**
     * The UltraMem layer with retrieval remedies on: query BatchNorm (its running statistics
     * moved by the two training steps and saved as buffers), each output gate, and the
     * off-forward remedies (balance loss, restart counts saved as a buffer the engine ignores).
     */
    @ParameterizedTest
    @ValueSource(strings = {
            ", \"query_batchnorm\": true, \"key_balance_coef\": 0.01, \"dead_key_restart_steps\": 5",
            ", \"output_gate\": \"scale\", \"output_gate_init\": 0.5",
            ", \"query_batchnorm\": true, \"output_gate\": \"silu\", \"retrieval_lr_mult\": 0.5"})
    void checkpointedModelWithRemediesDecodesLikeTheLiveModel(String remedies) throws IOException {
        decodesLikeTheLiveModel(remedies);
    }

    private void decodesLikeTheLiveModel(String extra) throws IOException {
        ModelConfig cfg = TinySparse.config(0.3, extra);
        Transformer t = trained(cfg, 3);
        float[] ultraMean = t.ultraMemLayer(0).queryBatchNormRunningMean();
        if (ultraMean != null) {
            assertTrue(ultraMean[0] != 0f, "training should move the UltraMem BatchNorm mean");
        }
        float[] mean = t.pkmLayer(1).buffers().get("query_bn.running_mean");
        assertNotNull(mean, "TinySparse's PKM layer should use query BatchNorm");
        assertTrue(mean[0] != 0f, "training should move the BatchNorm running mean");
        int vocab = cfg.vocabSize();
        int batch = 3;
        int[][] prompts = {{1, 2, 3, 4, 5}, {9}, {20, 21, 22, 23, 24, 25, 26, 27}};
        SplittableRandom rnd = new SplittableRandom(7);
        try (InferenceModel m = saveAndLoad(t, Precision.F32);
             InferenceModel live = InferenceModel.of(t, Precision.F32)) {
            assertEquals(2, m.architecture().memory().size());
            assertEquals("pkm", m.architecture().memory().get(1).type());
            assertTrue(m.architecture().moeAt(1) && !m.architecture().moeAt(0));
            DecodeState s = m.newState(batch, SEQ);
            DecodeState ls = live.newState(batch, SEQ);
            int[] next = new int[batch];
            for (int b = 0; b < batch; b++) {
                float[] want = live.prefill(ls, b, prompts[b]);
                float[] got = m.prefill(s, b, prompts[b]);
                assertClose(want, 0, got, 0, vocab, "prefill of sequence " + b);
                next[b] = rnd.nextInt(vocab);
            }
            m.meter().reset();
            for (int step = 0; step < 5; step++) {
                float[] got = m.decode(s, next);
                float[] want = live.decode(ls, next);
                for (int b = 0; b < batch; b++) {
                    assertClose(want, b * vocab, got, b * vocab, vocab, "step " + step + " seq "
                            + b);
                }
                for (int b = 0; b < batch; b++) {
                    next[b] = rnd.nextInt(vocab);
                }
            }
            for (TrafficMeter.Component c : new TrafficMeter.Component[] {
                    TrafficMeter.Component.VALUES, TrafficMeter.Component.KEYS,
                    TrafficMeter.Component.EXPERTS}) {
                assertTrue(m.meter().bytes(c) > 0, c + " should be metered");
            }
            long[] w = m.weightBytes();
            assertTrue(w[1] > 0 && w[2] > 0, "expert and value bytes " + w[1] + ", " + w[2]);
        }
    }

    @Test
    void bf16WeightsOfASparseCheckpointStayClose() throws IOException {
        ModelConfig cfg = TinySparse.config(0.3, "");
        Transformer t = trained(cfg, 4);
        int[] prompt = {3, 1, 4, 1, 5, 9, 2, 6};
        float[] want;
        try (InferenceModel live = InferenceModel.of(t, Precision.F32)) {
            want = live.prefill(live.newState(1, SEQ), 0, prompt);
        }
        try (InferenceModel m = saveAndLoad(t, Precision.BF16)) {
            float[] got = m.prefill(m.newState(1, SEQ), 0, prompt);
            double worst = InferenceFixtures.maxRelDiff(want, 0, got, 0, want.length);
            assertTrue(worst < 5e-2, "bf16 logits differ from f32 by " + worst);
        }
    }

    private static void assertClose(float[] want, int wOff, float[] got, int gOff, int n,
                                    String what) {
        double worst = InferenceFixtures.maxRelDiff(want, wOff, got, gOff, n);
        assertTrue(worst < 1e-4, what + ": logits differ by " + worst);
    }
}
