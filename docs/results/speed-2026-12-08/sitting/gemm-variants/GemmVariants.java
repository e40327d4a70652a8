package org.ultramem.tensor.kernel;
import java.util.*;
/** In-JVM interleaved A/B of GEMM blocking variants (probe; Gemm made configurable in its jar). */
public class GemmVariants {
    public static void main(String[] a) {
        int n = Integer.parseInt(a[0]); int th = Integer.parseInt(a[1]); int rounds = Integer.parseInt(a[2]);
        Random r = new Random(1);
        float[] x = new float[n * n], y = new float[n * n], c = new float[n * n];
        for (int i = 0; i < x.length; i++) { x[i] = (float) r.nextGaussian(); y[i] = (float) r.nextGaussian(); }
        Object[][] vs = {{"base", 256, 512, false}, {"nc240", 256, 240, false}, {"bouter", 256, 512, true}, {"nc240 bouter", 256, 240, true}, {"nc360", 256, 360, false}};
        Map<String, List<Double>> res = new LinkedHashMap<>();
        for (int rd = -2; rd < rounds; rd++) {
            for (Object[] v : vs) {
                Gemm.probeConfigure((Integer) v[1], (Integer) v[2], (Boolean) v[3]);
                double best = 0; double sum = 0;
                for (int i = 0; i < 3; i++) {
                    long t0 = System.nanoTime();
                    Parallel.withThreads(th, () -> Gemm.matmul(false, false, n, n, n, x, 0, n, y, 0, n, c, 0, n, false));
                    double g = 2.0 * n * n * n / (System.nanoTime() - t0);
                    sum += g;
                }
                if (rd >= 0) res.computeIfAbsent((String) v[0], k -> new ArrayList<>()).add(sum / 3);
            }
        }
        for (var e : res.entrySet()) {
            List<Double> l = new ArrayList<>(e.getValue()); Collections.sort(l);
            System.out.printf("%s t%d n%d: median %.1f  range %.1f-%.1f  %s%n", e.getKey(), th, n, l.get(l.size() / 2), l.get(0), l.get(l.size() - 1), e.getValue().stream().map(d -> String.format("%.0f", d)).toList());
        }
    }
}
