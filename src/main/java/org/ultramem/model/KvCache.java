package org.ultramem.model;

import org.ultramem.nn.Attention;
import org.ultramem.nn.moe.MoeLayer;

/**
 * Per-sequence state for incremental decoding: for each layer the rotated keys and the values of
 * every position seen so far, K and V [capacity, D] (row t = position t), plus the scratch a
 * decode pass writes into, sized for up to {@link #CHUNK} new tokens. A cache belongs to one
 * sequence and one thread; several caches may decode through the same {@link Transformer} at
 * once (none of them touch the model's training buffers).
 */
public final class KvCache {

    /** Most tokens one decode pass processes (prefill runs longer prompts chunk by chunk). */
    public static final int CHUNK = 64;

    private final float[][] keys;
    private final float[][] values;
    private final int capacity;
    private int length;

    // Decode scratch for `chunk` tokens (shared across layers: they run one after another).
    final int chunk;
    final int[] ids;
    final float[] x;
    final float[] normed;
    final float[] branch;
    final float[] rstd;
    final float[] last;
    final float[] gate;
    final float[] up;
    final float[] act;
    final float[] logits;
    final Attention.DecodeBuffers attention;
    // Sparse-layer scratch, attached by Transformer.newKvCache (null for a dense model's cache).
    MoeLayer.Activations[] moe;
    Object[] memory;

    /** An empty cache for up to {@code capacity} positions of a model shaped by {@code cfg}. */
    public KvCache(ModelConfig cfg, int capacity) {
        if (capacity <= 0 || capacity > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("KV cache capacity " + capacity + " must be in [1, "
                    + cfg.maxPositionEmbeddings() + "] (max_position_embeddings)");
        }
        int d = cfg.hiddenSize();
        this.capacity = capacity;
        this.keys = new float[cfg.numLayers()][Math.multiplyExact(capacity, d)];
        this.values = new float[cfg.numLayers()][Math.multiplyExact(capacity, d)];
        this.chunk = Math.min(CHUNK, capacity);
        this.ids = new int[chunk];
        this.x = new float[chunk * d];
        this.normed = new float[chunk * d];
        this.branch = new float[chunk * d];
        this.rstd = new float[chunk];
        this.last = new float[d];
        this.gate = new float[chunk * cfg.intermediateSize()];
        this.up = new float[chunk * cfg.intermediateSize()];
        this.act = new float[chunk * cfg.intermediateSize()];
        this.logits = new float[cfg.vocabSize()];
        this.attention = new Attention.DecodeBuffers(d, chunk, capacity);
    }

    /** Number of positions already in the cache: the position the next token will take. */
    public int length() {
        return length;
    }

    public int capacity() {
        return capacity;
    }

    /** Forgets every position (buffers are reused, not cleared). */
    public void reset() {
        length = 0;
    }

    /** Drops positions from {@code newLength} on (e.g. to re-decode after a rejected draft). */
    public void truncate(int newLength) {
        if (newLength < 0 || newLength > length) {
            throw new IllegalArgumentException("cannot truncate a KV cache of length " + length
                    + " to " + newLength);
        }
        length = newLength;
    }

    float[] keys(int layer) {
        return keys[layer];
    }

    float[] values(int layer) {
        return values[layer];
    }

    /** Fails unless n more positions fit. */
    void requireRoom(int n) {
        if (length + n > capacity) {
            throw new IllegalStateException("KV cache is full: " + length + " + " + n
                    + " positions exceed its capacity " + capacity
                    + "; start a new sequence or create a larger cache");
        }
    }

    void advance(int n) {
        length += n;
    }
}
