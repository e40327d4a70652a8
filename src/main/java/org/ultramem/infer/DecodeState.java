package org.ultramem.infer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.ultramem.tensor.kernel.Parallel;

/**
 * The KV cache of B independent sequences decoded together, plus the per-step activations of the
 * engine. Per layer, one off-heap segment of rotated keys (and one of values) laid out
 * [B][heads][capacity][headDim] in the KV precision (fp32, or bf16 rounded to nearest even and
 * widened exactly when read), so each (sequence, head) slice is contiguous for the attention
 * kernel. {@link #length(int)} is the next position of a sequence. Scratch is sized for up to
 * {@link #maxRows()} tokens per pass (max(B, prefill chunk) unless the state was made for larger
 * mixed passes, {@link InferenceModel#newState(int, int, Precision, int)}). A state belongs to one thread and
 * one {@link InferenceModel}; its off-heap memory is freed when the state becomes unreachable.
 */
public final class DecodeState {

    /** Most prompt tokens one prefill pass processes (longer prompts run chunk by chunk). */
    public static final int PREFILL_CHUNK = 64;

    final int batch;
    final int capacity;
    final int dModel;
    final int heads;
    final int headDim;
    final Precision kvPrecision;
    final boolean kvBf16;
    final MemorySegment[] keys;
    final MemorySegment[] values;
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
    /** Pass rows whose next-token logits are wanted, one per sequence of the pass. */
    final int[] logitRows;
    final float[] lastRows;
    final float[] logits;

    DecodeState(int batch, int capacity, int layers, int dModel, int heads, int intermediate,
                int vocab, int memoryLayers, Precision kvPrecision, int passRows) {
        if (batch < 1 || capacity < 1) {
            throw new IllegalArgumentException("decode state needs batch (" + batch
                    + ") and capacity (" + capacity + ") >= 1");
        }
        if (passRows < defaultRows(batch, capacity)) {
            throw new IllegalArgumentException("decode state of batch " + batch + " needs at"
                    + " least " + defaultRows(batch, capacity) + " rows per pass (" + passRows
                    + " given)");
        }
        this.batch = batch;
        this.capacity = capacity;
        this.dModel = dModel;
        this.heads = heads;
        this.headDim = dModel / heads;
        this.kvPrecision = kvPrecision;
        this.kvBf16 = kvPrecision == Precision.BF16;
        long perLayer = (long) batch * capacity * dModel * kvPrecision.bytes();
        Arena arena = Arena.ofAuto();
        keys = new MemorySegment[layers];
        values = new MemorySegment[layers];
        for (int l = 0; l < layers; l++) {
            keys[l] = arena.allocate(perLayer, 64);
            values[l] = arena.allocate(perLayer, 64);
        }
        length = new int[batch];
        maxRows = passRows;
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
        logitRows = new int[batch];
        lastRows = new float[n];
        logits = new float[Math.multiplyExact(batch, vocab)];
    }

    /**
     * Rows per pass of a state made without a pass size: one step of every sequence, or a
     * prefill chunk, whichever is larger (eval's packed prefill chunks long prompts by it, as
     * such a state's prefill does).
     */
    public static int defaultRows(int batch, int capacity) {
        return Math.max(batch, Math.min(PREFILL_CHUNK, capacity));
    }

    public int batch() {
        return batch;
    }

    public int capacity() {
        return capacity;
    }

    /** Storage precision of the KV cache. */
    public Precision kvPrecision() {
        return kvPrecision;
    }

    /** Bytes of the KV cache (all layers, keys and values, full capacity). */
    public long kvBytes() {
        long b = 0;
        for (int l = 0; l < keys.length; l++) {
            b += keys[l].byteSize() + values[l].byteSize();
        }
        return b;
    }

    /** Byte offset of position {@code pos} of sequence {@code b}, head {@code h} in a layer. */
    long kvOffset(int b, int h, int pos) {
        return (((long) b * heads + h) * capacity + pos) * headDim * kvPrecision.bytes();
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
        MemorySegment[] all = new MemorySegment[2 * keys.length];
        for (int l = 0; l < keys.length; l++) {
            all[2 * l] = keys[l];
            all[2 * l + 1] = values[l];
        }
        int slices = batch * heads;
        ValueLayout.OfFloat f32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        ValueLayout.OfShort bf16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        int es = kvPrecision.bytes();
        Parallel.forRange(all.length * slices, 1, (from, to) -> {
            for (int item = from; item < to; item++) {
                MemorySegment seg = all[item / slices];
                int slice = item % slices;
                long base = kvOffset(slice / heads, slice % heads, 0);
                long x = seed * 0x9E3779B97F4A7C15L + item + 1;
                for (long i = 0, n = (long) positions * headDim; i < n; i++) {
                    x ^= x << 13;
                    x ^= x >>> 7;
                    x ^= x << 17;
                    float v = (x >>> 40) * 0x1.0p-23f - 1f;
                    if (es == 2) {
                        seg.set(bf16, base + 2 * i, (short) (Float.floatToRawIntBits(v) >>> 16));
                    } else {
                        seg.set(f32, base + 4 * i, v);
                    }
                }
            }
        });
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
