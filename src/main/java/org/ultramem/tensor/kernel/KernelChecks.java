package org.ultramem.tensor.kernel;

/**
 * Argument checks shared by both {@link Kernels} implementations, so the scalar reference and the
 * vector kernels reject exactly the same inputs with the same message (what, value, rule, fix).
 */
final class KernelChecks {

    private KernelChecks() {
    }

    static void nonNegative(String what, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(what + " (" + value + ") must be >= 0");
        }
    }

    /** Checks that {@code buf[off .. off+len)} lies inside the buffer. */
    static void range(String what, float[] buf, int off, long len) {
        if (off < 0 || len < 0 || off + len > buf.length) {
            throw new IllegalArgumentException(what + ": range [" + off + ", " + (off + len)
                    + ") lies outside its buffer of length " + buf.length
                    + "; pass a larger buffer or a smaller offset/size");
        }
    }

    /** Checks one matmul operand stored as {@code rows} rows of leading dimension {@code ld}. */
    static void matrix(String what, float[] buf, int off, int rows, int cols, int ld) {
        if (ld < cols) {
            throw new IllegalArgumentException("leading dimension of " + what + " (" + ld
                    + ") must be >= its stored row width (" + cols + ")");
        }
        if (rows > 0 && cols > 0) {
            range(what, buf, off, (long) (rows - 1) * ld + cols);
        } else if (off < 0) {
            throw new IllegalArgumentException(what + " offset (" + off + ") must be >= 0");
        }
    }

    static void matmul(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff,
                       int lda, float[] b, int bOff, int ldb, float[] c, int cOff, int ldc) {
        nonNegative("matmul m", m);
        nonNegative("matmul n", n);
        nonNegative("matmul k", k);
        if (transA) {
            matrix("matmul A (stored [k][lda], transA)", a, aOff, k, m, lda);
        } else {
            matrix("matmul A (stored [m][lda])", a, aOff, m, k, lda);
        }
        if (transB) {
            matrix("matmul B (stored [n][ldb], transB)", b, bOff, n, k, ldb);
        } else {
            matrix("matmul B (stored [k][ldb])", b, bOff, k, n, ldb);
        }
        matrix("matmul C (stored [m][ldc])", c, cOff, m, n, ldc);
    }

    static void attention(float[] probs, float[] q, float[] k, float[] v, float[] out,
                          int batch, int seq, int heads, int headDim) {
        nonNegative("attention batch", batch);
        nonNegative("attention seq", seq);
        nonNegative("attention heads", heads);
        nonNegative("attention headDim", headDim);
        long act = (long) batch * seq * heads * headDim;
        range("attention q [batch·seq, heads·headDim]", q, 0, act);
        range("attention k [batch·seq, heads·headDim]", k, 0, act);
        range("attention v [batch·seq, heads·headDim]", v, 0, act);
        range("attention out/dOut [batch·seq, heads·headDim]", out, 0, act);
        range("attention probs [batch, heads, seq, seq]", probs, 0,
                (long) batch * heads * seq * seq);
    }

    static void rows(String what, float[] buf, int rows, int dim) {
        nonNegative(what + " rows", rows);
        nonNegative(what + " dim", dim);
        range(what, buf, 0, (long) rows * dim);
    }

    static void ids(String what, int[] ids, int count, int tableRows) {
        if (count > ids.length) {
            throw new IllegalArgumentException(what + " count (" + count + ") exceeds ids length ("
                    + ids.length + ")");
        }
        for (int t = 0; t < count; t++) {
            int id = ids[t];
            if (id < 0 || id >= tableRows) {
                throw new IllegalArgumentException(what + " id at position " + t + " (" + id
                        + ") must be in [0, " + tableRows
                        + "); check the tokenizer vocabulary size");
            }
        }
    }

    static void targets(int[] targets, int rows, int vocab) {
        if (rows > targets.length) {
            throw new IllegalArgumentException("cross-entropy rows (" + rows
                    + ") exceed targets length (" + targets.length + ")");
        }
        for (int r = 0; r < rows; r++) {
            if (targets[r] >= vocab) {
                throw new IllegalArgumentException("cross-entropy target at row " + r
                        + " (" + targets[r] + ") must be < vocab (" + vocab
                        + ") or negative to ignore the row");
            }
        }
    }
}
