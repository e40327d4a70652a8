package org.ultramem.bench;

import java.util.*;
import org.ultramem.infer.*;

public class Probe {
    public static void main(String[] a) throws Exception {
        String[] names = a[0].split(",");
        int batch = Integer.parseInt(a[1]);
        int steps = Integer.parseInt(a[2]);
        int kv = Integer.getInteger("kv", 512);
        List<InferenceModel> models = new ArrayList<>();
        List<DecodeState> states = new ArrayList<>();
        for (String n : names) {
            DecodeArchitecture arch = DecodeBench.architecture(n, kv + steps + 16);
            InferenceModel m = new InferenceModel(arch, RandomModels.build(arch, Precision.F32, 42), Precision.F32);
            models.add(m);
        }
        int noiseThreads = Integer.getInteger("noise", 0);
        for (int t = 0; t < noiseThreads; t++) {
            Thread th = new Thread(() -> { long x = 0; while (true) { long e = System.nanoTime() + Long.getLong("busyNs", 100_000); while (System.nanoTime() < e) x++; java.util.concurrent.locks.LockSupport.parkNanos(Long.getLong("idleNs", 900_000)); } });
            th.setDaemon(true); th.start();
        }
        int[] tokens = new int[batch];
        SplittableRandom rnd = new SplittableRandom(1);
        for (int round = 0; round < Integer.parseInt(a[3]); round++) {
            StringBuilder sb = new StringBuilder("round " + round);
            for (int mode = 0; mode < 2; mode++) {
            if (a.length > 4) { java.lang.reflect.Field f = Class.forName(a[4]).getDeclaredField(a[5]); f.setAccessible(true); f.setBoolean(null, mode == 1); sb.append(" | " + a[5] + "=" + (mode == 1)); }
            for (int i = 0; i < models.size(); i++) {
                InferenceModel m = models.get(i);
                DecodeState s = m.newState(batch, kv + steps + 8, Precision.BF16);
                s.fillRandom(kv, batch);
                double[] t = new double[steps];
                for (int k = 0; k < steps; k++) {
                    for (int b = 0; b < batch; b++) tokens[b] = rnd.nextInt(Integer.getInteger("vocab", 4096));
                    long t0 = System.nanoTime();
                    m.decode(s, tokens);
                    t[k] = (System.nanoTime() - t0) / 1e6;
                }
                Arrays.sort(t);
                sb.append(String.format(Locale.ROOT, "  %s %.3f ms", names[i], t[steps / 2]));
            }
            }
            System.out.println(sb);
        }
    }
}
