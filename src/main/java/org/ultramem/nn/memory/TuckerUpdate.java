package org.ultramem.nn.memory;

/**
 * The online rank-1 approximation of the Tucker cores and the optional Tucker aux loss
 * (spec §A.4, §D.4, §D.5), computed in double.
 *
 * <p>Once per optimizer step, per head: C_sum = Σ_t C_t (r×r), SVD C_sum = U·diag(S)·Vᵀ (one-sided
 * Jacobi, S descending), then (u, v) = sgn·(U[:,0], V[:,0]) with sgn chosen by the continuity rule:
 * pos = |U1 − u_prev|₁ + |V1 − v_prev|₁, neg = |−U1 − u_prev|₁ + |−V1 − v_prev|₁,
 * sgn = sign(neg − pos), and +1 when they are equal (so the first update, from u = v = 0, keeps
 * the raw SVD sign). Flipping both factors together leaves u·vᵀ unchanged.
 *
 * <p>Aux loss (default off): L = α · mean over heads and i ≥ 2 of relu(λ_i − τ)², λ the singular
 * values of C_sum; ∂λ_i/∂C_sum = U[:,i]·V[:,i]ᵀ for distinct singular values, and every core C_t
 * receives the same gradient as C_sum.
 *
 * <p>Layout: cores are {@code float[T][H·r·r]} (row-major r×r per head), u and v are
 * {@code float[H·r]}.
 */
public final class TuckerUpdate {

    private static final int MAX_SWEEPS = 60;

    private TuckerUpdate() {
    }

    /** A singular value decomposition A = U·diag(s)·Vᵀ; columns of u and v are the vectors. */
    public record Svd(double[][] u, double[] s, double[][] v) {
    }

    /**
     * SVD of a square matrix by one-sided Jacobi (Hestenes) rotations in double: accurate to
     * rounding for the small r (≤ 16) used here. Singular values sorted descending; a zero
     * singular value gets the matching unit vector as its left vector.
     */
    public static Svd svd(double[][] a) {
        int r = a.length;
        double[][] w = new double[r][r];
        double[][] v = new double[r][r];
        for (int i = 0; i < r; i++) {
            if (a[i].length != r) {
                throw new IllegalArgumentException("svd needs a square matrix, row " + i + " has "
                        + a[i].length + " entries, expected " + r);
            }
            System.arraycopy(a[i], 0, w[i], 0, r);
            v[i][i] = 1;
        }
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < r - 1; p++) {
                for (int q = p + 1; q < r; q++) {
                    double alpha = 0;
                    double beta = 0;
                    double gamma = 0;
                    for (int i = 0; i < r; i++) {
                        alpha += w[i][p] * w[i][p];
                        beta += w[i][q] * w[i][q];
                        gamma += w[i][p] * w[i][q];
                    }
                    if (gamma == 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) {
                        continue;
                    }
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    rotate(w, p, q, c, s);
                    rotate(v, p, q, c, s);
                }
            }
            if (!rotated) {
                break;
            }
        }
        Integer[] order = new Integer[r];
        double[] norms = new double[r];
        for (int j = 0; j < r; j++) {
            order[j] = j;
            double ss = 0;
            for (int i = 0; i < r; i++) {
                ss += w[i][j] * w[i][j];
            }
            norms[j] = Math.sqrt(ss);
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(norms[y], norms[x]));
        double[][] uOut = new double[r][r];
        double[][] vOut = new double[r][r];
        double[] sOut = new double[r];
        for (int jj = 0; jj < r; jj++) {
            int j = order[jj];
            sOut[jj] = norms[j];
            for (int i = 0; i < r; i++) {
                uOut[i][jj] = norms[j] > 0 ? w[i][j] / norms[j] : (i == jj ? 1 : 0);
                vOut[i][jj] = v[i][j];
            }
        }
        return new Svd(uOut, sOut, vOut);
    }

    private static void rotate(double[][] m, int p, int q, double c, double s) {
        for (double[] row : m) {
            double mp = row[p];
            double mq = row[q];
            row[p] = c * mp - s * mq;
            row[q] = s * mp + c * mq;
        }
    }

    /** C_sum[h] = Σ_t C_t[h] as an r×r double matrix. */
    public static double[][] coreSum(float[][] cores, int h, int r) {
        double[][] m = new double[r][r];
        for (float[] core : cores) {
            for (int i = 0; i < r; i++) {
                for (int j = 0; j < r; j++) {
                    m[i][j] += core[(h * r + i) * r + j];
                }
            }
        }
        return m;
    }

    /**
     * The sign-continuity rule: returns +1 or −1, the sign to apply to (u1, v1) so they stay close
     * to (uPrev, vPrev) read from {@code prevU[off..off+r)}, {@code prevV[off..off+r)}.
     */
    public static int sign(double[] u1, double[] v1, float[] prevU, float[] prevV, int off) {
        double pos = 0;
        double neg = 0;
        for (int i = 0; i < u1.length; i++) {
            pos += Math.abs(u1[i] - prevU[off + i]) + Math.abs(v1[i] - prevV[off + i]);
            neg += Math.abs(-u1[i] - prevU[off + i]) + Math.abs(-v1[i] - prevV[off + i]);
        }
        return neg - pos < 0 ? -1 : 1;
    }

    /** Updates u, v ([H·r]) in place from the cores: the once-per-step refresh of spec §A.4. */
    public static void refresh(float[] u, float[] v, float[][] cores, int heads, int r) {
        for (int h = 0; h < heads; h++) {
            Svd d = svd(coreSum(cores, h, r));
            double[] u1 = new double[r];
            double[] v1 = new double[r];
            for (int i = 0; i < r; i++) {
                u1[i] = d.u()[i][0];
                v1[i] = d.v()[i][0];
            }
            int sgn = sign(u1, v1, u, v, h * r);
            for (int i = 0; i < r; i++) {
                u[h * r + i] = (float) (sgn * u1[i]);
                v[h * r + i] = (float) (sgn * v1[i]);
            }
        }
    }

    /** Singular values of C_sum per head, descending: [H][r]. */
    public static double[][] singularValues(float[][] cores, int heads, int r) {
        double[][] s = new double[heads][];
        for (int h = 0; h < heads; h++) {
            s[h] = svd(coreSum(cores, h, r)).s();
        }
        return s;
    }

    /**
     * The Tucker aux loss α·mean_{h, i≥2} relu(λ_i − τ)² (r ≥ 2). When {@code grads} is non-null,
     * adds {@code gradScale · ∂L/∂C_t} into every {@code grads[t]} (same layout as cores).
     */
    public static double auxLoss(float[][] cores, float[][] grads, int heads, int r, double alpha,
                                 double tau, double gradScale) {
        if (r < 2) {
            throw new IllegalArgumentException("Tucker aux loss needs tucker_rank >= 2, found " + r);
        }
        double norm = alpha / (heads * (double) (r - 1));
        double loss = 0;
        for (int h = 0; h < heads; h++) {
            Svd d = svd(coreSum(cores, h, r));
            for (int i = 1; i < r; i++) {
                double excess = d.s()[i] - tau;
                if (excess <= 0) {
                    continue;
                }
                loss += norm * excess * excess;
                if (grads == null) {
                    continue;
                }
                double g = gradScale * norm * 2 * excess;
                for (float[] grad : grads) {
                    for (int a = 0; a < r; a++) {
                        for (int b = 0; b < r; b++) {
                            grad[(h * r + a) * r + b] += (float) (g * d.u()[a][i] * d.v()[b][i]);
                        }
                    }
                }
            }
        }
        return loss;
    }
}
