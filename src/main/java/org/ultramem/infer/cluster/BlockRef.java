package org.ultramem.infer.cluster;

import com.hazelcast.core.ReadOnly;
import com.hazelcast.map.EntryProcessor;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A read-only entry processor that hands a read task the stored block itself: run on the owner's
 * partition thread by a task on that same member, it is invoked locally (never serialized) and
 * writes the stored array (in-memory format OBJECT, no index, so not a copy) into its sink. Should
 * the block have migrated away since the task was routed, the processor runs remotely, where the
 * sink is absent, and returns a copy of the block instead. Blocks are never written after loading,
 * so reading the array after the processor returns is safe.
 */
final class BlockRef implements EntryProcessor<Integer, float[], float[]>, ReadOnly {

    /** How many processors were serialized in this JVM (tests: none in steady state). */
    static final AtomicLong SERIALIZED = new AtomicLong();

    private final transient float[][] sink;
    private final transient int slot;

    BlockRef(float[][] sink, int slot) {
        this.sink = sink;
        this.slot = slot;
    }

    @Override
    public float[] process(Map.Entry<Integer, float[]> entry) {
        if (sink != null) {
            sink[slot] = entry.getValue();
            return null;
        }
        return entry.getValue();
    }

    @Override
    public EntryProcessor<Integer, float[], float[]> getBackupProcessor() {
        return null;
    }

    @java.io.Serial
    private void writeObject(ObjectOutputStream out) throws IOException {
        SERIALIZED.incrementAndGet();
        out.defaultWriteObject();
    }
}
