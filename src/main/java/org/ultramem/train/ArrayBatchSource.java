package org.ultramem.train;

import java.util.SplittableRandom;

/**
 * A {@link BatchSource} over token arrays in memory: synthetic data for tests and benchmarks,
 * and the reference for how batches are drawn. Training windows start at uniformly random
 * offsets drawn from a {@link SplittableRandom} seeded by a mix of (seed, step, micro), so any
 * batch can be regenerated from those three numbers alone.
 */
public final class ArrayBatchSource implements BatchSource {

    private final int[] train;
    private final int[] eval;
    private final double bytesPerToken;

    public ArrayBatchSource(int[] train, int[] eval, double bytesPerToken) {
        this.train = train;
        this.eval = eval;
        this.bytesPerToken = bytesPerToken;
    }

    /** The seed of micro-batch {@code micro} of step {@code step}: a fixed mix of the three numbers. */
    public static long batchSeed(long seed, long step, int micro) {
        long h = seed * 0x9E3779B97F4A7C15L + step;
        h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + micro;
        return h ^ (h >>> 29);
    }

    @Override
    public void trainBatch(long seed, long step, int micro, int[] tokens, int[] targets, int batch, int seq) {
        if (train.length < seq + 1) {
            throw new IllegalArgumentException("training split has " + train.length + " tokens; seq_len " + seq
                    + " needs at least " + (seq + 1) + "; lower training.seq_len or prepare more data");
        }
        // Same draw as TokenDataset.randomBatch: start = nextLong(size − seq) per row.
        SplittableRandom rnd = new SplittableRandom(batchSeed(seed, step, micro));
        for (int b = 0; b < batch; b++) {
            int s = (int) rnd.nextLong(train.length - seq);
            System.arraycopy(train, s, tokens, b * seq, seq);
            System.arraycopy(train, s + 1, targets, b * seq, seq);
        }
    }

    @Override
    public long evalWindows(int seq, long limit) {
        long n = Math.min(limit, eval.length);
        return n <= 1 ? 0 : (n - 1 + seq - 1) / seq;
    }

    @Override
    public void evalBatch(long first, int seq, long limit, int[] tokens, int[] targets) {
        long n = Math.min(limit, eval.length);
        long windows = evalWindows(seq, limit);
        int rows = tokens.length / seq;
        for (int b = 0; b < rows; b++) {
            long w = first + b;
            for (int t = 0; t < seq; t++) {
                long p = w * seq + t;
                boolean scored = w < windows && p + 1 < n;
                tokens[b * seq + t] = scored ? eval[(int) p] : 0;
                targets[b * seq + t] = scored ? eval[(int) p + 1] : -1;
            }
        }
    }

    @Override
    public double bytesPerToken() {
        return bytesPerToken;
    }
}
