import java.util.*;
import java.util.concurrent.*;
import java.lang.management.*;

/** CPU per token handoff: a platform thread posts to 64 virtual threads, which wait with a timed poll or a take. */
public class ParkProbe {
    public static void main(String[] a) throws Exception {
        int n = 64, rounds = Integer.parseInt(a[1]);
        boolean timed = a[0].equals("timed");
        List<LinkedBlockingQueue<Object>> qs = new ArrayList<>();
        CountDownLatch done = new CountDownLatch(n);
        for (int i = 0; i < n; i++) {
            LinkedBlockingQueue<Object> q = new LinkedBlockingQueue<>();
            qs.add(q);
            Thread.ofVirtual().start(() -> {
                try {
                    long sum = 0;
                    while (true) {
                        Object o = timed ? q.poll(10, TimeUnit.SECONDS) : q.take();
                        if (o == null) continue;
                        if (o instanceof String) break;
                        sum += (Integer) o;
                    }
                    if (sum == 42) System.out.print("");
                } catch (InterruptedException e) { }
                done.countDown();
            });
        }
        Thread.sleep(200);
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) {
            for (LinkedBlockingQueue<Object> q : qs) q.add(r);
            long until = System.nanoTime() + 2_000_000; // a 2 ms "pass"
            while (System.nanoTime() < until) Thread.onSpinWait();
        }
        long cpu = ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() - cpu0;
        long wall = System.nanoTime() - t0;
        for (LinkedBlockingQueue<Object> q : qs) q.add("end");
        done.await();
        double spin = wall; // the poster spins the whole time: one core
        System.out.printf(Locale.ROOT, "%s: %.2f us CPU per handoff beyond the poster's spin%n", a[0], (cpu - spin) / 1e3 / (rounds * (double) n));
    }
}
