package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ultramem.io.Bf16;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * {@link DenseBlockDecoder#applyAll} (q/k/v or gate/up in one parallel region, in 32-column
 * slices) gives the bits of one {@link Matrix#apply} per matrix, for both kernel twins, fp32 and
 * bf16, on 1..3 threads, with matrix sizes that are not multiples of the slice or of the 4-row
 * tile (edge columns take the single-dot path) and k with a tail; 9 rows take the batched path.
 */
class DenseBlockDecoderTest {

    private static final int K = 45;
    private static final int[] SIZES = {70, 36, 3};

    @ParameterizedTest
    @CsvSource({"1, false", "3, false", "1, true", "3, true", "9, false", "9, true"})
    void applyAllEqualsOneApplyPerMatrixBitForBit(int rows, boolean bf16) {
        try (Arena arena = Arena.ofShared()) {
            Matrix[] ms = new Matrix[SIZES.length];
            for (int m = 0; m < ms.length; m++) {
                ms[m] = random(arena, "w" + m, SIZES[m], K, bf16, 7 + m);
            }
            float[] x = new float[rows * K];
            SplittableRandom rnd = new SplittableRandom(rows);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
            }
            for (Kernels kern : new Kernels[] {KernelProvider.scalar(), KernelProvider.vector()}) {
                float[][] expected = new float[ms.length][];
                for (int m = 0; m < ms.length; m++) {
                    expected[m] = new float[rows * SIZES[m]];
                    ms[m].apply(kern, expected[m], x, rows);
                }
                for (int threads = 1; threads <= 3; threads++) {
                    for (boolean withTask : new boolean[] {false, true}) {
                        float[][] outs = new float[ms.length][];
                        for (int m = 0; m < ms.length; m++) {
                            outs[m] = new float[rows * SIZES[m]];
                        }
                        AtomicInteger runs = new AtomicInteger();
                        Runnable alongside = withTask ? runs::incrementAndGet : null;
                        Parallel.withThreads(threads, () -> DenseBlockDecoder.applyAll(kern, x,
                                rows, ms, outs, alongside));
                        String what = threads + " threads, rows " + rows + ", bf16 " + bf16
                                + ", task alongside " + withTask;
                        for (int m = 0; m < ms.length; m++) {
                            assertArrayEquals(expected[m], outs[m], "matrix " + m + ", " + what);
                        }
                        assertEquals(withTask ? 1 : 0, runs.get(), "task runs once: " + what);
                    }
                }
            }
        }
    }

    @Test
    void applyAllRejectsMatricesWithDifferentInputs() {
        try (Arena arena = Arena.ofShared()) {
            Matrix[] ms = {random(arena, "a", 4, K, false, 1), random(arena, "b", 4, K + 1, false, 2)};
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> DenseBlockDecoder.applyAll(KernelProvider.scalar(), new float[K + 1], 1,
                            ms, new float[][] {new float[4], new float[4]}, null));
            assertTrue(e.getMessage().contains("`b`"), e.getMessage());
        }
    }

    private static Matrix random(Arena arena, String name, int rows, int cols, boolean bf16,
                                 long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long n = (long) rows * cols;
        MemorySegment seg = arena.allocate(n * (bf16 ? 2 : 4), 64);
        for (long i = 0; i < n; i++) {
            float v = (float) rnd.nextGaussian();
            if (bf16) {
                seg.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        i, Bf16.fromFloat(v));
            } else {
                seg.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                        i, v);
            }
        }
        return new Matrix(name, seg, rows, cols, bf16);
    }
}
