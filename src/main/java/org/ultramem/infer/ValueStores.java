package org.ultramem.infer;

/**
 * Opens the {@link ValueStore} of each value table an {@link InferenceModel} decodes with:
 * {@link #LOCAL} reads the checkpoint's own (mapped) table; a cluster opens a distributed store
 * with the same name and shape ({@code infer.cluster.ClusterValueStores}).
 */
@FunctionalInterface
public interface ValueStores {

    /** Every table read from this process. */
    ValueStores LOCAL = LocalValueStore::new;

    /** The store for {@code table} (the locally loaded matrix: its name, shape and rows). */
    ValueStore open(Matrix table);
}
