package org.ultramem.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.MemoryWeightStore;
import org.ultramem.infer.Precision;
import org.ultramem.infer.StageClock;
import org.ultramem.io.AtomicFiles;
import org.ultramem.io.ConfigJson;
import org.ultramem.report.LinePlot;

/**
 * {@code ultramem bench decode}: decode-step latency and memory traffic against batch size for a
 * dense model, an MoE model, an UltraMem model and an UltraMemV2 model with equal FLOPs per token
 * and (MoE, UltraMem, UltraMemV2) equal total parameters ({@link RandomModels}; random weights).
 * The four models are built up front and their steps interleaved (see {@link #measure}). Per
 * point: median step time over ≥ 5 timed steps after warm-up, tokens/s, bytes read per step
 * (the engine's traffic meter) and the bandwidth bound bytes / (streaming bandwidth measured in
 * the same run), and the CPU time per step of all Java threads (on a shared machine wall time
 * includes waiting for a core, CPU time does not: CPU ms / 2 is about the step an idle 2-core
 * machine gives when the step is compute-bound) and the heap bytes allocated per step by every
 * Java thread ({@link ThreadAllocation}; a step allocates almost nothing, so KB per step mean a
 * kernel whose vectors C2 boxed). Writes
 * {@code decode.csv}, {@code decode.md}, {@code decode_latency.png}, {@code decode_bytes.png}.
 */
public final class DecodeBench {

    /**
     * One measured point ({@code allocKb}: median heap KB allocated per step; {@code stages}: per
     * stage, or null without {@code --stages}).
     */
    public record Point(String model, int batch, double stepMs, double tokensPerS,
                        double bytesPerStep, double boundMs, double cpuMs, double bandwidthGbs,
                        double allocKb, StageTimes stages) {

        /** A point without stage times. */
        public Point(String model, int batch, double stepMs, double tokensPerS,
                     double bytesPerStep, double boundMs, double cpuMs, double bandwidthGbs,
                     double allocKb) {
            this(model, batch, stepMs, tokensPerS, bytesPerStep, boundMs, cpuMs, bandwidthGbs,
                    allocKb, null);
        }
    }

    /**
     * Options of one run; {@code kvPrecision} is the KV-cache storage of all four models;
     * {@code stages} times each stage of every step ({@link StageClock}).
     */
    public record Options(int[] batches, int kv, int reps, Precision precision,
                          Precision kvPrecision, Path outDir, boolean json, boolean stages) {

        /** Options without stage times. */
        public Options(int[] batches, int kv, int reps, Precision precision,
                       Precision kvPrecision, Path outDir, boolean json) {
            this(batches, kv, reps, precision, kvPrecision, outDir, json, false);
        }
    }

    private static final String[] MODELS = {"dense", "moe", "ultramem", "ultramem_v2"};

    private DecodeBench() {
    }

    /** The default sweep (1..256) or the quick one (1, 4, 16, 64). */
    public static int[] defaultBatches(boolean quick) {
        return quick ? new int[] {1, 4, 16, 64} : new int[] {1, 2, 4, 8, 16, 32, 64, 128, 256};
    }

    /** Runs the sweep, writes the reports, prints a table (or JSON) to {@code out}. */
    public static List<Point> run(Options o, PrintStream out) throws IOException {
        PrintStream log = o.json ? System.err : out;
        BandwidthProbe probe = new BandwidthProbe(2, PROBE_BYTES);
        double gbs = KernelBench.median(new double[] {probe.passGbs(), probe.passGbs(),
                probe.passGbs(), probe.passGbs(), probe.passGbs()});
        log.printf(Locale.ROOT, "decode bench: random weights (not a trained model), weights %s,"
                + " KV cache %s, KV length %d, streaming bandwidth %.1f GB/s (2 threads),"
                + " load average %.2f%n", lower(o.precision), lower(o.kvPrecision), o.kv, gbs,
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        List<String> notes = new ArrayList<>();
        int context = o.kv + WARM + o.reps + 8;
        long denseParams = RandomModels.parameters(architecture("dense", context));
        double denseFlops = RandomModels.flopsPerToken(architecture("dense", context));
        List<InferenceModel> models = new ArrayList<>();
        try {
            for (String name : MODELS) {
                DecodeArchitecture arch = architecture(name, context);
                long t0 = System.nanoTime();
                MemoryWeightStore store = RandomModels.build(arch, o.precision, 42);
                InferenceModel model = new InferenceModel(arch, store, o.precision);
                models.add(model);
                long[] wb = model.weightBytes();
                long params = RandomModels.parameters(arch);
                String note = String.format(Locale.ROOT, "%-8s params %,d (%.1f M, %.1fx dense),"
                        + " FLOPs/token %.2f M (%.3fx dense), sparse weights %.3f GB, dense"
                        + " weights %.1f MB, experts %.1f MB, values %.1f MB, built in %.1f s",
                        name, params, params / 1e6, params / (double) denseParams,
                        RandomModels.flopsPerToken(arch) / 1e6,
                        RandomModels.flopsPerToken(arch) / denseFlops,
                        RandomModels.sparseBytes(arch, o.precision) / 1e9, wb[0] / 1e6,
                        wb[1] / 1e6, wb[2] / 1e6, (System.nanoTime() - t0) / 1e9);
                notes.add(note);
                log.println(note);
            }
            // JIT warm-up of every model's code paths before the first timed point (first
            // passes run 6-20x slower, java-engineering.md; each batch regime has its own kernel
            // path).
            for (int b : new int[] {64, 16, 4, 1}) {
                measure(models, b, o, probe);
            }
            List<Point> points = new ArrayList<>();
            for (int b : o.batches) {
                for (Point p : measure(models, b, o, probe)) {
                    points.add(p);
                    log.printf(Locale.ROOT, "  %-8s batch %4d: %9.3f ms/step (CPU %8.3f ms),"
                            + " %10.1f tokens/s, %8.1f MB/step, bound %7.3f ms, %.1f KB"
                            + " allocated%n", p.model, b, p.stepMs, p.cpuMs, p.tokensPerS,
                            p.bytesPerStep / 1e6, p.boundMs, p.allocKb);
                }
            }
            write(o, points, notes, gbs);
            if (o.json) {
                out.println(json(points, o, gbs, notes));
            } else {
                out.print(markdown(points, o.batches));
                out.print(StageTimes.markdown(points));
                out.println("reports in " + o.outDir.toAbsolutePath());
            }
            return points;
        } finally {
            for (InferenceModel m : models) {
                m.close();
            }
        }
    }

    static DecodeArchitecture architecture(String name, int context) {
        return switch (name) {
            case "dense" -> RandomModels.dense(context);
            case "moe" -> RandomModels.moe(context);
            case "ultramem_v2" -> RandomModels.ultraMemV2(context);
            default -> RandomModels.ultraMem(context);
        };
    }

    /** Untimed steps per model and batch before timing. */
    private static final int WARM = 5;
    /** Bandwidth probe array: 8x the 32 MiB L3, one pass ~8 ms. */
    private static final long PROBE_BYTES = 256L << 20;

    /**
     * One point per model at {@code batch}. The models' steps are interleaved (rep i times
     * dense, MoE, UltraMem and UltraMemV2 back to back, in an order rotated every rep), so drift
     * in the machine's speed (a shared VM varied ±30% between runs minutes apart) hits all alike
     * and the ratios compare steps taken at the same moments. Each rep also times one pass of
     * the bandwidth probe; a point's bound uses the median of those passes. Interleaving also
     * means each model's weights have left the caches by its next step (4 models, ~3 GB), as
     * they would for a model much larger than the 32 MiB L3: the regime the bound describes.
     */
    private static List<Point> measure(List<InferenceModel> models, int batch, Options o,
                                       BandwidthProbe probe) {
        int count = models.size();
        DecodeState[] states = new DecodeState[count];
        for (int m = 0; m < count; m++) {
            states[m] = models.get(m).newState(batch, o.kv + WARM + o.reps + 1, o.kvPrecision);
            states[m].fillRandom(o.kv, batch);
        }
        SplittableRandom rnd = new SplittableRandom(batch);
        int[] tokens = new int[batch];
        StageTimes.Recorder[] stageTimes = new StageTimes.Recorder[count];
        for (int m = 0; m < count; m++) {
            models.get(m).stages().enable(o.stages);
            stageTimes[m] = new StageTimes.Recorder(o.reps);
        }
        double[][] ms = new double[count][o.reps];
        double[][] cpu = new double[count][o.reps];
        double[][] alloc = new double[count][o.reps];
        double[] bandwidth = new double[o.reps];
        for (int i = -WARM; i < o.reps; i++) {
            for (int b = 0; b < batch; b++) {
                tokens[b] = rnd.nextInt(models.get(0).config().vocabSize());
            }
            for (int j = 0; j < count; j++) {
                int m = Math.floorMod(i + j, count);
                InferenceModel model = models.get(m);
                if (i == 0) {
                    model.meter().reset();
                }
                model.stages().reset();
                long c0 = javaThreadsCpuNanos();
                long a0 = ThreadAllocation.allThreadsBytes();
                long t0 = System.nanoTime();
                model.decode(states[m], tokens);
                long t1 = System.nanoTime();
                long a1 = ThreadAllocation.allThreadsBytes(); // counts its own two long[threads]
                if (i >= 0) {
                    ms[m][i] = (t1 - t0) / 1e6;
                    cpu[m][i] = (javaThreadsCpuNanos() - c0) / 1e6;
                    alloc[m][i] = (a1 - a0) / 1e3;
                    stageTimes[m].record(i, model.stages());
                }
            }
            if (i >= 0) {
                bandwidth[i] = probe.passGbs();
            }
        }
        double gbs = median(bandwidth);
        List<Point> points = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            InferenceModel model = models.get(m);
            double bytes = model.meter().total() / (double) model.meter().steps();
            double median = median(ms[m]);
            points.add(new Point(MODELS[m], batch, median, batch * 1000.0 / median, bytes,
                    bytes / gbs / 1e6, median(cpu[m]), gbs, median(alloc[m]),
                    o.stages ? stageTimes[m].medians() : null));
        }
        return points;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    /**
     * CPU time of every live Java thread (the caller and the kernel pool), in ns: per-thread
     * clocks are exact, unlike the process clock (10 ms ticks on Linux).
     */
    private static long javaThreadsCpuNanos() {
        com.sun.management.ThreadMXBean tb =
                (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long t : tb.getThreadCpuTime(tb.getAllThreadIds())) {
            sum += Math.max(0, t);
        }
        return sum;
    }

    private static String lower(Precision p) {
        return p.name().toLowerCase(Locale.ROOT);
    }

    private static void write(Options o, List<Point> points, List<String> notes, double gbs)
            throws IOException {
        StringBuilder csv = new StringBuilder("model,batch,step_ms,tokens_per_s,bytes_per_step,"
                + "bound_ms,cpu_ms,bandwidth_gbs,alloc_kb_per_step\n");
        for (Point p : points) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%.4f,%.2f,%.0f,%.4f,%.4f,%.2f,%.1f%n",
                    p.model, p.batch, p.stepMs, p.tokensPerS, p.bytesPerStep, p.boundMs, p.cpuMs,
                    p.bandwidthGbs, p.allocKb));
        }
        AtomicFiles.write(o.outDir.resolve("decode.csv"), csv.toString()
                .getBytes(StandardCharsets.UTF_8));
        StringBuilder md = new StringBuilder("# Decode latency and memory traffic vs batch\n\n");
        md.append(String.format(Locale.ROOT, "Random weights; weights %s; KV cache %s; KV length"
                + " %d; streaming bandwidth %.1f GB/s at the start (each point's bound uses the"
                + " bandwidth measured between its steps, column GB/s). The four models' steps"
                + " are interleaved, so weights come from DRAM each step.%n%n",
                lower(o.precision), lower(o.kvPrecision), o.kv, gbs));
        for (String n : notes) {
            md.append("- ").append(n).append('\n');
        }
        md.append('\n').append(markdown(points, o.batches));
        String stages = StageTimes.markdown(points);
        if (!stages.isEmpty()) {
            md.append("\nStages (median ms per step and the GB/s each streamed; --stages):\n\n")
                    .append(stages);
        }
        AtomicFiles.write(o.outDir.resolve("decode.md"), md.toString()
                .getBytes(StandardCharsets.UTF_8));
        LinePlot latency = new LinePlot("Decode step latency", "batch size", "ms per step")
                .logX(true).logY(true).markers(true);
        LinePlot traffic = new LinePlot("Memory read per decode step", "batch size",
                "MB per step").logX(true).logY(true).markers(true);
        for (String m : MODELS) {
            double[] x = points.stream().filter(p -> p.model.equals(m)).mapToDouble(p -> p.batch)
                    .toArray();
            latency.series(m, x, points.stream().filter(p -> p.model.equals(m))
                    .mapToDouble(p -> p.stepMs).toArray());
            traffic.series(m, x, points.stream().filter(p -> p.model.equals(m))
                    .mapToDouble(p -> p.bytesPerStep / 1e6).toArray());
        }
        latency.writePng(o.outDir.resolve("decode_latency.png"));
        traffic.writePng(o.outDir.resolve("decode_bytes.png"));
    }

    /**
     * The table: one row per batch; step ms per model, MoE and dense against each memory model
     * (um = UltraMem, v2 = UltraMemV2), CPU ms and MB/step per model, each memory model's bound.
     */
    static String markdown(List<Point> points, int[] batches) {
        StringBuilder sb = new StringBuilder("| batch | dense ms | moe ms | ultramem ms | v2 ms |"
                + " moe/um | um/dense | moe/v2 | v2/dense | dense CPU ms | moe CPU ms | um CPU ms |"
                + " v2 CPU ms | dense MB | moe MB | um MB | v2 MB | um bound ms | um/bound |"
                + " v2 bound ms | v2/bound | GB/s |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
                + "---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (int b : batches) {
            Point d = find(points, "dense", b);
            Point m = find(points, "moe", b);
            Point u = find(points, "ultramem", b);
            Point v = find(points, "ultramem_v2", b);
            sb.append(String.format(Locale.ROOT, "| %d | %.3f | %.3f | %.3f | %.3f | %.2f | %.2f |"
                            + " %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f | %.1f |"
                            + " %.1f | %.3f | %.2f | %.3f | %.2f | %.1f |%n", b,
                    d.stepMs, m.stepMs, u.stepMs, v.stepMs, m.stepMs / u.stepMs,
                    u.stepMs / d.stepMs, m.stepMs / v.stepMs, v.stepMs / d.stepMs, d.cpuMs,
                    m.cpuMs, u.cpuMs, v.cpuMs, d.bytesPerStep / 1e6, m.bytesPerStep / 1e6,
                    u.bytesPerStep / 1e6, v.bytesPerStep / 1e6, u.boundMs, u.stepMs / u.boundMs,
                    v.boundMs, v.stepMs / v.boundMs, u.bandwidthGbs));
        }
        return sb.toString();
    }

    private static Point find(List<Point> points, String model, int batch) {
        return points.stream().filter(p -> p.model.equals(model) && p.batch == batch).findFirst()
                .orElseThrow();
    }

    static String json(List<Point> points, Options o, double gbs, List<String> notes) {
        ObjectNode root = ConfigJson.newObject();
        root.put("random_weights", true);
        root.put("precision", lower(o.precision));
        root.put("kv_precision", lower(o.kvPrecision));
        root.put("kv", o.kv);
        root.put("bandwidth_gbs", gbs);
        ArrayNode models = root.putArray("models");
        notes.forEach(models::add);
        ArrayNode arr = root.putArray("points");
        for (Point p : points) {
            ObjectNode n = arr.addObject();
            n.put("model", p.model);
            n.put("batch", p.batch);
            n.put("step_ms", p.stepMs);
            n.put("tokens_per_s", p.tokensPerS);
            n.put("bytes_per_step", p.bytesPerStep);
            n.put("bound_ms", p.boundMs);
            n.put("cpu_ms", p.cpuMs);
            n.put("bandwidth_gbs", p.bandwidthGbs);
            n.put("alloc_kb_per_step", p.allocKb);
            if (p.stages != null) {
                p.stages.putJson(n.putObject("stages"));
            }
        }
        return ConfigJson.toCompactJson(root);
    }
}
