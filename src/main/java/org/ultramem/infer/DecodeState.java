package org.ultramem.infer;

import java.util.SplittableRandom;

/**
 * The KV cache of B independent sequences decoded together, plus the per-step activations of the
 * engine. For each layer and sequence, rotated keys and values of every position so far:
 * K, V [capacity, D] (row t = position t). {@link #length(int)} is the next position of a
 * sequence. Scratch is sized for up to {@link #maxRows()} tokens per pass (max(B, prefill chunk)).
 * A state belongs to one thread and one {@link InferenceModel}.
 */
public final class DecodeState {

    /** Most prompt tokens one prefill pass processes (longer prompts run chunk by chunk). */
    public static final int PREFILL_CHUNK = 64;

    final int batch;
    final int capacity;
    final int dModel;
    final float[][][] keys;
    final float[][][] values;
    final int[] length;

    // Scratch for one pass of up to maxRows tokens.
    final int maxRows;
    final int[] ids;
    final int[] seq;
    final int[] pos;
    final float[] x;
    final float[] normed;
    final float[] branch;
    final float[] rstd;
    final float[] q;
    final float[] k;
    final float[] v;
    final float[] ctx;
    final float[] scores;
    final float[] gate;
    final float[] up;
    final float[] act;
    final float[][] pending;
    final float[] lastRows;
    final float[] logits;

    DecodeState(int batch, int capacity, int layers, int dModel, int heads, int intermediate,
                int vocab, int memoryLayers) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("decode state needs batch (" + batch
                    + ") and capacity (" + capacity + ") >= 1");
        }
        this.batch = batch;
        this.capacity = capacity;
        this.dModel = dModel;
        long perSeq = (long) capacity * dModel;
        if (perSeq > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("KV cache capacity " + capacity + " x hidden "
                    + dModel + " exceeds one array; lower the capacity");
        }
        keys = new float[layers][batch][(int) perSeq];
        values = new float[layers][batch][(int) perSeq];
        length = new int[batch];
        maxRows = Math.max(batch, Math.min(PREFILL_CHUNK, capacity));
        ids = new int[maxRows];
        seq = new int[maxRows];
        pos = new int[maxRows];
        int n = maxRows * dModel;
        x = new float[n];
        normed = new float[n];
        branch = new float[n];
        rstd = new float[maxRows];
        q = new float[n];
        k = new float[n];
        v = new float[n];
        ctx = new float[n];
        scores = new float[Math.multiplyExact(maxRows * heads, capacity)];
        gate = new float[maxRows * intermediate];
        up = new float[maxRows * intermediate];
        act = new float[maxRows * intermediate];
        pending = new float[memoryLayers][n];
        lastRows = new float[n];
        logits = new float[Math.multiplyExact(batch, vocab)];
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /** Positions already cached for sequence {@code b}: the position its next token takes. */
    public int length(int b) {
        return length[b];
    }

    /** Most tokens one pass handles. */
    public int maxRows() {
        return maxRows;
    }

    /** Forgets sequence {@code b} (buffers are reused, not cleared). */
    public void reset(int b) {
        length[b] = 0;
    }

    /**
     * Benchmark set-up: every sequence gets {@code positions} cached positions of random keys and
     * values in [−1, 1) (what a prefill would leave, without running one).
     */
    public void fillRandom(int positions, long seed) {
        if (positions < 0 || positions >= capacity) {
            throw new IllegalArgumentException("random KV length " + positions + " must be in [0, "
                    + capacity + ") (leave room to decode)");
        }
        SplittableRandom rnd = new SplittableRandom(seed);
        int n = positions * dModel;
        for (float[][] layer : keys) {
            for (float[] s : layer) {
                for (int i = 0; i < n; i++) {
                    s[i] = (float) (rnd.nextDouble() * 2 - 1);
                }
            }
        }
        for (float[][] layer : values) {
            for (float[] s : layer) {
                for (int i = 0; i < n; i++) {
                    s[i] = (float) (rnd.nextDouble() * 2 - 1);
                }
            }
        }
        java.util.Arrays.fill(length, positions);
    }

    void requireRoom(int b, int n) {
        if (length[b] + n > capacity) {
            throw new IllegalStateException("KV cache of sequence " + b + " is full: " + length[b]
                    + " + " + n + " positions exceed its capacity " + capacity
                    + "; start a new sequence or create a larger state");
        }
    }
}
