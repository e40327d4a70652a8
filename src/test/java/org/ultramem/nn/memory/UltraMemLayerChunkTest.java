package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The layer's forward works in chunks of 64 tokens (coarse scores kept in cache): results must
 * not depend on where a token sits in its chunk, nor on the thread count, over several chunks.
 */
class UltraMemLayerChunkTest {

    private static final int HIDDEN = 24;
    private static final int TOKENS = 150;  // chunks of 64, 64 and 22
    private static final UltraMemConfig CFG = UltraMemConfig.of(8, 16, 16, 4).withShape(2, 2, 2, 4);

    private static float[] random(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    @Test
    void tokenResultsDoNotDependOnChunkPosition() {
        UltraMemLayer layer = new UltraMemLayer(CFG, HIDDEN, TOKENS, 3);
        float[] x = random(TOKENS * HIDDEN, 1);
        float[] yAll = new float[x.length];
        layer.forward(yAll, x, TOKENS);
        int from = 100;
        int slots = CFG.heads() * CFG.topK();
        int[] cellsAll = new int[(TOKENS - from) * slots];
        for (int b = from; b < TOKENS; b++) {
            for (int s = 0; s < slots; s++) {
                cellsAll[(b - from) * slots + s] = layer.selectedGridIndex(b, s);
            }
        }
        int count = TOKENS - from;
        float[] xTail = java.util.Arrays.copyOfRange(x, from * HIDDEN, TOKENS * HIDDEN);
        float[] yTail = new float[xTail.length];
        layer.forward(yTail, xTail, count);
        for (int b = 0; b < count; b++) {
            for (int s = 0; s < slots; s++) {
                assertEquals(cellsAll[b * slots + s], layer.selectedGridIndex(b, s),
                        "token " + (from + b) + " slot " + s);
            }
        }
        for (int i = 0; i < yTail.length; i++) {
            assertEquals(yAll[from * HIDDEN + i], yTail[i], 1e-5f * Math.max(1f, Math.abs(yTail[i])),
                    "output " + i);
        }
    }

    @Test
    void resultsDoNotDependOnThreadCountAcrossChunks() {
        float[] x = random(TOKENS * HIDDEN, 5);
        float[] g = random(TOKENS * HIDDEN, 6);
        List<float[]> one = Parallel.withThreads(1, () -> run(x, g));
        List<float[]> three = Parallel.withThreads(3, () -> run(x, g));
        for (int i = 0; i < one.size(); i++) {
            assertArrayEquals(one.get(i), three.get(i), "output/gradient #" + i);
        }
    }

    private static List<float[]> run(float[] x, float[] g) {
        UltraMemLayer layer = new UltraMemLayer(CFG, HIDDEN, TOKENS, 9);
        float[] y = new float[x.length];
        float[] dx = new float[x.length];
        layer.forward(y, x, TOKENS);
        layer.backward(dx, g, TOKENS);
        List<float[]> out = new ArrayList<>(List.of(y, dx));
        layer.parameters().forEach(p -> out.add(p.grad.clone()));
        return out;
    }
}
