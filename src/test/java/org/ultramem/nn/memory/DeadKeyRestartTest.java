package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.nn.Parameter;

/** Dead sub-key restart through the layer ({@code dead_key_restart_steps}). */
class DeadKeyRestartTest {

    private static final int HIDDEN = 8;
    private static final int TOKENS = 6;

    /** K0 4, E 4 → n = 8 keys per side, m = 2: most keys stay out of 6 tokens' candidate sets. */
    private static UltraMemConfig config(boolean qkNorm, int window) {
        return new UltraMemConfig(4, 4, 4, 2, 2, 2, 2, 2, 4, null, false, true, true, qkNorm, true,
                true, "code", 1, 4.0, 1.0, "dense_adamw", 0, 0.15, 1e-5f)
                .withRemedies(new RetrievalRemedies(false, 0, 1, 0, 0, true, window, "none", 0.1));
    }

    private static float[] input(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] x = new float[TOKENS * HIDDEN];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    /** One reset request. */
    record Reset(Parameter p, int offset, int length) {
    }

    @Test
    void restartsExactlyTheUnusedKeysFromQueriesAndDropsTheirState() {
        UltraMemConfig cfg = config(false, 2);
        UltraMemLayer l = new UltraMemLayer(cfg, HIDDEN, TOKENS, 3);
        l.forward(new float[TOKENS * HIDDEN], input(1), TOKENS);
        int[] use = l.deadKeyWindowUse().clone();
        assertEquals(TOKENS * 2 * 2 * 2, Arrays.stream(use).sum());
        float[] before = l.parameter("keys").data.clone();
        List<Reset> resets = new ArrayList<>();
        assertEquals(0, l.afterStep(1, 42, (p, o, n) -> resets.add(new Reset(p, o, n))),
                "step 1 does not end a window of 2");
        assertTrue(resets.isEmpty());
        int restarted = l.afterStep(2, 42, (p, o, n) -> resets.add(new Reset(p, o, n)));
        long dead = Arrays.stream(use).filter(c -> c == 0).count();
        assertTrue(dead > 0, "the fixture should leave keys unused");
        assertEquals(dead, restarted);
        assertEquals(dead, l.diagnostics().keysRestarted());
        assertEquals(dead, resets.size());
        int n = cfg.keysPerSide();
        int dk = cfg.keyDim();
        int r = cfg.tuckerRank();
        float[] keys = l.parameter("keys").data;
        for (int key = 0; key < use.length; key++) {
            int off = key * dk * r;
            if (use[key] != 0) {
                assertArrayEquals(Arrays.copyOfRange(before, off, off + dk * r),
                        Arrays.copyOfRange(keys, off, off + dk * r), "used key " + key);
                continue;
            }
            int k = key;
            assertTrue(resets.stream().anyMatch(x -> x.offset() == k * dk * r && x.length() == dk * r
                    && x.p() == l.parameter("keys")), "reset of key " + key);
            // Without qk_norm the folded key Σ_p w_p·K[.., p] must equal some token's q̂ half.
            int h = key / (2 * n);
            int side = key / n % 2;
            float[] w = side == 0 ? l.tuckerU() : l.tuckerV();
            float[] fold = new float[dk];
            for (int d = 0; d < dk; d++) {
                for (int p = 0; p < r; p++) {
                    fold[d] += w[h * r + p] * keys[off + d * r + p];
                }
            }
            assertTrue(matchesSomeQuery(l, fold, side), "key " + key + " folds to " + Arrays.toString(fold));
        }
        assertEquals(0, Arrays.stream(l.deadKeyWindowUse()).sum(), "counts restart with the window");
    }

    /** Whether fold equals (to 1e-5) the side-{@code side} half of some token's query q̂. */
    private static boolean matchesSomeQuery(UltraMemLayer l, float[] fold, int side) {
        float[] x = input(1);
        // The layer's q̂ equals x·W_qᵀ (no qk_norm, shared query); W_q is not changed by restarts.
        float[] wq = l.parameter("query_proj.weight").data;
        int dk = fold.length;
        for (int b = 0; b < TOKENS; b++) {
            boolean all = true;
            for (int d = 0; d < dk && all; d++) {
                double q = 0;
                for (int e = 0; e < HIDDEN; e++) {
                    q += (double) wq[(side * dk + d) * HIDDEN + e] * x[b * HIDDEN + e];
                }
                all = Math.abs(q - fold[d]) <= 1e-5 * (1 + Math.abs(q));
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    @Test
    void restartsAreSeededAndDeterministic() {
        float[][] out = new float[3][];
        long[] seeds = {42, 42, 43};
        for (int i = 0; i < 3; i++) {
            UltraMemLayer l = new UltraMemLayer(config(true, 1), HIDDEN, TOKENS, 3);
            l.forward(new float[TOKENS * HIDDEN], input(1), TOKENS);
            assertTrue(l.afterStep(5, seeds[i], (p, o, n) -> { }) > 0);
            out[i] = l.parameter("keys").data;
        }
        assertArrayEquals(out[0], out[1]);
        assertTrue(!Arrays.equals(out[0], out[2]), "another seed should draw other tokens");
    }

    @Test
    void restartNeedsATrainingForward() {
        UltraMemLayer l = new UltraMemLayer(config(true, 1), HIDDEN, TOKENS, 3);
        IllegalStateException none = assertThrows(IllegalStateException.class,
                () -> l.afterStep(1, 1, (p, o, n) -> { }));
        assertTrue(none.getMessage().contains("dead_key_restart_steps"), none.getMessage());
        l.setTraining(false);
        l.forward(new float[TOKENS * HIDDEN], input(1), TOKENS);
        assertThrows(IllegalStateException.class, () -> l.afterStep(1, 1, (p, o, n) -> { }));
    }

    @Test
    void withTheRestartOffAfterStepDoesNothing() {
        UltraMemLayer l = new UltraMemLayer(UltraMemLayerTest.tiny(), HIDDEN, TOKENS, 3);
        assertEquals(0, l.afterStep(1, 1, (p, o, n) -> {
            throw new AssertionError("no reset expected");
        }));
        assertEquals(null, l.deadKeyWindowUse());
    }
}
