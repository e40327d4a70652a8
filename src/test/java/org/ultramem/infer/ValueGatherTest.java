package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/** The value-store seam: the local weighted read and the hand-off to a store that sums itself. */
class ValueGatherTest {

    private static final Kernels KERN = KernelProvider.get();

    private static Matrix table(int rows, int width, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        MemorySegment seg = Arena.ofAuto().allocate((long) rows * width * Float.BYTES, 64);
        for (long i = 0; i < (long) rows * width; i++) {
            seg.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
        }
        return new Matrix("t.values", seg, rows, width, false);
    }

    /** 3 tokens × 5 selections, 2 chunks, 2 output blocks; rows repeat. */
    private static WeightedRead read() {
        int[] rows = {4, 9, 4, 0, 31, 7, 7, 7, 2, 30, 1, 9, 4, 18, 5};
        float[] w = new float[rows.length * 2];
        int[] groups = new int[rows.length];
        SplittableRandom rnd = new SplittableRandom(3);
        for (int s = 0; s < rows.length; s++) {
            w[2 * s] = (float) rnd.nextGaussian();
            w[2 * s + 1] = (float) rnd.nextGaussian();
            groups[s] = s % 2;
        }
        return new WeightedRead(3, 5, rows, w, 2, groups, 2 * 8);
    }

    @Test
    void localWeightedSumsAreTheSelectionOrderSumsOfTheRows() {
        Matrix m = table(32, 8, 1);
        WeightedRead r = read();
        float[] got = new float[3 * 16];
        int distinct = new ValueGather(new LocalValueStore(m), KERN).weightedSums(got, r);
        assertEquals(10, distinct);
        float[] want = new float[3 * 16];
        float[] row = new float[8];
        for (int s = 0; s < r.total(); s++) {
            m.readRow(KERN, row, 0, r.rows()[s]);
            int off = s / 5 * 16 + r.groups()[s] * 8;
            for (int t = 0; t < 2; t++) {
                KERN.axpy(want, off + 4 * t, r.weights()[2 * s + t], row, 4 * t, 4);
            }
        }
        assertArrayEquals(want, got);
    }

    @Test
    void aStoreThatSumsWhereTheRowsLiveGetsTheWholeRead() {
        Matrix m = table(32, 8, 2);
        WeightedRead r = read();
        float[] local = new float[3 * 16];
        new ValueGather(new LocalValueStore(m), KERN).weightedSums(local, r);
        LocalValueStore rows = new LocalValueStore(m);
        ValueStore remote = new ValueStore() {
            public String name() {
                return rows.name();
            }

            public int rows() {
                return rows.rows();
            }

            public int width() {
                return rows.width();
            }

            public long rowBytes() {
                return rows.rowBytes();
            }

            public void readRows(Kernels kern, float[] dst, int[] ids, int count) {
                throw new AssertionError("a summing store is not asked for rows");
            }

            @Override
            public boolean sumsAtStore() {
                return true;
            }

            @Override
            public void weightedSums(float[] out, WeightedRead read) {
                new ValueGather(rows, KERN).weightedSums(out, read);
            }
        };
        float[] got = new float[3 * 16];
        assertEquals(10, new ValueGather(remote, KERN).weightedSums(got, r));
        assertArrayEquals(local, got);
    }

    /** A store that gathers rows like the local one but is not a {@link LocalValueStore}. */
    static ValueStore gathering(Matrix m) {
        LocalValueStore rows = new LocalValueStore(m);
        return new ValueStore() {
            public String name() {
                return rows.name();
            }

            public int rows() {
                return rows.rows();
            }

            public int width() {
                return rows.width();
            }

            public long rowBytes() {
                return rows.rowBytes();
            }

            public void readRows(Kernels kern, float[] dst, int[] ids, int count) {
                rows.readRows(kern, dst, ids, count);
            }
        };
    }

    /** Width 8 in 2 chunks (the axpy loop) and 64 in 2 (per-block sums, chunks of 32). */
    @ParameterizedTest
    @ValueSource(ints = {8, 64})
    void pooledStraightFromTheLocalTableEqualsTheGatheredSumsBitForBit(int width) {
        for (Kernels kern : new Kernels[] {KernelProvider.scalar(), KernelProvider.vector()}) {
            for (boolean bf16 : new boolean[] {false, true}) {
                Matrix f32 = table(32, width, 5);
                MemoryWeightStore store = new MemoryWeightStore();
                store.putF32(f32.name(), f32.data().toArray(ValueLayout.JAVA_FLOAT), 32, width);
                Matrix m = bf16 ? Matrix.load(store, f32.name(), 32, width, Precision.BF16,
                        Arena.ofAuto()) : f32;
                WeightedRead base = read();
                WeightedRead r = new WeightedRead(3, 5, base.rows(), base.weights(), 2,
                        base.groups(), 2 * width);
                float[] gathered = new float[3 * 2 * width];
                new ValueGather(gathering(m), kern).weightedSums(gathered, r);
                ValueGather local = new ValueGather(new LocalValueStore(m), kern);
                assertSame(m, local.localTable());
                float[] direct = new float[gathered.length];
                java.util.Arrays.fill(direct, Float.NaN);  // every output is written
                int[] localRow = new int[15];
                for (int s = 0; s < 15; s++) {
                    localRow[s] = s % 5;
                }
                for (int b = 0; b < 3; b++) {
                    r.poolTokenFrom(kern, direct, b, local.localTable(), new float[5 * width],
                            localRow, new int[5]);
                }
                assertArrayEquals(gathered, direct, kern + " bf16 " + bf16);
            }
        }
    }

    @Test
    void onlyALocalStoreWithoutCompanionIsPooledStraightFromItsTable() {
        Matrix m = table(32, 8, 6);
        assertNull(new ValueGather(gathering(m), KERN).localTable());
        assertNull(new ValueGather(new LocalValueStore(m), new LocalValueStore(m), KERN)
                .localTable());
    }
}
