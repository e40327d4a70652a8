package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SamplerTest {

    // softmax of ln(p) is p: probabilities 0.4, 0.3, 0.2, 0.1 at ids 2, 0, 3, 1
    private final float[] logits = {(float) Math.log(0.3), (float) Math.log(0.1), (float) Math.log(0.4),
        (float) Math.log(0.2)};

    @Test
    void greedyTakesArgMaxLowestIdOnTies() {
        Sampler s = new Sampler(Sampler.Settings.greedyDecoding(), 1);
        assertEquals(2, s.sample(logits));
        assertEquals(1, s.sample(new float[] {0, 5, 5, 1}));
        assertEquals(2, new Sampler(new Sampler.Settings(0, 0, 1, false), 1).sample(logits));
    }

    @Test
    void temperatureOneIsTheSoftmax() {
        double[] p = Sampler.probabilities(logits, 0, 4, new Sampler.Settings(1, 0, 1, false));
        assertArrayEquals(new double[] {0.3, 0.1, 0.4, 0.2}, p, 1e-6);
    }

    @Test
    void temperatureSharpensAndFlattens() {
        double[] cold = Sampler.probabilities(logits, 0, 4, new Sampler.Settings(0.5, 0, 1, false));
        // p^(1/T) renormalized
        double z = 0.09 + 0.01 + 0.16 + 0.04;
        assertArrayEquals(new double[] {0.09 / z, 0.01 / z, 0.16 / z, 0.04 / z}, cold, 1e-6);
    }

    @Test
    void topKKeepsTheKMostLikelyRenormalized() {
        double[] p = Sampler.probabilities(logits, 0, 4, new Sampler.Settings(1, 2, 1, false));
        assertArrayEquals(new double[] {0.3 / 0.7, 0, 0.4 / 0.7, 0}, p, 1e-6);
    }

    @Test
    void topPKeepsTheSmallestPrefixReachingP() {
        // sorted 0.4, 0.3, 0.2, 0.1: cumulative 0.4, 0.7, 0.9 -> p = 0.65 keeps two tokens
        double[] p = Sampler.probabilities(logits, 0, 4, new Sampler.Settings(1, 0, 0.65, false));
        assertArrayEquals(new double[] {0.3 / 0.7, 0, 0.4 / 0.7, 0}, p, 1e-6);
        double[] one = Sampler.probabilities(logits, 0, 4, new Sampler.Settings(1, 0, 0.1, false));
        assertArrayEquals(new double[] {0, 0, 1, 0}, one, 1e-12);
        // top-k first, then top-p within the k: k = 3 (mass 0.9), p = 0.8 of it needs 0.72 -> 3 tokens
        double[] both = Sampler.probabilities(logits, 0, 4, new Sampler.Settings(1, 3, 0.8, false));
        assertArrayEquals(new double[] {0.3 / 0.9, 0, 0.4 / 0.9, 0.2 / 0.9}, both, 1e-6);
    }

    @Test
    void sampledFrequenciesFollowTheDistribution() {
        Sampler s = new Sampler(new Sampler.Settings(1, 0, 1, false), 123);
        int[] counts = new int[4];
        int n = 40_000;
        for (int i = 0; i < n; i++) {
            counts[s.sample(logits)]++;
        }
        double[] expect = {0.3, 0.1, 0.4, 0.2};
        for (int i = 0; i < 4; i++) {
            assertEquals(expect[i], counts[i] / (double) n, 0.01, "token " + i);
        }
        Sampler k2 = new Sampler(new Sampler.Settings(1, 2, 1, false), 5);
        for (int i = 0; i < 1000; i++) {
            int t = k2.sample(logits);
            assertTrue(t == 0 || t == 2, "top-2 sampled token " + t);
        }
    }

    /**
     * The sampler draws exactly what an inverse-CDF draw over {@link Sampler#probabilities}
     * with the same seed gives (the plain softmax path reuses a buffer and normalizes lazily;
     * rows of different vocabularies share one sampler), with and without top-k / top-p.
     */
    @Test
    void drawsAreTheInverseCdfOfProbabilities() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(9);
        for (Sampler.Settings st : new Sampler.Settings[] {new Sampler.Settings(1, 0, 1, false),
                new Sampler.Settings(0.7, 0, 1, false), new Sampler.Settings(1.3, 50, 0.9, false)}) {
            Sampler s = new Sampler(st, 77);
            java.util.SplittableRandom ref = new java.util.SplittableRandom(77);
            for (int rep = 0; rep < 200; rep++) {
                int vocab = rep % 3 == 0 ? 700 : 300;
                float[] x = new float[vocab + 5];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian() * 3;
                }
                double[] p = Sampler.probabilities(x, 5, vocab, st);
                double u = ref.nextDouble();
                double cum = 0;
                int want = -1;
                for (int i = 0; i < vocab; i++) {
                    if (p[i] == 0) {
                        continue;
                    }
                    want = i;
                    cum += p[i];
                    if (u < cum) {
                        break;
                    }
                }
                assertEquals(want, s.sample(x, 5, vocab), st + " rep " + rep);
            }
        }
    }

    @Test
    void sameSeedSameTokensDifferentSeedDiffers() {
        Sampler.Settings st = new Sampler.Settings(1.0, 0, 1, false);
        int[] a = draw(new Sampler(st, 42));
        int[] b = draw(new Sampler(st, 42));
        int[] c = draw(new Sampler(st, 43));
        assertArrayEquals(a, b);
        assertNotEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(c));
    }

    @Test
    void rejectsNaNLogitsAndBadSettings() {
        Sampler s = new Sampler(new Sampler.Settings(1, 0, 1, false), 1);
        assertThrows(IllegalArgumentException.class, () -> s.sample(new float[] {0, Float.NaN}));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(-1, 0, 1, false));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, 0, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, -2, 1, false));
    }

    @Test
    void filteringEqualsSortingTheIdsIncludingTies() {
        java.util.SplittableRandom rnd = new java.util.SplittableRandom(5);
        for (int rep = 0; rep < 200; rep++) {
            int vocab = 1 + rnd.nextInt(300);
            float[] x = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                // Few distinct values, so ties straddle the cut often.
                x[i] = rnd.nextInt(6) * 0.5f;
            }
            Sampler.Settings st = new Sampler.Settings(0.5 + rnd.nextDouble(),
                    rnd.nextBoolean() ? 0 : 1 + rnd.nextInt(vocab), 0.05 + 0.95 * rnd.nextDouble(),
                    false);
            assertArrayEquals(sortedIdsReference(x, vocab, st),
                    Sampler.probabilities(x, 0, vocab, st), "rep " + rep);
        }
    }

    /** The filter as first written: ids sorted by descending p, ties by ascending id. */
    private static double[] sortedIdsReference(float[] logits, int vocab, Sampler.Settings s) {
        double[] p = Sampler.probabilities(logits, 0, vocab, new Sampler.Settings(
                s.temperature(), 0, 1, false));
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> p[a] != p[b] ? Double.compare(p[b], p[a])
                : Integer.compare(a, b));
        int keep = s.topK() > 0 && s.topK() < vocab ? s.topK() : vocab;
        if (s.topP() < 1) {
            double mass = 0;
            for (int r = 0; r < keep; r++) {
                mass += p[order[r]];
            }
            double cum = 0;
            for (int r = 0; r < keep; r++) {
                cum += p[order[r]] / mass;
                if (cum >= s.topP()) {
                    keep = r + 1;
                    break;
                }
            }
        }
        double kept = 0;
        for (int r = 0; r < keep; r++) {
            kept += p[order[r]];
        }
        double[] out = new double[vocab];
        for (int r = 0; r < keep; r++) {
            out[order[r]] = p[order[r]] / kept;
        }
        return out;
    }

    private int[] draw(Sampler s) {
        int[] out = new int[32];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.sample(logits);
        }
        return out;
    }
}
