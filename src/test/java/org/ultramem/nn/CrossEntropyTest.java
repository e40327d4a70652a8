package org.ultramem.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;
import org.ultramem.testing.GradCheck;

class CrossEntropyTest {

    private static final int ROWS = 6;
    private static final int VOCAB = 13;
    private static final int D = 5;
    private static final int[] TARGETS = {4, 0, -1, 12, 4, 7};

    @Test
    void lossMatchesDoubleReference() {
        SplittableRandom rnd = new SplittableRandom(1);
        Parameter table = new Parameter("e", new int[] {VOCAB, D}, Parameter.Group.DECAY);
        LayerFixtures.randomize(table, rnd, 1);
        float[] hidden = LayerFixtures.random(rnd, ROWS * D, 1);
        CrossEntropy ce = new CrossEntropy(table, ROWS);
        double expected = 0;
        for (int r = 0; r < ROWS; r++) {
            if (TARGETS[r] < 0) {
                continue;
            }
            double[] logit = new double[VOCAB];
            double max = Double.NEGATIVE_INFINITY;
            for (int v = 0; v < VOCAB; v++) {
                for (int c = 0; c < D; c++) {
                    logit[v] += (double) hidden[r * D + c] * table.data[v * D + c];
                }
                max = Math.max(max, logit[v]);
            }
            double sum = 0;
            for (int v = 0; v < VOCAB; v++) {
                sum += Math.exp(logit[v] - max);
            }
            expected += max + Math.log(sum) - logit[TARGETS[r]];
        }
        assertEquals(expected, ce.loss(hidden, TARGETS, ROWS), 1e-5);
        float[] dHidden = new float[ROWS * D];
        assertEquals(expected, ce.forwardBackward(dHidden, hidden, TARGETS, ROWS, 1f), 1e-5);
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        SplittableRandom rnd = new SplittableRandom(2);
        Parameter table = new Parameter("e", new int[] {VOCAB, D}, Parameter.Group.DECAY);
        LayerFixtures.randomize(table, rnd, 1);
        float[] hidden = LayerFixtures.random(rnd, ROWS * D, 1);
        CrossEntropy ce = new CrossEntropy(table, ROWS);
        float scale = 0.5f;
        float[] dHidden = new float[ROWS * D];
        ce.forwardBackward(dHidden, hidden, TARGETS, ROWS, scale);
        DoubleSupplier loss = () -> scale * ce.loss(hidden, TARGETS, ROWS);
        GradCheck.check("hidden", hidden, dHidden, loss);
        GradCheck.check("embedding", table.data, table.grad, loss,
                GradCheck.Options.defaults().withMaxEntries(VOCAB * D));
        for (int c = 0; c < D; c++) {
            assertEquals(0f, dHidden[2 * D + c], "row without a target gets no gradient");
        }
    }
}
