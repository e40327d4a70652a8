package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.testing.GradCheck;

class EmbeddingTest {

    @Test
    void forwardGathersRows() {
        Embedding e = new Embedding("e", 11, 4);
        LayerFixtures.randomize(e.weight, new SplittableRandom(1), 1);
        int[] ids = {3, 0, 10, 3};
        float[] out = new float[ids.length * 4];
        e.forward(out, ids, ids.length);
        for (int t = 0; t < ids.length; t++) {
            for (int c = 0; c < 4; c++) {
                assertEquals(e.weight.data[ids[t] * 4 + c], out[t * 4 + c]);
            }
        }
    }

    @Test
    void backwardMatchesFiniteDifferencesWithRepeatedIds() {
        SplittableRandom rnd = new SplittableRandom(2);
        Embedding e = new Embedding("e", 11, 4);
        LayerFixtures.randomize(e.weight, rnd, 1);
        int[] ids = {3, 0, 10, 3, 7, 3};
        float[] probe = LayerFixtures.random(rnd, ids.length * 4, 1);
        float[] out = new float[ids.length * 4];
        e.backward(probe, ids, ids.length);
        GradCheck.check("embedding", e.weight.data, e.weight.grad, () -> {
            e.forward(out, ids, ids.length);
            return LayerFixtures.probe(out, probe, out.length);
        }, GradCheck.Options.defaults().withMaxEntries(44));
    }

    @Test
    void rejectsTokenOutsideVocabulary() {
        Embedding e = new Embedding("e", 11, 4);
        var ex = assertThrows(IllegalArgumentException.class,
                () -> e.forward(new float[8], new int[] {1, 11}, 2));
        assertTrue(ex.getMessage().contains("token id 11 at position 1"), ex.getMessage());
    }
}
