/**
 * Value tables on a Hazelcast cluster (open-source edition, embedded): the distributed {@link
 * org.ultramem.infer.ValueStore}. A table is an IMap of blocks (blockId = row / R, R rows of
 * D_v fp32 each, 64-512 KB), backup count from the cluster file, no index, in-memory format
 * OBJECT, loaded eagerly by each owner from a shard file ({@link
 * org.ultramem.infer.cluster.BlockLoader}). A read groups its selections by the current owner of
 * their block's partition and sends one task per owner ({@code submitToMember}); the task reads
 * the stored blocks through read-only entry processors invoked on that member (never serialized)
 * and returns B × E·D_v partial sums, or the rows in {@code read: rows} mode. A failed or slow
 * owner's share alone is resent to the new owner ({@link org.ultramem.infer.cluster.OwnerRouter}).
 *
 * <p>What does not live here: the decoders and the local store ({@code infer}), the commands
 * ({@code cli.ClusterCommand}). Members bind to the configured host only; multicast,
 * auto-detection and phone-home are off (docs/cluster.md).
 */
package org.ultramem.infer.cluster;
