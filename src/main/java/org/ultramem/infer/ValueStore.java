package org.ultramem.infer;

import org.ultramem.tensor.kernel.Kernels;

/**
 * Where a value table's rows live, as decode reads them: the seam between the decoders and the
 * storage of their tables. {@link LocalValueStore} reads a memory-mapped (or off-heap) {@link
 * Matrix}; a distributed store (package {@code infer.cluster}) reads rows held by the members of
 * a cluster. Decoders never call a store directly: {@link ValueGather} sorts and merges a step's
 * row ids, then asks the store for the distinct rows ({@link #readRows}) or, when the store sums
 * where the rows live ({@link #sumsAtStore}), for the step's weighted sums ({@link #weightedSums}).
 * Implementations are safe for one call at a time.
 */
public interface ValueStore extends AutoCloseable {

    /** The table's tensor name (checkpoint key), e.g. {@code model.memory_layers.0.values}. */
    String name();

    /** N, the number of rows. */
    int rows();

    /** D_v, floats per row. */
    int width();

    /** Bytes of one row as stored locally (bf16 or fp32). */
    long rowBytes();

    /** Bytes of the whole table as stored locally. */
    default long bytes() {
        return rows() * rowBytes();
    }

    /**
     * dst[i·width ..] = row {@code rowIds[i]} widened to fp32, for i < count; the ids are
     * distinct and ascending (what {@link ValueGather} asks). Reads on {@code kern}.
     */
    void readRows(Kernels kern, float[] dst, int[] rowIds, int count);

    /**
     * True when {@link #weightedSums} computes the sums where the rows live (only the sums cross
     * the wire); false when the caller gathers rows with {@link #readRows} and sums locally.
     */
    default boolean sumsAtStore() {
        return false;
    }

    /**
     * out [tokens, outWidth] = the sums {@code read} describes ({@link WeightedRead#poolToken}
     * semantics); only called when {@link #sumsAtStore}.
     */
    default void weightedSums(float[] out, WeightedRead read) {
        throw new UnsupportedOperationException("value store `" + name()
                + "` gathers rows; sum locally through ValueGather");
    }

    /** Releases connections; a local store holds nothing to release. */
    @Override
    default void close() {
    }
}
