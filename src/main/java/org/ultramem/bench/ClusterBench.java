package org.ultramem.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.ultramem.infer.LocalValueStore;
import org.ultramem.infer.Matrix;
import org.ultramem.infer.MemoryWeightStore;
import org.ultramem.infer.ValueGather;
import org.ultramem.infer.WeightedRead;
import org.ultramem.infer.cluster.ClusterValueStores;
import org.ultramem.infer.cluster.LoopbackCluster;
import org.ultramem.io.ConfigJson;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * {@code ultramem bench cluster}: one value-table read per decode step (B tokens × K selections,
 * their weighted sums), local (the decoders' own path: gather distinct rows, sum in selection
 * order) against three members embedded in this JVM on 127.0.0.1 read through a client (also
 * here), for each batch. The table is dyadic (so `exact` checks every sum bit for bit); bytes
 * per step are the read path's payload (selections out, sums back), framing not counted. All
 * processes share this machine's cores, so the cluster figure includes the members' work.
 */
public final class ClusterBench {

    /** What to run: table N × D_v, K selections per token, batches, timed reads per point. */
    public record Options(int rows, int width, int perToken, int[] batches, int reps,
                          boolean json) {
    }

    /** One batch: median step times and payload bytes per step. */
    record Point(int batch, double localMs, double clusterMs, long bytesPerStep, boolean exact) {
    }

    private ClusterBench() {
    }

    public static void run(Options o, PrintStream out) throws IOException {
        Kernels kern = KernelProvider.get();
        SplittableRandom rnd = new SplittableRandom(1);
        float[] data = new float[o.rows() * o.width()];
        for (int i = 0; i < data.length; i++) {
            data[i] = rnd.nextInt(-64, 64) / 16f;
        }
        String name = "bench.values";
        MemorySegment seg = Arena.ofAuto().allocate((long) data.length * Float.BYTES, 64);
        MemorySegment.copy(data, 0, seg, ValueLayout.JAVA_FLOAT, 0, data.length);
        Matrix table = new Matrix(name, seg, o.rows(), o.width(), false);
        List<Point> points = new ArrayList<>();
        try (LoopbackCluster cluster = LoopbackCluster.start(3, 512)) {
            try (MemoryWeightStore store = new MemoryWeightStore()) {
                store.putF32(name, data, o.rows(), o.width());
                cluster.load(store, name);
            }
            try (ClusterValueStores client = ClusterValueStores.connect(cluster.config(false))) {
                ValueGather local = new ValueGather(new LocalValueStore(table), kern);
                ValueGather remote = new ValueGather(client.open(table), kern);
                for (int b : o.batches()) {
                    WeightedRead r = read(b, o, rnd);
                    float[] want = new float[b * o.width()];
                    float[] got = new float[b * o.width()];
                    double localMs = medianMs(o.reps(), () -> local.weightedSums(want, r));
                    long before = client.wireBytes();
                    double clusterMs = medianMs(o.reps(), () -> remote.weightedSums(got, r));
                    long bytes = (client.wireBytes() - before) / (o.reps() + 2);
                    points.add(new Point(b, localMs, clusterMs, bytes, Arrays.equals(want, got)));
                }
            }
        }
        out.print(o.json() ? json(points, o) + "\n" : text(points, o));
        out.flush();
    }

    /** B tokens × K random selections with dyadic weights (sums exact in fp32). */
    private static WeightedRead read(int tokens, Options o, SplittableRandom rnd) {
        int[] rows = new int[tokens * o.perToken()];
        float[] w = new float[rows.length];
        for (int s = 0; s < rows.length; s++) {
            rows[s] = rnd.nextInt(o.rows());
            w[s] = rnd.nextInt(-8, 8) / 8f;
        }
        return new WeightedRead(tokens, o.perToken(), rows, w, 1, null, o.width());
    }

    /** Median of {@code reps} timed runs after two untimed ones, in ms. */
    private static double medianMs(int reps, Runnable step) {
        step.run();
        step.run();
        long[] t = new long[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            step.run();
            t[i] = System.nanoTime() - t0;
        }
        Arrays.sort(t);
        return t[reps / 2] / 1e6;
    }

    private static String text(List<Point> points, Options o) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "table %d x %d fp32, %d selections per token, 3 members (this JVM, loopback)%n"
                        + "%6s %10s %11s %8s %15s %6s%n", o.rows(), o.width(), o.perToken(),
                "batch", "local_ms", "cluster_ms", "ratio", "bytes_per_step", "exact"));
        for (Point p : points) {
            sb.append(String.format(Locale.ROOT, "%6d %10.3f %11.3f %7.1fx %15d %6s%n", p.batch(),
                    p.localMs(), p.clusterMs(), p.clusterMs() / p.localMs(), p.bytesPerStep(),
                    p.exact()));
        }
        return sb.toString();
    }

    static String json(List<Point> points, Options o) {
        ObjectNode root = ConfigJson.newObject();
        root.put("exact", points.stream().allMatch(Point::exact));
        root.put("members", 3);
        root.put("rows", o.rows());
        root.put("width", o.width());
        root.put("per_token", o.perToken());
        ArrayNode arr = root.putArray("points");
        for (Point p : points) {
            ObjectNode n = arr.addObject();
            n.put("batch", p.batch());
            n.put("local_ms", p.localMs());
            n.put("cluster_ms", p.clusterMs());
            n.put("bytes_per_step", p.bytesPerStep());
        }
        return ConfigJson.toCompactJson(root);
    }
}
