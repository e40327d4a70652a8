package org.ultramem.infer;

import java.util.*;
import org.ultramem.bench.*;

/** Times one UltraMem decoder's apply at batch B: warm caches and after a cache flush. */
public class MemProbe {
    public static void main(String[] a) throws Exception {
        int batch = Integer.parseInt(a[0]);
        int steps = Integer.parseInt(a[1]);
        int rounds = Integer.parseInt(a[2]);
        java.lang.reflect.Method am = Class.forName("org.ultramem.bench.DecodeBench").getDeclaredMethod("architecture", String.class, int.class);
        am.setAccessible(true);
        DecodeArchitecture arch = (DecodeArchitecture) am.invoke(null, a.length > 5 ? a[5] : "ultramem", 600);
        java.lang.reflect.Method bm = Class.forName("org.ultramem.bench.RandomModels").getDeclaredMethod("build", DecodeArchitecture.class, Precision.class, long.class);
        bm.setAccessible(true);
        InferenceModel m = new InferenceModel(arch, (WeightStore) bm.invoke(null, arch, Precision.F32, 42L), Precision.F32);
        java.lang.reflect.Field f = InferenceModel.class.getDeclaredField("memory");
        f.setAccessible(true);
        MemoryDecoder[] mem = (MemoryDecoder[]) f.get(m);
        int d = 256;
        SplittableRandom rnd = new SplittableRandom(7);
        float[][] xs = new float[8][batch * d];
        for (float[] x : xs) for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
        float[] y = new float[batch * d];
        float[] flush = new float[32 << 20];
        TrafficMeter meter = new TrafficMeter();
        java.lang.reflect.Field sw = a.length > 4 ? Class.forName(a[3]).getDeclaredField(a[4]) : null;
        if (sw != null) sw.setAccessible(true);
        for (int r = 0; r < rounds; r++) {
            StringBuilder sb = new StringBuilder("round " + r);
            for (int mode = 0; mode < (sw == null ? 1 : 2); mode++) {
                if (sw != null) { sw.setBoolean(null, mode == 1); sb.append(" | " + a[4] + "=" + (mode == 1)); }
                for (int cold = 0; cold < 2; cold++) {
                    double[] t = new double[steps];
                    for (int k = 0; k < steps; k++) {
                        if (cold == 1) { float s = 0; for (int i = 0; i < flush.length; i += 16) { flush[i] += 1; } }
                        long t0 = System.nanoTime();
                        for (MemoryDecoder md : mem) md.apply(y, xs[k & 7], batch, meter);
                        t[k] = (System.nanoTime() - t0) / 1e6;
                    }
                    Arrays.sort(t);
                    sb.append(String.format(Locale.ROOT, "  %s %.3f ms", cold == 1 ? "cold" : "warm", t[steps / 2]));
                }
            }
            System.out.println(sb);
        }
    }
}
