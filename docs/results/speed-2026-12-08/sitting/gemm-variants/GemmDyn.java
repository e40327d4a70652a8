package org.ultramem.tensor.kernel;
import java.util.*;
/** In-JVM interleaved static row halves vs claimed row pieces, 2 threads (probe). */
public class GemmDyn {
    public static void main(String[] a) {
        int rounds = Integer.parseInt(a[0]);
        int[][] shapes = {{2048, 2048, 2048, 0, 0}, {1024, 1024, 1024, 0, 0}, {2048, 256, 256, 0, 1}, {2048, 256, 8192, 0, 0}, {8192, 256, 2048, 1, 0}};
        Random r = new Random(1);
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2]; boolean ta = s[3] == 1, tb = s[4] == 1;
            float[] x = new float[m * k], y = new float[k * n], c = new float[m * n];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
            int lda = ta ? m : k, ldb = tb ? k : n;
            List<Double> st = new ArrayList<>(), dy = new ArrayList<>(), ratio = new ArrayList<>();
            for (int rd = -2; rd < rounds; rd++) {
                double[] g = new double[2];
                for (int v = 0; v < 2; v++) {
                    Gemm.DYNAMIC_ROWS = v == 1;
                    long tot = 0; int reps = 3;
                    for (int i = 0; i < reps; i++) {
                        long t0 = System.nanoTime();
                        Parallel.withThreads(2, () -> Gemm.matmul(ta, tb, m, n, k, x, 0, lda, y, 0, ldb, c, 0, n, false));
                        tot += System.nanoTime() - t0;
                    }
                    g[v] = 2.0 * m * n * k * reps / tot;
                }
                if (rd >= 0) { st.add(g[0]); dy.add(g[1]); ratio.add(g[1] / g[0]); }
            }
            Collections.sort(st); Collections.sort(dy); Collections.sort(ratio);
            System.out.printf("%s%s %dx%dx%d t2: static %.1f (%.0f-%.0f)  claimed %.1f (%.0f-%.0f)  paired ratio %.3f (%.3f-%.3f)%n", ta ? "At" : "A", tb ? "Bt" : "B", m, n, k,
                st.get(st.size() / 2), st.get(0), st.get(st.size() - 1), dy.get(dy.size() / 2), dy.get(0), dy.get(dy.size() - 1), ratio.get(ratio.size() / 2), ratio.get(0), ratio.get(ratio.size() - 1));
        }
    }
}
