package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;

class GeneratorTest {

    private final Transformer model = new Transformer(ModelConfig.of(24, 16, 2, 2, 32, 12), 1, 12, 5);
    private final InferenceModel engine = InferenceModel.of(model, Precision.F32);

    @AfterEach
    void close() {
        engine.close();
    }

    @Test
    void greedyMatchesArgMaxOfFullForwardEachStep() {
        int[] prompt = {3, 7, 1};
        Generator.Output out = new Generator(engine).generate(prompt, 5, new Sampler(Sampler.Settings.greedyDecoding(), 0),
                -1, null);
        assertEquals(5, out.tokens().length);
        // 5 tokens: the last is sampled without a further step, so 4 decode steps were timed.
        assertTrue(out.decodeStepMedianMs() > 0 && Double.isFinite(out.decodeStepMedianMs()));
        assertEquals(Double.NaN, Generator.medianMs(new long[0], 0));
        assertEquals(2.0, Generator.medianMs(new long[] {3_000_000, 1_000_000, 2_000_000}, 3));
        int[] seq = Arrays.copyOf(prompt, prompt.length + out.tokens().length);
        for (int i = 0; i < out.tokens().length; i++) {
            int len = prompt.length + i;
            float[] logits = new float[len * 24];
            model.forwardLogits(logits, Arrays.copyOf(seq, len), 1, len);
            int expect = Sampler.argMax(logits, (len - 1) * 24, 24);
            assertEquals(expect, out.tokens()[i], "token " + i);
            seq[len] = out.tokens()[i];
        }
    }

    @Test
    void seededSamplingIsReproducibleStreamsAndRespectsContext() {
        Sampler.Settings s = new Sampler.Settings(1.0, 5, 0.9, false);
        List<Integer> streamed = new ArrayList<>();
        Generator.Output a = new Generator(engine).generate(new int[] {1, 2}, 50, new Sampler(s, 9), -1, streamed::add);
        Generator.Output b = new Generator(engine).generate(new int[] {1, 2}, 50, new Sampler(s, 9), -1, null);
        assertArrayEquals(a.tokens(), b.tokens());
        assertEquals(10, a.tokens().length); // context 12 − prompt 2
        assertEquals(streamed, Arrays.stream(a.tokens()).boxed().toList());
        assertThrows(IllegalArgumentException.class,
                () -> new Generator(engine).generate(new int[12], 1, new Sampler(s, 1), -1, null));
    }
}
