package org.ultramem.infer.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * The blocks a read task needs, as the stored arrays of this member (see {@link BlockRef}): one
 * read-only entry processor per distinct block, all submitted before any is awaited so the
 * member's partition threads work in parallel.
 */
final class LocalBlocks {

    /** Distinct block ids, ascending. */
    final int[] ids;
    /** The block of ids[i]: [rows in block, D_v] fp32. */
    final float[][] data;

    private LocalBlocks(int[] ids, float[][] data) {
        this.ids = ids;
        this.data = data;
    }

    /** The blocks holding {@code rows} (row / blockRows) from this member's map {@code mapName}. */
    static LocalBlocks fetch(HazelcastInstance hz, String mapName, int[] rows, int blockRows)
            throws InterruptedException, ExecutionException {
        int[] ids = Arrays.stream(rows).map(r -> r / blockRows).sorted().distinct().toArray();
        float[][] data = new float[ids.length][];
        IMap<Integer, float[]> map = hz.getMap(mapName);
        @SuppressWarnings("unchecked")
        CompletableFuture<float[]>[] pending = new CompletableFuture[ids.length];
        for (int i = 0; i < ids.length; i++) {
            pending[i] = map.submitToKey(ids[i], new BlockRef(data, i)).toCompletableFuture();
        }
        for (int i = 0; i < ids.length; i++) {
            float[] copy = pending[i].get();
            if (copy != null) {
                data[i] = copy;
            }
            if (data[i] == null) {
                throw new IllegalStateException("block " + ids[i] + " of `" + mapName
                        + "` is missing from the cluster; run `ultramem cluster load` again");
            }
        }
        return new LocalBlocks(ids, data);
    }

    /** The block holding {@code row}. */
    float[] blockOf(int row, int blockRows) {
        return data[Arrays.binarySearch(ids, row / blockRows)];
    }
}
