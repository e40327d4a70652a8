package org.ultramem.tensor.kernel;
import java.util.*;
/** In-JVM interleaved base vs B-panel-outer on the training GEMM shapes (probe). */
public class GemmShapes {
    public static void main(String[] a) {
        int th = Integer.parseInt(a[0]); int rounds = Integer.parseInt(a[1]);
        int[][] shapes = {{2048, 256, 256, 0, 1}, {2048, 8192, 256, 0, 1}, {256, 256, 2048, 1, 0}, {8192, 256, 2048, 1, 0}, {2048, 256, 8192, 0, 0}, {1024, 1024, 1024, 0, 0}};
        Random r = new Random(1);
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2]; boolean ta = s[3] == 1, tb = s[4] == 1;
            float[] x = new float[m * k], y = new float[k * n], c = new float[m * n];
            for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
            for (int i = 0; i < y.length; i++) y[i] = (float) r.nextGaussian();
            int lda = ta ? m : k, ldb = tb ? k : n;
            Map<Boolean, List<Double>> res = new TreeMap<>();
            for (int rd = -2; rd < rounds; rd++) {
                for (boolean bo : new boolean[] {false, true}) {
                    Gemm.probeConfigure(256, 512, bo);
                    long best = Long.MAX_VALUE;
                    for (int i = 0; i < 3; i++) {
                        long t0 = System.nanoTime();
                        Parallel.withThreads(th, () -> Gemm.matmul(ta, tb, m, n, k, x, 0, lda, y, 0, ldb, c, 0, n, false));
                        best = Math.min(best, System.nanoTime() - t0);
                    }
                    if (rd >= 0) res.computeIfAbsent(bo, q -> new ArrayList<>()).add(2.0 * m * n * k / best);
                }
            }
            StringBuilder sb = new StringBuilder(String.format("%s%s %dx%dx%d t%d:", ta ? "At" : "A", tb ? "Bt" : "B", m, n, k, th));
            double[] med = new double[2]; int idx = 0;
            for (var e : res.entrySet()) { List<Double> l = new ArrayList<>(e.getValue()); Collections.sort(l); med[idx++] = l.get(l.size() / 2); sb.append(String.format("  %s %.1f", e.getKey() ? "bouter" : "base", l.get(l.size() / 2))); }
            // per-round paired ratio
            List<Double> ratios = new ArrayList<>(); for (int i = 0; i < res.get(false).size(); i++) ratios.add(res.get(true).get(i) / res.get(false).get(i)); Collections.sort(ratios);
            sb.append(String.format("  paired ratio median %.3f (%.3f-%.3f)", ratios.get(ratios.size() / 2), ratios.get(0), ratios.get(ratios.size() - 1)));
            System.out.println(sb);
        }
    }
}
