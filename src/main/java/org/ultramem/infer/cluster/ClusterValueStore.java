package org.ultramem.infer.cluster;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.ultramem.infer.ValueStore;
import org.ultramem.infer.WeightedRead;
import org.ultramem.tensor.kernel.Kernels;

/**
 * A value table held by a Hazelcast cluster: one IMap entry per block of R rows (blockId =
 * row / R), read through the block owners ({@link OwnerRouter}). In {@code sums} mode the owners
 * compute the weighted sums of their selections ({@link ShareSum}) and only tokens × E·D_v floats
 * per owner come back; the partials are added in member order, so the result is deterministic,
 * equal to the local one whenever the float sums are exact (dyadic data, a single owner) and
 * within rounding otherwise. In {@code rows} mode the owners return the distinct rows and the
 * decoder sums here, bit for bit as locally. Counts the payload bytes of every request
 * ({@link #wireBytes}).
 */
public final class ClusterValueStore implements ValueStore {

    private final OwnerRouter router;
    private final TableShards.Table table;
    private final long rowBytes;
    private final boolean readRows;
    private final AtomicLong wireBytes = new AtomicLong();

    ClusterValueStore(OwnerRouter router, TableShards.Table table, long rowBytes,
                      boolean readRows) {
        this.router = router;
        this.table = table;
        this.rowBytes = rowBytes;
        this.readRows = readRows;
    }

    @Override
    public String name() {
        return table.name();
    }

    @Override
    public int rows() {
        return table.rows();
    }

    @Override
    public int width() {
        return table.width();
    }

    @Override
    public long rowBytes() {
        return rowBytes;
    }

    /** Payload bytes sent and received by this store's reads so far (framing not counted). */
    public long wireBytes() {
        return wireBytes.get();
    }

    @Override
    public void readRows(Kernels kern, float[] dst, int[] rowIds, int count) {
        int r = table.blockRows();
        int width = table.width();
        router.run(count, i -> rowIds[i] / r, items -> {
            int[] rows = new int[items.length];
            for (int j = 0; j < items.length; j++) {
                rows[j] = rowIds[items[j]];
            }
            RowsRead task = new RowsRead(table.mapName(), r, width, rows);
            wireBytes.addAndGet(task.wireBytes());
            return task;
        }, (items, data) -> {
            for (int j = 0; j < items.length; j++) {
                System.arraycopy(data, j * width, dst, items[j] * width, width);
            }
        });
    }

    @Override
    public boolean sumsAtStore() {
        return !readRows;
    }

    @Override
    public void weightedSums(float[] out, WeightedRead read) {
        int r = table.blockRows();
        int c = read.chunks();
        int[] rows = read.rows();
        Arrays.fill(out, 0, read.tokens() * read.outWidth(), 0f);
        router.run(read.total(), s -> rows[s] / r, items -> {
            int n = items.length;
            int[] tokenEnd = new int[read.tokens()];
            int[] row = new int[n];
            float[] weight = new float[n * c];
            int[] group = read.groups() == null ? null : new int[n];
            for (int j = 0; j < n; j++) {
                int s = items[j];
                tokenEnd[s / read.perToken()] = j + 1;
                row[j] = rows[s];
                System.arraycopy(read.weights(), s * c, weight, j * c, c);
                if (group != null) {
                    group[j] = read.groups()[s];
                }
            }
            for (int b = 1; b < tokenEnd.length; b++) {
                // a token with no selection here ends where the previous one did (items ascend)
                tokenEnd[b] = Math.max(tokenEnd[b], tokenEnd[b - 1]);
            }
            ShareSum task = new ShareSum(table.mapName(), r, table.width(), c, read.tokens(),
                    read.outWidth(), tokenEnd, row, weight, group);
            wireBytes.addAndGet(task.wireBytes());
            return task;
        }, (items, partial) -> {
            for (int i = 0; i < partial.length; i++) {
                out[i] += partial[i];
            }
        });
    }
}
