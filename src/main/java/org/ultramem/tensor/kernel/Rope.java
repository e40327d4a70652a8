package org.ultramem.tensor.kernel;

/**
 * Rotary position embedding (GPT-NeoX half-split pairing), shared by both kernel sets: it costs
 * O(tokens·heads·headDim) against attention's O(seq²), so one exact implementation is enough.
 * Angles are computed in double and rounded once, so forward and inverse are exact mirrors.
 *
 * <p>cos/sin of every (position, pair) are kept in one table per (headDim, theta), grown to the
 * largest position seen and replaced (never mutated) when a call needs another one, so concurrent
 * callers always read a complete table. The table holds exactly the floats the direct formula
 * gives, so results do not depend on whether it was used. Computing the angles per call showed in
 * JFR profiles of a dense-256x6 training step (2026-11; not kept), with 1.5 M cos/sin pairs per
 * step.
 */
final class Rope {

    /** cos/sin rows for positions [0, positions), row-major [position][headDim/2]. */
    private record Table(int headDim, float theta, int positions, float[] cos, float[] sin) {

        boolean covers(int headDim, float theta, int maxPosition) {
            return this.headDim == headDim && Float.compare(this.theta, theta) == 0
                    && maxPosition < positions;
        }
    }

    /** Positions beyond this are rotated by the direct formula rather than grow the table. */
    static final int MAX_TABLE_POSITIONS = 1 << 16;

    private static volatile Table table = new Table(0, 0f, 0, new float[0], new float[0]);

    private Rope() {
    }

    /**
     * Rotates pairs (i, i + headDim/2) of every head of every token by position ·
     * theta^(−2i/headDim) (by the negative angle when {@code inverse}). x: [tokens, heads·headDim],
     * positions: [tokens].
     */
    static void apply(float[] x, int tokens, int heads, int headDim, int[] positions, float theta,
                      boolean inverse) {
        if (headDim % 2 != 0) {
            throw new IllegalArgumentException("rope headDim (" + headDim
                    + ") must be even: pairs are (i, i + headDim/2); choose an even head size");
        }
        KernelChecks.nonNegative("rope tokens", tokens);
        KernelChecks.nonNegative("rope heads", heads);
        KernelChecks.range("rope x [tokens, heads·headDim]", x, 0, (long) tokens * heads * headDim);
        if (positions.length < tokens) {
            throw new IllegalArgumentException("rope positions length (" + positions.length
                    + ") must be >= tokens (" + tokens + ")");
        }
        int half = headDim / 2;
        int minPosition = 0;
        int maxPosition = 0;
        for (int t = 0; t < tokens; t++) {
            minPosition = Math.min(minPosition, positions[t]);
            maxPosition = Math.max(maxPosition, positions[t]);
        }
        if (minPosition < 0 || maxPosition >= MAX_TABLE_POSITIONS) {
            applyDirect(x, tokens, heads, headDim, positions, theta, inverse);
            return;
        }
        Table tab = tableFor(headDim, theta, maxPosition);
        float[] cos = tab.cos();
        float[] sin = tab.sin();
        int stride = heads * headDim;
        // Tokens are independent; on one thread this was ~1% of a family training step while
        // the other core waited (JFR).
        Parallel.forRange(tokens, TOKENS_PER_TASK, (t0, t1) -> {
            for (int t = t0; t < t1; t++) {
                int row = positions[t] * half;
                for (int h = 0; h < heads; h++) {
                    int base = t * stride + h * headDim;
                    if (inverse) {
                        rotate(x, base, half, cos, sin, row, -1f);
                    } else {
                        rotate(x, base, half, cos, sin, row, 1f);
                    }
                }
            }
        });
    }

    /** Fewest tokens a thread rotates: decode's few rows stay on the calling thread. */
    private static final int TOKENS_PER_TASK = 64;

    /** x[base+i], x[base+half+i] rotated by (cos, sign·sin) of table row {@code row}. */
    private static void rotate(float[] x, int base, int half, float[] cos, float[] sin, int row,
                               float sign) {
        for (int i = 0; i < half; i++) {
            float c = cos[row + i];
            float s = sign * sin[row + i];
            float x1 = x[base + i];
            float x2 = x[base + half + i];
            x[base + i] = x1 * c - x2 * s;
            x[base + half + i] = x1 * s + x2 * c;
        }
    }

    /** The table for (headDim, theta) covering maxPosition, built and published if needed. */
    private static Table tableFor(int headDim, float theta, int maxPosition) {
        Table tab = table;
        if (tab.covers(headDim, theta, maxPosition)) {
            return tab;
        }
        int positions = Math.max(maxPosition + 1,
                tab.headDim() == headDim && tab.theta() == theta ? 2 * tab.positions() : 64);
        int half = headDim / 2;
        double[] freq = frequencies(headDim, theta);
        float[] cos = new float[positions * half];
        float[] sin = new float[positions * half];
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * freq[i];
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        tab = new Table(headDim, theta, positions, cos, sin);
        table = tab;
        return tab;
    }

    private static double[] frequencies(int headDim, float theta) {
        double[] freq = new double[headDim / 2];
        for (int i = 0; i < freq.length; i++) {
            freq[i] = Math.pow(theta, -2.0 * i / headDim);
        }
        return freq;
    }

    /** The formula itself, for negative or very large positions (which have no table row). */
    static void applyDirect(float[] x, int tokens, int heads, int headDim, int[] positions,
                                    float theta, boolean inverse) {
        int half = headDim / 2;
        double[] freq = frequencies(headDim, theta);
        float[] cos = new float[half];
        float[] sin = new float[half];
        int stride = heads * headDim;
        for (int t = 0; t < tokens; t++) {
            for (int i = 0; i < half; i++) {
                double angle = positions[t] * freq[i];
                cos[i] = (float) Math.cos(angle);
                sin[i] = (float) Math.sin(angle);
            }
            for (int h = 0; h < heads; h++) {
                rotate(x, t * stride + h * headDim, half, cos, sin, 0, inverse ? -1f : 1f);
            }
        }
    }
}
