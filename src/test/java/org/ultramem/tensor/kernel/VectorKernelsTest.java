package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ultramem.tensor.kernel.KernelAsserts.AWKWARD;
import static org.ultramem.tensor.kernel.KernelAsserts.assertClose;
import static org.ultramem.tensor.kernel.KernelAsserts.random;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Every {@link VectorKernels} method against {@link ScalarKernels} over sizes that straddle the
 * vector width and the 4-vector bodies at 256 and 512 bits (0, 1, 15, 16, 17, 31, 33, 63, 64, 65,
 * 255, 256, 257, 4097), with nonzero offsets where the method takes one; the pom runs it at both
 * widths. Tolerances are relative, scaled by the magnitudes summed.
 */
class VectorKernelsTest {

    private static final Kernels SCALAR = KernelProvider.scalar();
    private static final Kernels VECTOR = KernelProvider.vector();
    private static final int[] SIZES = {0, 1, 15, 16, 17, 31, 33, 63, 64, 65, 255, 256, 257, 4097};

    @Test
    void dotMatchesScalarOnAwkwardSizes() {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int n : SIZES) {
            for (int off : new int[] {0, 3}) {
                float[] a = random(rnd, n + off + 2);
                float[] b = random(rnd, n + off + 5);
                float expected = SCALAR.dot(a, off, b, off + 1, n);
                float scale = SCALAR.dot(KernelAsserts.abs(a), off, KernelAsserts.abs(b), off + 1,
                        n);
                assertClose("dot n=" + n, new float[] {expected}, new float[] {VECTOR.dot(a, off, b,
                        off + 1, n)}, new float[] {scale}, 1e-5);
            }
        }
    }

    @Test
    void axpyScaleAddMatchScalarOnAwkwardSizes() {
        SplittableRandom rnd = new SplittableRandom(2);
        for (int n : SIZES) {
            float[] x = random(rnd, n + 4);
            float[] y = random(rnd, n + 4);
            float[] ys = y.clone();
            float[] yv = y.clone();
            SCALAR.axpy(ys, 3, 0.7f, x, 1, n);
            VECTOR.axpy(yv, 3, 0.7f, x, 1, n);
            assertClose("axpy n=" + n, ys, yv, filled(n + 4, 1f), 1e-6);
            SCALAR.scale(ys, 2, -1.3f, n);
            VECTOR.scale(yv, 2, -1.3f, n);
            assertClose("scale n=" + n, ys, yv, filled(n + 4, 1f), 2e-6);
            float[] os = new float[n + 4];
            float[] ov = new float[n + 4];
            SCALAR.add(os, x, y, n);
            VECTOR.add(ov, x, y, n);
            assertArrayEquals(os, ov, "add n=" + n);
            VECTOR.add(x, x, y, n);
            for (int i = 0; i < n; i++) {
                assertEquals(os[i], x[i], "add aliasing out == a at " + i);
            }
        }
    }

    @Test
    void sumOfSquaresMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (int n : SIZES) {
            float[] x = random(rnd, n + 2);
            assertClose("sumOfSquares n=" + n, SCALAR.sumOfSquares(x, 2, n), VECTOR.sumOfSquares(x,
                    2, n), 1e-6);
        }
    }

    @Test
    void rmsNormForwardAndBackwardMatchScalar() {
        SplittableRandom rnd = new SplittableRandom(4);
        for (int dim : AWKWARD) {
            int rows = 3;
            float[] x = random(rnd, rows * dim);
            float[] w = random(rnd, dim);
            float[] outS = new float[rows * dim];
            float[] outV = new float[rows * dim];
            float[] rstdS = new float[rows];
            float[] rstdV = new float[rows];
            SCALAR.rmsNormForward(outS, rstdS, x, w, rows, dim, 1e-5f);
            VECTOR.rmsNormForward(outV, rstdV, x, w, rows, dim, 1e-5f);
            assertClose("rmsNorm out dim=" + dim, outS, outV, null, 1e-5);
            assertClose("rmsNorm rstd dim=" + dim, rstdS, rstdV, null, 1e-5);
            float[] dOut = random(rnd, rows * dim);
            float[] dxS = random(rnd, rows * dim);
            float[] dxV = dxS.clone();
            float[] dwS = random(rnd, dim);
            float[] dwV = dwS.clone();
            SCALAR.rmsNormBackward(dxS, dwS, dOut, x, w, rstdS, rows, dim);
            VECTOR.rmsNormBackward(dxV, dwV, dOut, x, w, rstdS, rows, dim);
            assertClose("rmsNorm dx dim=" + dim, dxS, dxV, filled(dxS.length, 5f), 1e-5);
            assertClose("rmsNorm dWeight dim=" + dim, dwS, dwV, filled(dim, 5f), 1e-5);
        }
    }

    @Test
    void softmaxRowsMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(5);
        for (int cols : SIZES) {
            float[] x = random(rnd, 2 + 3 * cols);
            for (int i = 0; i < x.length; i++) {
                x[i] *= 20f;
            }
            float[] xs = x.clone();
            float[] xv = x.clone();
            SCALAR.softmaxRows(xs, 2, 3, cols);
            VECTOR.softmaxRows(xv, 2, 3, cols);
            assertClose("softmax cols=" + cols, xs, xv, filled(xs.length, 1e-3f), 1e-5);
        }
    }

    @Test
    void crossEntropyMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(6);
        for (int vocab : AWKWARD) {
            int rows = 4;
            float[] logits = random(rnd, rows * vocab);
            int[] targets = {0, vocab - 1, -1, vocab / 2};
            assertClose("crossEntropyLoss vocab=" + vocab, SCALAR.crossEntropyLoss(logits, targets,
                    rows, vocab), VECTOR.crossEntropyLoss(logits, targets, rows, vocab), 1e-5);
            float[] gs = logits.clone();
            float[] gv = logits.clone();
            double ls = SCALAR.crossEntropyForwardBackward(gs, targets, rows, vocab, 0.25f);
            double lv = VECTOR.crossEntropyForwardBackward(gv, targets, rows, vocab, 0.25f);
            assertClose("crossEntropy loss vocab=" + vocab, ls, lv, 1e-5);
            assertClose("crossEntropy grad vocab=" + vocab, gs, gv, filled(gs.length, 1e-3f), 1e-5);
        }
    }

    @Test
    void ropeMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(7);
        for (int headDim : new int[] {2, 16, 34, 64}) {
            int tokens = 5;
            int heads = 3;
            float[] x = random(rnd, tokens * heads * headDim);
            int[] pos = {0, 1, 7, 100, 4095};
            float[] xs = x.clone();
            float[] xv = x.clone();
            SCALAR.rope(xs, tokens, heads, headDim, pos, 10000f, false);
            VECTOR.rope(xv, tokens, heads, headDim, pos, 10000f, false);
            assertArrayEquals(xs, xv, "rope headDim=" + headDim);
        }
    }

    @Test
    void attentionForwardAndBackwardMatchScalar() {
        SplittableRandom rnd = new SplittableRandom(8);
        // seq 130 spans three causal blocks of VectorAttention.BLOCK (48) with a partial last one.
        int[][] shapes = {{1, 1, 1, 1}, {2, 17, 3, 16}, {1, 33, 2, 15}, {2, 40, 2, 32},
            {1, 130, 2, 16}};
        for (int[] s : shapes) {
            int batch = s[0];
            int seq = s[1];
            int heads = s[2];
            int headDim = s[3];
            int act = batch * seq * heads * headDim;
            float[] q = random(rnd, act);
            float[] k = random(rnd, act);
            float[] v = random(rnd, act);
            float[] outS = new float[act];
            float[] outV = new float[act];
            float[] pS = new float[batch * heads * seq * seq];
            float[] pV = random(rnd, pS.length);
            String name = "attention " + java.util.Arrays.toString(s);
            SCALAR.causalAttentionForward(outS, pS, q, k, v, batch, seq, heads, headDim);
            VECTOR.causalAttentionForward(outV, pV, q, k, v, batch, seq, heads, headDim);
            assertClose(name + " probs", pS, pV, filled(pS.length, 1e-2f), 1e-4);
            assertClose(name + " out", outS, outV, filled(act, 1f), 1e-5);
            float[] dOut = random(rnd, act);
            float[][] gS = {random(rnd, act), random(rnd, act), random(rnd, act)};
            float[][] gV = {gS[0].clone(), gS[1].clone(), gS[2].clone()};
            SCALAR.causalAttentionBackward(gS[0], gS[1], gS[2], dOut, pS, q, k, v, batch, seq,
                    heads, headDim);
            VECTOR.causalAttentionBackward(gV[0], gV[1], gV[2], dOut, pS, q, k, v, batch, seq,
                    heads, headDim);
            String[] names = {"dq", "dk", "dv"};
            for (int g = 0; g < 3; g++) {
                assertClose(name + " " + names[g], gS[g], gV[g], filled(act, 2f), 1e-5);
            }
        }
    }

    @Test
    void swigluMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(9);
        for (int n : SIZES) {
            float[] gate = random(rnd, n);
            for (int i = 0; i < n; i++) {
                gate[i] *= 8f;
            }
            float[] up = random(rnd, n);
            float[] outS = new float[n];
            float[] outV = new float[n];
            SCALAR.swigluForward(outS, gate, up, n);
            VECTOR.swigluForward(outV, gate, up, n);
            assertClose("swiglu out n=" + n, outS, outV, filled(n, 1e-3f), 1e-5);
            float[] dOut = random(rnd, n);
            float[] dgS = random(rnd, n);
            float[] dgV = dgS.clone();
            float[] duS = random(rnd, n);
            float[] duV = duS.clone();
            SCALAR.swigluBackward(dgS, duS, dOut, gate, up, n);
            VECTOR.swigluBackward(dgV, duV, dOut, gate, up, n);
            assertClose("swiglu dGate n=" + n, dgS, dgV, filled(n, 1f), 1e-5);
            assertClose("swiglu dUp n=" + n, duS, duV, filled(n, 1f), 1e-5);
        }
    }

    /**
     * SwiGLU splits [0, n) over the threads in blocks of {@link VectorKernels#ELEMENT_BLOCK}: at
     * sizes that split, with a ragged tail, two threads give the one-thread bits and the scalar
     * twin's values.
     */
    @Test
    void swigluSplitOverThreadsKeepsTheBits() {
        SplittableRandom rnd = new SplittableRandom(19);
        int block = VectorKernels.ELEMENT_BLOCK;
        for (int n : new int[] {2 * VectorKernels.ELEMENT_BLOCKS_PER_TASK * block + 1,
                37 * block + 5, 100_003}) {
            float[] gate = random(rnd, n);
            float[] up = random(rnd, n);
            float[] dOut = random(rnd, n);
            float[] dg0 = random(rnd, n);
            float[] du0 = random(rnd, n);
            float[][] out = new float[2][n];
            float[][] dg = {dg0.clone(), dg0.clone()};
            float[][] du = {du0.clone(), du0.clone()};
            for (int t = 0; t < 2; t++) {
                int i = t;
                Parallel.withThreads(t + 1, () -> {
                    VECTOR.swigluForward(out[i], gate, up, n);
                    VECTOR.swigluBackward(dg[i], du[i], dOut, gate, up, n);
                });
            }
            assertArrayEquals(out[0], out[1], "swiglu out n=" + n);
            assertArrayEquals(dg[0], dg[1], "swiglu dGate n=" + n);
            assertArrayEquals(du[0], du[1], "swiglu dUp n=" + n);
            float[] outS = new float[n];
            SCALAR.swigluForward(outS, gate, up, n);
            assertClose("swiglu out n=" + n, outS, out[1], filled(n, 1e-3f), 1e-5);
            float[] dgS = dg0.clone();
            float[] duS = du0.clone();
            SCALAR.swigluBackward(dgS, duS, dOut, gate, up, n);
            assertClose("swiglu dGate n=" + n, dgS, dg[1], filled(n, 1f), 1e-5);
            assertClose("swiglu dUp n=" + n, duS, du[1], filled(n, 1f), 1e-5);
        }
    }

    @Test
    void gatherAndScatterMatchScalar() {
        SplittableRandom rnd = new SplittableRandom(10);
        for (int dim : AWKWARD) {
            int rows = 7;
            float[] table = random(rnd, rows * dim);
            int[] ids = {3, 0, 6, 3, 3, 1};
            float[] outS = new float[ids.length * dim];
            float[] outV = new float[ids.length * dim];
            SCALAR.gatherRows(outS, table, ids, ids.length, dim);
            VECTOR.gatherRows(outV, table, ids, ids.length, dim);
            assertArrayEquals(outS, outV, "gatherRows dim=" + dim);
            float[] dTableS = table.clone();
            float[] dTableV = table.clone();
            SCALAR.scatterAddRows(dTableS, outS, ids, ids.length, dim);
            VECTOR.scatterAddRows(dTableV, outS, ids, ids.length, dim);
            assertArrayEquals(dTableS, dTableV, "scatterAddRows dim=" + dim);
        }
    }

    @Test
    void adamwMatchesScalar() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int n : SIZES) {
            float[] p = random(rnd, n + 3);
            float[] g = random(rnd, n + 3);
            float[] m = random(rnd, n + 3);
            float[] v = KernelAsserts.abs(random(rnd, n + 3));
            float[][] s = {p.clone(), m.clone(), v.clone()};
            float[][] x = {p.clone(), m.clone(), v.clone()};
            SCALAR.adamw(s[0], g, s[1], s[2], 3, n, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.19f,
                    0.0975f);
            VECTOR.adamw(x[0], g, x[1], x[2], 3, n, 1e-2f, 0.9f, 0.95f, 1e-8f, 0.1f, 0.19f,
                    0.0975f);
            assertClose("adamw param n=" + n, s[0], x[0], filled(n + 3, 1e-2f), 1e-5);
            assertClose("adamw m n=" + n, s[1], x[1], null, 1e-6);
            assertClose("adamw v n=" + n, s[2], x[2], null, 1e-6);
        }
    }

    @Test
    void badIdsAndTargetsNameTheProblem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> VECTOR.gatherRows(new float[4], new float[8], new int[] {1, 4}, 2, 2));
        assertTrue(e.getMessage().contains("gatherRows id at position 1 (4)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SCALAR.crossEntropyLoss(new float[6], new int[] {0, 3}, 2, 3));
        assertTrue(e.getMessage().contains("target at row 1 (3) must be < vocab (3)"),
                e.getMessage());
    }

    private static float[] filled(int n, float value) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, value);
        return x;
    }
}
