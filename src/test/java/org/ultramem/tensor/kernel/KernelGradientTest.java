package org.ultramem.tensor.kernel;

import static org.ultramem.tensor.kernel.KernelAsserts.random;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ultramem.testing.GradCheck;

/**
 * Finite-difference checks of every backward kernel, for both implementations. Each uses the
 * scalar loss L = Σ out ⊙ R with a fixed random R, so dOut = R.
 */
class KernelGradientTest {

    /**
     * These losses are smooth, so a wider step (truncation error ~eps²) beats the float rounding
     * of the forward (~1e-7·|L| / eps) that made eps = 1e-3 fail on gradients near 1e-3.
     */
    private static final GradCheck.Options SMOOTH = GradCheck.Options.defaults().withEps(1e-2);

    static Stream<Kernels> kernels() {
        return Stream.of(KernelProvider.scalar(), new VectorKernels());
    }

    private static double weighted(float[] out, float[] r) {
        double s = 0;
        for (int i = 0; i < out.length; i++) {
            s += (double) out[i] * r[i];
        }
        return s;
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void rmsNormBackwardMatchesFiniteDifferences(Kernels k) {
        SplittableRandom rnd = new SplittableRandom(1);
        int rows = 3;
        int dim = 19;
        float[] x = random(rnd, rows * dim);
        float[] w = random(rnd, dim);
        float[] r = random(rnd, rows * dim);
        float[] out = new float[rows * dim];
        float[] rstd = new float[rows];
        k.rmsNormForward(out, rstd, x, w, rows, dim, 1e-5f);
        float[] dx = new float[rows * dim];
        float[] dw = new float[dim];
        k.rmsNormBackward(dx, dw, r, x, w, rstd, rows, dim);
        java.util.function.DoubleSupplier loss = () -> {
            float[] o = new float[rows * dim];
            k.rmsNormForward(o, new float[rows], x, w, rows, dim, 1e-5f);
            return weighted(o, r);
        };
        GradCheck.check("rmsNorm x", x, dx, loss, SMOOTH);
        GradCheck.check("rmsNorm weight", w, dw, loss, SMOOTH);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void causalAttentionBackwardMatchesFiniteDifferences(Kernels k) {
        SplittableRandom rnd = new SplittableRandom(2);
        int batch = 2;
        int seq = 5;
        int heads = 2;
        int hd = 4;
        int act = batch * seq * heads * hd;
        float[] q = random(rnd, act);
        float[] kk = random(rnd, act);
        float[] v = random(rnd, act);
        float[] r = random(rnd, act);
        float[] out = new float[act];
        float[] probs = new float[batch * heads * seq * seq];
        k.causalAttentionForward(out, probs, q, kk, v, batch, seq, heads, hd);
        float[] dq = new float[act];
        float[] dk = new float[act];
        float[] dv = new float[act];
        k.causalAttentionBackward(dq, dk, dv, r, probs, q, kk, v, batch, seq, heads, hd);
        java.util.function.DoubleSupplier loss = () -> {
            float[] o = new float[act];
            k.causalAttentionForward(o, new float[probs.length], q, kk, v, batch, seq, heads, hd);
            return weighted(o, r);
        };
        GradCheck.Options opts = SMOOTH.withMaxEntries(80);
        GradCheck.check("attention q", q, dq, loss, opts);
        GradCheck.check("attention k", kk, dk, loss, opts);
        GradCheck.check("attention v", v, dv, loss, opts);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void swigluBackwardMatchesFiniteDifferences(Kernels k) {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 37;
        float[] gate = random(rnd, n);
        for (int i = 0; i < n; i++) {
            gate[i] *= 4f;
        }
        float[] up = random(rnd, n);
        float[] r = random(rnd, n);
        float[] dGate = new float[n];
        float[] dUp = new float[n];
        k.swigluBackward(dGate, dUp, r, gate, up, n);
        java.util.function.DoubleSupplier loss = () -> {
            float[] o = new float[n];
            k.swigluForward(o, gate, up, n);
            return weighted(o, r);
        };
        GradCheck.check("swiglu gate", gate, dGate, loss, SMOOTH);
        GradCheck.check("swiglu up", up, dUp, loss, SMOOTH);
    }

    @ParameterizedTest
    @MethodSource("kernels")
    void crossEntropyGradientMatchesFiniteDifferences(Kernels k) {
        SplittableRandom rnd = new SplittableRandom(4);
        int rows = 3;
        int vocab = 37;
        float[] logits = random(rnd, rows * vocab);
        for (int i = 0; i < logits.length; i++) {
            logits[i] *= 3f;
        }
        int[] targets = {5, -1, 36};
        float[] grad = logits.clone();
        k.crossEntropyForwardBackward(grad, targets, rows, vocab, 1f);
        GradCheck.check("crossEntropy logits", logits, grad,
                () -> k.crossEntropyLoss(logits, targets, rows, vocab),
                SMOOTH.withMaxEntries(rows * vocab));
    }
}
