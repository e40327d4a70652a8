package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.testing.GradCheck;

class TransformerTest {

    private static final int VOCAB = 37;
    private static final int BATCH = 2;
    private static final int SEQ = 7;
    /** The tiny test model, with a wider init so attention and FFN gradients are far from zero. */
    private static final ModelConfig TINY =
            new ModelConfig(VOCAB, 16, 2, 2, 24, 16, 1e-5, 10000, true, 0.3, "ultramem");

    private static int[] randomTokens(SplittableRandom rnd, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rnd.nextInt(VOCAB);
        }
        return t;
    }

    private static void zeroGrads(Transformer m) {
        m.parameters().forEach(Parameter::zeroGrad);
    }

    @Test
    void namesParametersLikeHuggingFace() {
        Transformer m = new Transformer(TINY, 1, SEQ, 1);
        Map<String, Parameter> byName = m.parametersByName();
        assertEquals(1 + 2 * 9 + 1, byName.size());
        assertArrayEquals(new int[] {VOCAB, 16}, byName.get("model.embed_tokens.weight").shape);
        assertArrayEquals(new int[] {16, 16},
                byName.get("model.layers.1.self_attn.o_proj.weight").shape);
        assertArrayEquals(new int[] {24, 16},
                byName.get("model.layers.0.mlp.gate_proj.weight").shape);
        assertArrayEquals(new int[] {16, 24},
                byName.get("model.layers.0.mlp.down_proj.weight").shape);
        assertEquals(Parameter.Group.NO_DECAY,
                byName.get("model.layers.0.input_layernorm.weight").group);
        assertEquals(Parameter.Group.NO_DECAY,
                byName.get("model.layers.1.post_attention_layernorm.weight").group);
        assertEquals(Parameter.Group.NO_DECAY, byName.get("model.norm.weight").group);
        assertEquals(List.copyOf(byName.values()), m.parameters());
    }

    @Test
    void initializesOutputProjectionsSmaller() {
        ModelConfig c = new ModelConfig(64, 64, 2, 2, 96, 16, 1e-5, 10000, true, 0.02, "ultramem");
        Map<String, Parameter> p = new Transformer(c, 1, 4, 3).parametersByName();
        assertEquals(0.02, std(p.get("model.layers.0.self_attn.q_proj.weight")), 0.002);
        assertEquals(0.02, std(p.get("model.embed_tokens.weight")), 0.002);
        assertEquals(0.01, std(p.get("model.layers.1.self_attn.o_proj.weight")), 0.001);
        assertEquals(0.01, std(p.get("model.layers.0.mlp.down_proj.weight")), 0.001);
        assertEquals(1f, p.get("model.norm.weight").data[5]);
    }

    private static double std(Parameter p) {
        double s = 0;
        for (float v : p.data) {
            s += (double) v * v;
        }
        return Math.sqrt(s / p.numel());
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(11);
        Transformer m = new Transformer(TINY, BATCH, SEQ, 5);
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        int[] targets = randomTokens(rnd, BATCH * SEQ);
        targets[3] = -1;
        targets[SEQ + 6] = -1;
        // Norm gains away from 1 so their gradient check is not a special case.
        for (Parameter p : m.parameters()) {
            if (p.group == Parameter.Group.NO_DECAY) {
                for (int i = 0; i < p.numel(); i++) {
                    p.data[i] = (float) (0.7 + 0.6 * rnd.nextDouble());
                }
            }
        }
        float lossScale = 2f;
        m.forwardBackward(tokens, targets, BATCH, SEQ, lossScale);
        DoubleSupplier loss =
                () -> lossScale * m.forwardLoss(tokens, targets, BATCH, SEQ).meanNll();
        // Float forward sums differ with the vector width, and a fixed per-entry tolerance failed
        // on small gradients (q_proj.weight[235], 5e-4, off by 2 % at 512 bits): the tolerance
        // comes from the loss's measured noise, and directional checks keep the precision.
        GradCheck.NoiseOptions o = GradCheck.NoiseOptions.defaults().withEps(1e-2);
        for (String name : new String[] {"model.embed_tokens.weight",
                "model.layers.0.self_attn.q_proj.weight",
                "model.layers.1.self_attn.k_proj.weight", "model.layers.1.mlp.down_proj.weight",
                "model.layers.0.mlp.gate_proj.weight", "model.layers.0.input_layernorm.weight",
                "model.layers.1.post_attention_layernorm.weight", "model.norm.weight"}) {
            Parameter p = m.parametersByName().get(name);
            GradCheck.checkNoiseAware(name, p.data, p.grad, loss, o);
        }
    }

    @Test
    void gradientsScaleWithLossScaleAndAccumulateAcrossMicroBatches() {
        SplittableRandom rnd = new SplittableRandom(12);
        Transformer m = new Transformer(TINY, BATCH, SEQ, 5);
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        int[] targets = randomTokens(rnd, BATCH * SEQ);
        Parameter q = m.parametersByName().get("model.layers.0.self_attn.q_proj.weight");
        LanguageModel.StepLoss first = m.forwardBackward(tokens, targets, BATCH, SEQ, 1f);
        float[] once = q.grad.clone();
        LanguageModel.StepLoss second = m.forwardBackward(tokens, targets, BATCH, SEQ, 3f);
        assertEquals(first.nll(), second.nll());
        assertEquals(BATCH * SEQ, first.tokens());
        for (int i = 0; i < once.length; i++) {
            double tol = 1e-5 + 1e-4 * Math.abs(q.grad[i]);
            assertEquals(4 * once[i], q.grad[i], tol, "q_proj grad " + i);
        }
        zeroGrads(m);
        m.forwardBackward(tokens, targets, BATCH, SEQ, 1f);
        for (int i = 0; i < once.length; i++) {
            assertEquals(once[i], q.grad[i], 1e-6, "after zeroGrad, q_proj grad " + i);
        }
    }

    @Test
    void sameSeedGivesSameLossBits() {
        SplittableRandom rnd = new SplittableRandom(13);
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        int[] targets = randomTokens(rnd, BATCH * SEQ);
        Transformer a = new Transformer(TINY, BATCH, SEQ, 99);
        Transformer b = new Transformer(TINY, BATCH, SEQ, 99);
        Transformer c = new Transformer(TINY, BATCH, SEQ, 100);
        double la = a.forwardBackward(tokens, targets, BATCH, SEQ, 1f).nll();
        double lb = b.forwardBackward(tokens, targets, BATCH, SEQ, 1f).nll();
        assertEquals(Double.doubleToLongBits(la), Double.doubleToLongBits(lb));
        for (int i = 0; i < a.parameters().size(); i++) {
            assertArrayEquals(a.parameters().get(i).grad, b.parameters().get(i).grad);
        }
        assertNotEquals(la, c.forwardBackward(tokens, targets, BATCH, SEQ, 1f).nll());
    }

    @Test
    void lossBitsDoNotDependOnThreadCount() {
        SplittableRandom rnd = new SplittableRandom(15);
        int[] tokens = randomTokens(rnd, BATCH * SEQ);
        int[] targets = randomTokens(rnd, BATCH * SEQ);
        Transformer a = new Transformer(TINY, BATCH, SEQ, 7);
        Transformer b = new Transformer(TINY, BATCH, SEQ, 7);
        double one = Parallel.withThreads(1, () -> a.forwardBackward(tokens, targets, BATCH, SEQ,
                1f).nll());
        double two = Parallel.withThreads(2, () -> b.forwardBackward(tokens, targets, BATCH, SEQ,
                1f).nll());
        assertEquals(Double.doubleToLongBits(one), Double.doubleToLongBits(two));
        for (int i = 0; i < a.parameters().size(); i++) {
            assertArrayEquals(a.parameters().get(i).grad, b.parameters().get(i).grad,
                    a.parameters().get(i).name);
        }
    }

    @Test
    void sgdOverfitsARepeatedSequence() {
        ModelConfig c = ModelConfig.of(VOCAB, 16, 2, 2, 24, 16);
        Transformer m = new Transformer(c, BATCH, SEQ, 21);
        int[] seq = {5, 17, 3, 30, 9, 22, 1, 14};
        int[] tokens = new int[BATCH * SEQ];
        int[] targets = new int[BATCH * SEQ];
        for (int b = 0; b < BATCH; b++) {
            for (int t = 0; t < SEQ; t++) {
                tokens[b * SEQ + t] = seq[t];
                targets[b * SEQ + t] = seq[t + 1];
            }
        }
        double initial = m.forwardLoss(tokens, targets, BATCH, SEQ).meanNll();
        double last = initial;
        for (int step = 0; step < 40; step++) {
            zeroGrads(m);
            last = m.forwardBackward(tokens, targets, BATCH, SEQ, 1f).meanNll();
            for (Parameter p : m.parameters()) {
                for (int i = 0; i < p.numel(); i++) {
                    p.data[i] -= 0.1f * p.grad[i];
                }
            }
        }
        double after = m.forwardLoss(tokens, targets, BATCH, SEQ).meanNll();
        assertTrue(initial > 3.4, "initial loss " + initial + " should be near ln(37)");
        // Measured: ~0.6-0.7 for several seeds (lr 0.5 overshoots; 0.1 descends smoothly).
        assertTrue(after < 1.0, "loss after 40 SGD steps: " + after + " (initial " + initial
                + ", last " + last + ")");
    }

    @Test
    void rejectsBatchesTheModelWasNotBuiltFor() {
        Transformer m = new Transformer(TINY, BATCH, SEQ, 1);
        int[] tokens = new int[BATCH * (SEQ + 1)];
        String m1 = assertThrows(IllegalArgumentException.class,
                () -> m.forwardLoss(tokens, tokens, BATCH, SEQ + 1)).getMessage();
        assertTrue(m1.contains("sequence length 8"), m1);
        int[] targets = new int[BATCH * SEQ];
        targets[4] = VOCAB;
        String m2 = assertThrows(IllegalArgumentException.class,
                () -> m.forwardLoss(new int[BATCH * SEQ], targets, BATCH, SEQ)).getMessage();
        assertTrue(m2.contains("target 37 at position 4"), m2);
    }
}
