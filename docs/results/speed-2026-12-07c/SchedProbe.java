package org.ultramem.serve;

import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;
import org.ultramem.infer.*;

/** The batch scheduler under closed-loop load from plain threads: no HTTP, no sockets. */
public class SchedProbe {
    public static void main(String[] a) throws Exception {
        String name = a[0];
        int clients = Integer.parseInt(a[1]);
        double seconds = Double.parseDouble(a[2]);
        java.lang.reflect.Method dm = Class.forName("org.ultramem.bench.ServeBench").getDeclaredMethod("decodeModel", String.class, int.class);
        dm.setAccessible(true);
        LoadedModel model = (LoadedModel) dm.invoke(null, name, 512);
        ServeMetrics metrics = new ServeMetrics();
        BatchScheduler s = new BatchScheduler(model, clients, 2 * clients, Precision.BF16, metrics, () -> { });
        int[] prompt = new int[19];
        SplittableRandom rnd = new SplittableRandom(3);
        AtomicLong tokens = new AtomicLong();
        for (int round = 0; round < 2; round++) {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            tokens.set(0);
            long t0 = System.nanoTime();
            List<Thread> ts = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                int cc = c;
                ts.add(Thread.ofPlatform().start(() -> {
                    long seed = cc;
                    while (System.nanoTime() < end) {
                        int[] p = new int[19];
                        for (int i = 0; i < p.length; i++) p[i] = (int) ((seed * 31 + i * 7) % 500);
                        seed++;
                        GenerationJob j = new GenerationJob(p, 64, new Sampler(new Sampler.Settings(1.0, 0, 1.0, false), seed), List.of(), System.nanoTime(), 600_000_000_000L);
                        s.submit(j);
                        try {
                            while (true) {
                                if (Boolean.getBoolean("lazy")) Thread.sleep(20);
                                GenerationJob.Event e = j.poll(Boolean.getBoolean("lazy") ? 0 : 1_000_000_000L);
                                if (e == null) continue;
                                if (e instanceof GenerationJob.Done d) { tokens.addAndGet(d.completionTokens()); break; }
                                if (e instanceof GenerationJob.Failed) break;
                            }
                        } catch (InterruptedException ex) { return; }
                    }
                }));
            }
            for (Thread t : ts) t.join();
            double el = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "round %d: %.1f tokens/s%n", round, tokens.get() / el);
        }
        System.out.println(metrics.schedulerSummary());
        s.close();
    }
}
