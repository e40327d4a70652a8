package org.ultramem.infer.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.HazelcastInstanceAware;
import java.io.Serializable;
import java.util.concurrent.Callable;

/** One owner's share of a row gather, run on that owner: rows [count, D_v] in the asked order. */
final class RowsRead implements Callable<float[]>, Serializable, HazelcastInstanceAware {

    private final String mapName;
    private final int blockRows;
    private final int width;
    private final int[] rows;
    private transient HazelcastInstance hz;

    RowsRead(String mapName, int blockRows, int width, int[] rows) {
        this.mapName = mapName;
        this.blockRows = blockRows;
        this.width = width;
        this.rows = rows;
    }

    @Override
    public void setHazelcastInstance(HazelcastInstance hz) {
        this.hz = hz;
    }

    /** Bytes this task carries: the row ids out, the rows back. */
    long wireBytes() {
        return (long) rows.length * (1 + width) * 4;
    }

    @Override
    public float[] call() throws Exception {
        LocalBlocks blocks = LocalBlocks.fetch(hz, mapName, rows, blockRows);
        float[] out = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(blocks.blockOf(rows[i], blockRows), rows[i] % blockRows * width, out,
                    i * width, width);
        }
        return out;
    }
}
