package org.ultramem.tensor.kernel;

import java.util.*;

public class GemmProbe {
    static double med(double[] v) { double[] c = v.clone(); Arrays.sort(c); return c[c.length/2]; }
    static long T_GEMMB;
    static final int LDC = Integer.getInteger("ldc", 1024);
    public static void main(String[] args) {
        int n = Integer.parseInt(args[0]);
        int threads = Integer.parseInt(args[1]);
        int reps = Integer.parseInt(args[2]);
        SplittableRandom rnd = new SplittableRandom(42);
        float[] a = new float[n*n], b = new float[n*n], c = new float[n*n], c2 = new float[n*(n+64)], c3 = new float[n*n];
        for (int i = 0; i < a.length; i++) { a[i] = (float) rnd.nextDouble(); b[i] = (float) rnd.nextDouble(); }
        // kernel-only: inner jr/ir loops over packed 96x256 A and 256x512 B
        int kc = 256, mc = 96, nc = 512, NR = Gemm.NR, mr = Gemm.MR_PREFERRED;
        float[] ap = new float[mc*kc], bp = new float[kc*nc], cc = new float[mc*nc];
        for (int i = 0; i < ap.length; i++) ap[i] = (float) rnd.nextDouble();
        for (int i = 0; i < bp.length; i++) bp[i] = (float) rnd.nextDouble();
        String[] names = {"peak", "gemm", "gemmB", "kernelOnly", "kernelBigC"};
        double[][] r = new double[names.length][reps];
        for (int rep = -3; rep < reps; rep++) {
            for (int v = 0; v < names.length; v++) {
                java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
                long t0 = threads == 1 ? mx.getCurrentThreadCpuTime() : System.nanoTime();
                double flops;
                if (v == 0) {
                    FmaPeak.gflops(threads, 20_000_000);
                    flops = 24.0 * FmaPeak.vectorBits() / 32 * 20_000_000 * threads;
                } else if (v == 1) {
                    Parallel.withThreads(threads, () -> Gemm.matmul(false, false, n, n, n, a, 0, n, b, 0, n, c, 0, n, false));
                    flops = 2.0*n*n*n;
                } else if (v == 2) {
                    Parallel.withThreads(threads, () -> GemmB.matmul(false, false, n, n, n, a, 0, n, b, 0, n, c3, 0, n, false));
                    flops = 2.0*n*n*n;
                } else if (v == 4 && mr != 6) { flops = 1;
                } else if (v == 4) {
                    int iters = 20;
                    for (int it = 0; it < iters; it++)
                    for (int jr = 0; jr < nc; jr += NR)
                        for (int ir = 0; ir + mr <= mc; ir += mr)
                            GemmB.kernel6(ap, ir*kc, kc, bp, jr*kc, kc, c2, ((it % 10) * 96 + ir) * LDC + (it / 10 % 2) * 512 + jr, LDC, Boolean.getBoolean("bigow"));
                    flops = 2.0*iters*(mc/mr*mr)*nc*kc;
                } else {
                    int iters = 20;
                    for (int it = 0; it < iters; it++)
                    for (int jr = 0; jr < nc; jr += NR)
                        for (int ir = 0; ir + mr <= mc; ir += mr)
                            if (mr == 6) GemmB.kernel6(ap, ir*kc, kc, bp, jr*kc, kc, cc, ir*nc+jr, nc, !Boolean.getBoolean("smallacc"));
                            else GemmB.kernel4(ap, ir*kc, kc, bp, jr*kc, kc, cc, ir*nc+jr, nc, true);
                    flops = 2.0*iters*(mc/mr*mr)*nc*kc;
                }
                long ns = (threads == 1 ? mx.getCurrentThreadCpuTime() : System.nanoTime()) - t0;
                if (v == 2) T_GEMMB += ns;
                if (rep >= 0) r[v][rep] = flops / ns;
            }
        }
        if (!Arrays.equals(c, c3)) System.out.println("MISMATCH gemm vs gemmB");
        double peak = med(r[0]);
        double tot = T_GEMMB;
        System.out.printf("gemmB share of wall time (all runs): packA %.3f packB %.3f%n", GemmB.T_PACKA/tot, GemmB.T_PACKB/tot);
        System.out.printf("n=%d threads=%d species=%d bits%n", n, threads, FmaPeak.vectorBits());
        for (int v = 0; v < names.length; v++)
            System.out.printf("%-12s %7.1f GF/s  %.2f of peak  %s%n", names[v], med(r[v]), med(r[v])/peak, Arrays.toString(Arrays.stream(r[v]).mapToLong(Math::round).toArray()));
    }
}
