package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.io.Bf16;

class SegmentKernelsTest {

    private static final int[] ROWS = {1, 3, 4, 5, 9};
    private static final int[] N = {1, 4, 5, 33};
    private static final int[] K = {1, 15, 16, 17, 33, 257};

    /** W [n, k] at a byte offset of 4 (f32) or 2 (bf16) into a bigger segment; returns it. */
    private static MemorySegment weights(Arena arena, float[] w, boolean bf16, long off) {
        int es = bf16 ? 2 : 4;
        MemorySegment s = arena.allocate(off + (long) w.length * es + 8);
        for (int i = 0; i < w.length; i++) {
            if (bf16) {
                s.set(GemvScalar.BF16, off + 2L * i, Bf16.fromFloat(w[i]));
            } else {
                s.set(GemvScalar.F32, off + 4L * i, w[i]);
            }
        }
        return s;
    }

    @Test
    void vectorMatchesScalarOnAwkwardSizes() {
        SplittableRandom rnd = new SplittableRandom(7);
        try (Arena arena = Arena.ofShared()) {
            for (boolean bf16 : new boolean[] {false, true}) {
                for (int rows : ROWS) {
                    for (int n : N) {
                        for (int k : K) {
                            float[] w = KernelAsserts.random(rnd, n * k);
                            long off = bf16 ? 2 : 4;
                            MemorySegment seg = weights(arena, w, bf16, off);
                            int ldx = k + 3;
                            int ldo = n + 2;
                            float[] x = KernelAsserts.random(rnd, 1 + rows * ldx);
                            float[] ref = new float[1 + rows * ldo];
                            float[] vec = new float[ref.length];
                            float[] par = new float[ref.length];
                            SegmentKernels.matmulTScalar(ref, 1, ldo, x, 1, ldx, rows, seg, off,
                                    bf16, n, k);
                            if (SegmentKernels.vectorized()) {
                                SegmentKernels.matmulTVector(vec, 1, ldo, x, 1, ldx, rows, seg, off,
                                        bf16, n, k);
                            } else {
                                System.arraycopy(ref, 0, vec, 0, ref.length);
                            }
                            Parallel.withThreads(2, () -> SegmentKernels.matmulT(par, 1, ldo, x, 1,
                                    ldx, rows, seg, off, bf16, n, k));
                            String what = (bf16 ? "bf16" : "f32") + " rows " + rows + " n " + n
                                    + " k " + k;
                            for (int r = 0; r < rows; r++) {
                                for (int j = 0; j < n; j++) {
                                    int o = 1 + r * ldo + j;
                                    double tol = 1e-5 * (k + 1);
                                    assertEquals(ref[o], vec[o], tol, what + " vector @" + o);
                                    assertEquals(ref[o], par[o], tol, what + " parallel @" + o);
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void scalarMatchesDoublePrecisionReference() {
        SplittableRandom rnd = new SplittableRandom(3);
        try (Arena arena = Arena.ofShared()) {
            int rows = 3;
            int n = 5;
            int k = 19;
            float[] w = KernelAsserts.random(rnd, n * k);
            float[] x = KernelAsserts.random(rnd, rows * k);
            MemorySegment seg = weights(arena, w, false, 0);
            float[] out = new float[rows * n];
            SegmentKernels.matmulTScalar(out, 0, n, x, 0, k, rows, seg, 0, false, n, k);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    double acc = 0;
                    for (int i = 0; i < k; i++) {
                        acc += (double) x[r * k + i] * w[j * k + i];
                    }
                    assertEquals(acc, out[r * n + j], 1e-5);
                }
            }
        }
    }

    @Test
    void readRowWidensBf16Exactly() {
        SplittableRandom rnd = new SplittableRandom(5);
        try (Arena arena = Arena.ofShared()) {
            for (int n : K) {
                float[] w = KernelAsserts.random(rnd, 2 * n);
                MemorySegment seg = weights(arena, w, true, 2);
                float[] a = new float[n + 1];
                float[] b = new float[n + 1];
                SegmentKernels.readRow(a, 1, seg, 2 + 2L * n, true, n);
                SegmentKernels.readRowScalar(b, 1, seg, 2 + 2L * n, true, n);
                for (int i = 0; i < n; i++) {
                    assertEquals(Bf16.toFloat(Bf16.fromFloat(w[n + i])), a[1 + i], 0.0);
                    assertEquals(b[1 + i], a[1 + i], 0.0);
                }
            }
        }
    }

    @Test
    void rejectsASegmentTooSmallForTheMatrix() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate(16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SegmentKernels.matmulT(new float[4], 0, 2, new float[8], 0, 4, 2, seg,
                            0, false, 2, 4));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("needs 32 bytes"),
                    e.getMessage());
        }
    }
}
