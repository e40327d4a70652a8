package org.ultramem.infer;

import java.util.*;
import org.ultramem.tensor.kernel.SegmentKernels;

/** Passes like the scheduler's (decode rows + one prompt chunk) straight on the engine. */
public class ExtendProbe {
    public static void main(String[] a) throws Exception {
        String[] names = a[0].split(",");
        int batch = 64, passes = Integer.parseInt(a[1]), rounds = Integer.parseInt(a[2]);
        int vocab = Integer.getInteger("vocab", 4096);
        if (Boolean.getBoolean("transposed")) SegmentKernels.setRowPath(SegmentKernels.fixedRowPath(batch));
        java.lang.reflect.Method am = Class.forName("org.ultramem.bench.DecodeBench").getDeclaredMethod("architecture", String.class, int.class);
        am.setAccessible(true);
        java.lang.reflect.Method bm = Class.forName("org.ultramem.bench.RandomModels").getDeclaredMethod("build", DecodeArchitecture.class, Precision.class, long.class);
        bm.setAccessible(true);
        List<InferenceModel> models = new ArrayList<>();
        for (String n : names) {
            DecodeArchitecture arch = (DecodeArchitecture) am.invoke(null, n, 512);
            models.add(new InferenceModel(arch, (WeightStore) bm.invoke(null, arch, Precision.F32, 42L), Precision.F32));
        }
        SplittableRandom rnd = new SplittableRandom(5);
        Sampler[] samplers = new Sampler[64];
        for (int i = 0; i < 64; i++) samplers[i] = new Sampler(new Sampler.Settings(1.0, 0, 1.0, false), i);
        int wakers = Integer.getInteger("wakers", 0);
        List<java.util.concurrent.LinkedBlockingQueue<Integer>> qs = new ArrayList<>();
        for (int w = 0; w < wakers; w++) {
            java.util.concurrent.LinkedBlockingQueue<Integer> q = new java.util.concurrent.LinkedBlockingQueue<>();
            qs.add(q);
            Thread th = new Thread(() -> { try { long x = 0; while (true) { x += q.take(); for (int i = 0; i < Integer.getInteger("work", 2000); i++) x = x * 31 + i; if (x == 42) System.out.print(""); } } catch (InterruptedException e) { } });
            th.setDaemon(true); th.start();
        }
        for (int r = 0; r < rounds; r++) {
            StringBuilder sb = new StringBuilder("round " + r);
            for (int mi = 0; mi < models.size(); mi++) {
                InferenceModel m = models.get(mi);
                DecodeState s = m.newState(batch, 512, Precision.BF16, batch + 64);
                int[] len = new int[batch];
                // fill: every slot gets a 19-token prompt
                for (int b = 0; b < batch; b++) {
                    int[] p = new int[19];
                    for (int i = 0; i < 19; i++) p[i] = rnd.nextInt(vocab);
                    m.extend(s, new int[] {b}, new int[][] {p}, new int[] {0}, new int[] {19}, 1);
                    len[b] = 19 + rnd.nextInt(60);
                }
                // advance random amounts: just decode some steps for all
                double[] t = new double[passes];
                int[] slots = new int[batch];
                int[][] toks = new int[batch][];
                int[] from = new int[batch];
                int[] count = new int[batch];
                int next = 0;
                for (int k = 0; k < passes; k++) {
                    int n = 0;
                    int fresh = next;
                    next = (next + 1) % batch;
                    s.reset(fresh);
                    for (int b = 0; b < batch; b++) {
                        if (b == fresh) continue;
                        if (s.length(b) + 1 >= 500) { s.reset(b); }
                        slots[n] = b; toks[n] = new int[] {rnd.nextInt(vocab)}; from[n] = 0; count[n] = 1; n++;
                    }
                    if (!Boolean.getBoolean("noPrompt")) {
                        int[] p = new int[19];
                        for (int i = 0; i < 19; i++) p[i] = rnd.nextInt(vocab);
                        slots[n] = fresh; toks[n] = p; from[n] = 0; count[n] = 19; n++;
                    }
                    long t0 = System.nanoTime();
                    float[] lg = m.extend(s, slots, toks, from, count, n);
                    t[k] = (System.nanoTime() - t0) / 1e6;
                    for (var q : qs) q.add(1);
                    if (Boolean.getBoolean("sample")) {
                        final float[] L = lg; final int V = m.config().vocabSize(); final int N = n;
                        org.ultramem.tensor.kernel.Parallel.forChunks(N, 8, (f0, f1) -> { for (int e = f0; e < f1; e++) samplers[e].sample(L, e * V, V); });
                    }
                }
                Arrays.sort(t);
                sb.append(String.format(Locale.ROOT, "  %s %.3f ms", names[mi], t[passes / 2]));
            }
            System.out.println(sb);
        }
    }
}
