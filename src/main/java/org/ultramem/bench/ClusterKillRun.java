package org.ultramem.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.ultramem.infer.Generator;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.infer.Sampler;
import org.ultramem.infer.cluster.ClusterValueStores;
import org.ultramem.infer.cluster.LoopbackCluster;

/**
 * A member terminated (as a crash: no goodbye) under load: client threads, each with its own
 * engine over the cluster ({@code read: sums}), run greedy generations taken from a shared
 * queue; when request {@code at} is taken, the last member is terminated. A request fails when
 * it throws; it is wrong when its tokens differ from the local engine's for the same prompt.
 * Every interval between two tokens a request produced is timed (the first one includes the
 * prefill); the normal latency of each kind is the median of those that ended before the kill,
 * and recovery is the time from the kill to the end of the last interval slower than three
 * times normal (0 when none was).
 */
public final class ClusterKillRun {

    /** {@code requests} generations of {@code tokens} tokens from {@code threads} threads. */
    public record Plan(int requests, int tokens, int threads, int at) {
    }

    /** What the run saw; times after the kill. */
    public record Outcome(Plan plan, int failed, int wrong, double recoveryS,
                          double normalStepMs, double worstStepMs, double worstRequestMs,
                          int membersAfter, String firstError) {
    }

    /** One timed interval between tokens: start, end (ns), and 0 for prefill, 1 for a step. */
    private record Interval(long start, long end, int kind) {
    }

    private ClusterKillRun() {
    }

    static Outcome run(Path model, ClusterValueStores stores, LoopbackCluster cluster,
                       InferenceModel local, int[][] prompts, Plan p, PrintStream err)
            throws IOException {
        Sampler.Settings greedy = Sampler.Settings.greedyDecoding();
        int[][] want = new int[p.requests()][];
        for (int i = 0; i < p.requests(); i++) {
            want[i] = new Generator(local).generate(prompts[i % prompts.length], p.tokens(),
                    new Sampler(greedy, 0), -1, null).tokens();
        }
        List<InferenceModel> engines = new ArrayList<>();
        ConcurrentLinkedQueue<Interval> intervals = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger wrong = new AtomicInteger();
        AtomicLong killedAt = new AtomicLong(Long.MAX_VALUE);
        AtomicLong worstRequest = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        int membersAfter;
        try {
            for (int t = 0; t < p.threads(); t++) {
                engines.add(InferenceModel.load(model, Precision.F32, stores));
            }
            List<Thread> threads = new ArrayList<>();
            for (InferenceModel engine : engines) {
                threads.add(Thread.ofPlatform().name("bench-cluster-client").start(() -> {
                    Generator g = new Generator(engine);
                    for (int i = next.getAndIncrement(); i < p.requests();
                         i = next.getAndIncrement()) {
                        if (i == p.at()) {
                            killedAt.set(System.nanoTime());
                            cluster.terminate(cluster.size() - 1);
                            err.println("bench cluster: member " + cluster.size()
                                    + " terminated before request " + i);
                        }
                        long[] last = {System.nanoTime()};
                        long begin = last[0];
                        int[] kind = {0};
                        try {
                            int[] got = g.generate(prompts[i % prompts.length], p.tokens(),
                                    new Sampler(greedy, 0), -1, id -> {
                                        long now = System.nanoTime();
                                        intervals.add(new Interval(last[0], now, kind[0]));
                                        last[0] = now;
                                        kind[0] = 1;
                                    }).tokens();
                            if (!Arrays.equals(got, want[i])) {
                                wrong.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            firstError.compareAndSet(null, "request " + i + ": " + e);
                        }
                        worstRequest.accumulateAndGet(System.nanoTime() - begin, Math::max);
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            membersAfter = membersSettled(cluster);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted during the kill run", e);
        } finally {
            for (InferenceModel e : engines) {
                e.close();
            }
        }
        return outcome(p, List.copyOf(intervals), killedAt.get(), failed.get(), wrong.get(),
                worstRequest.get(), membersAfter, firstError.get());
    }

    /**
     * The members the survivors see once they noticed the loss (a short loop can end before
     * they do), waiting up to 10 s.
     */
    private static int membersSettled(LoopbackCluster cluster) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        while (cluster.liveMembers() >= cluster.size() && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        return cluster.liveMembers();
    }

    private static Outcome outcome(Plan p, List<Interval> all, long kill, int failed, int wrong,
                                   long worstRequest, int membersAfter, String firstError) {
        double[] normal = new double[2];
        for (int kind = 0; kind < 2; kind++) {
            int k = kind;
            long[] before = all.stream().filter(v -> v.kind() == k && v.end() < kill)
                    .mapToLong(v -> v.end() - v.start()).toArray();
            if (before.length == 0) {
                // killed before anything finished: the whole run is the reference
                before = all.stream().filter(v -> v.kind() == k)
                        .mapToLong(v -> v.end() - v.start()).toArray();
            }
            normal[kind] = ClusterDecodeBench.medianMs(before);
        }
        long recovered = kill;
        long worstStep = 0;
        for (Interval v : all) {
            if (v.end() <= kill) {
                continue;
            }
            long ns = v.end() - v.start();
            worstStep = Math.max(worstStep, ns);
            if (ns / 1e6 > 3 * normal[v.kind()]) {
                recovered = Math.max(recovered, v.end());
            }
        }
        double recovery = kill == Long.MAX_VALUE ? Double.NaN : (recovered - kill) / 1e9;
        return new Outcome(p, failed, wrong, recovery, normal[1], worstStep / 1e6,
                worstRequest / 1e6, membersAfter, firstError);
    }
}
