package org.ultramem.bench;

import java.util.concurrent.atomic.AtomicLong;
import org.ultramem.infer.Matrix;
import org.ultramem.infer.ValueStore;
import org.ultramem.infer.ValueStores;
import org.ultramem.infer.WeightedRead;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Value stores that pass every call through and measure the table reads of a decode step: the
 * time spent inside the stores (locally: copying the distinct rows; {@code read: rows}: fetching
 * them from the owners; {@code read: sums}: the owners' weighted sums, round trip included; the
 * local pooling of the first two is outside) and, for each read summed at the store, the issue's
 * bound on the read path's bytes, owners × B × E·D_v × 4 × 1.5.
 */
final class TimedValueStores implements ValueStores {

    private final ValueStores inner;
    private final int owners;
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong boundBytes = new AtomicLong();

    /** Around {@code inner}, whose tables are held by {@code owners} members (0: local). */
    TimedValueStores(ValueStores inner, int owners) {
        this.inner = inner;
        this.owners = owners;
    }

    /** Nanoseconds spent in the stores' reads so far. */
    long nanos() {
        return nanos.get();
    }

    /** The bound on the bytes of the reads summed at the stores so far. */
    long boundBytes() {
        return boundBytes.get();
    }

    @Override
    public ValueStore open(Matrix table) {
        ValueStore s = inner.open(table);
        return new ValueStore() {
            @Override
            public String name() {
                return s.name();
            }

            @Override
            public int rows() {
                return s.rows();
            }

            @Override
            public int width() {
                return s.width();
            }

            @Override
            public long rowBytes() {
                return s.rowBytes();
            }

            @Override
            public void readRows(Kernels kern, float[] dst, int[] rowIds, int count) {
                long t0 = System.nanoTime();
                s.readRows(kern, dst, rowIds, count);
                nanos.addAndGet(System.nanoTime() - t0);
            }

            @Override
            public boolean sumsAtStore() {
                return s.sumsAtStore();
            }

            @Override
            public void weightedSums(float[] out, WeightedRead read) {
                long t0 = System.nanoTime();
                s.weightedSums(out, read);
                nanos.addAndGet(System.nanoTime() - t0);
                boundBytes.addAndGet((long) owners * read.tokens() * read.outWidth() * 4 * 3 / 2);
            }

            @Override
            public void close() {
                s.close();
            }
        };
    }
}
