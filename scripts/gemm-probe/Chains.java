package org.ultramem.tensor.kernel;
import jdk.incubator.vector.*;
public class Chains {
    static final VectorSpecies<Float> S = VectorKernels.SPECIES;
    static float run8(int it) {
        FloatVector x = FloatVector.broadcast(S, 1e-7f), y = FloatVector.broadcast(S, 0.999f);
        FloatVector c0 = x, c1 = x.add(1), c2 = x.add(2), c3 = x.add(3), c4 = x.add(4), c5 = x.add(5), c6 = x.add(6), c7 = x.add(7);
        for (int i = 0; i < it; i++) { c0 = c0.fma(y, x); c1 = c1.fma(y, x); c2 = c2.fma(y, x); c3 = c3.fma(y, x); c4 = c4.fma(y, x); c5 = c5.fma(y, x); c6 = c6.fma(y, x); c7 = c7.fma(y, x); }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).reduceLanes(VectorOperators.ADD);
    }
    static float run20(int it) {
        FloatVector x = FloatVector.broadcast(S, 1e-7f), y = FloatVector.broadcast(S, 0.999f);
        FloatVector c0 = x, c1 = x.add(1), c2 = x.add(2), c3 = x.add(3), c4 = x.add(4), c5 = x.add(5), c6 = x.add(6), c7 = x.add(7), c8 = x.add(8), c9 = x.add(9);
        FloatVector d0 = x, d1 = x.add(1), d2 = x.add(2), d3 = x.add(3), d4 = x.add(4), d5 = x.add(5), d6 = x.add(6), d7 = x.add(7), d8 = x.add(8), d9 = x.add(9);
        for (int i = 0; i < it; i++) { c0 = c0.fma(y, x); c1 = c1.fma(y, x); c2 = c2.fma(y, x); c3 = c3.fma(y, x); c4 = c4.fma(y, x); c5 = c5.fma(y, x); c6 = c6.fma(y, x); c7 = c7.fma(y, x); c8 = c8.fma(y, x); c9 = c9.fma(y, x);
            d0 = d0.fma(y, x); d1 = d1.fma(y, x); d2 = d2.fma(y, x); d3 = d3.fma(y, x); d4 = d4.fma(y, x); d5 = d5.fma(y, x); d6 = d6.fma(y, x); d7 = d7.fma(y, x); d8 = d8.fma(y, x); d9 = d9.fma(y, x); }
        return c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(d0).add(d1).add(d2).add(d3).add(d4).add(d5).add(d6).add(d7).add(d8).add(d9).reduceLanes(VectorOperators.ADD);
    }
    public static void main(String[] a) {
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        int L = S.length(); float sink = 0;
        for (int rep = 0; rep < 8; rep++) {
            long t0 = mx.getCurrentThreadCpuTime(); for (int r = 0; r < 1000; r++) sink += run8(20000); long t1 = mx.getCurrentThreadCpuTime();
            for (int r = 0; r < 1000; r++) sink += (float) FmaPeak.chains(20000, 1f); long t2 = mx.getCurrentThreadCpuTime();
            for (int r = 0; r < 1000; r++) sink += run20(20000); long t3 = mx.getCurrentThreadCpuTime();
            System.out.printf("8: %.1f  12: %.1f  20: %.1f%n", 2.0*L*8*2e7/(t1-t0), 2.0*L*12*2e7/(t2-t1), 2.0*L*20*2e7/(t3-t2));
        }
        System.out.println(sink);
    }
}
