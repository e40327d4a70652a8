package org.ultramem.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ultramem.io.AtomicFiles;
import org.ultramem.io.ConfigJson;
import org.ultramem.report.LinePlot;

/**
 * The soak's reports: {@code soak.md} (verdict per target condition, then the counts),
 * {@code soak.json} (the same and the time series), {@code soak_tokens_per_s.png} and
 * {@code soak_heap.png}. The heap is judged on the live heap net of GC filler objects (the rule
 * is {@link HeapVerdict}'s); the heap used after each GC gives the stated peak.
 */
final class SoakReport {

    private SoakReport() {
    }

    static void write(SoakResult r, Path dir) throws IOException {
        AtomicFiles.write(dir.resolve("soak.json"), json(r).toPrettyString()
                .getBytes(StandardCharsets.UTF_8));
        AtomicFiles.write(dir.resolve("soak.md"), markdown(r).getBytes(StandardCharsets.UTF_8));
        double[] rate = r.tally().tokensPerSecond(r.options().seconds());
        double[] t = new double[rate.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = (i + 0.5) * r.tally().bucketSeconds();
        }
        new LinePlot("Soak: output tokens/s over time", "seconds", "output tokens/s")
                .series("tokens/s", t, rate).writePng(dir.resolve("soak_tokens_per_s.png"));
        LinePlot heap = new LinePlot("Soak: heap over time", "seconds", "MiB");
        series(heap, "used (sampled each second)", r.used());
        series(heap, "used after GC", r.afterGc());
        series(heap, "live net of GC fillers", r.live());
        heap.writePng(dir.resolve("soak_heap.png"));
    }

    private static void series(LinePlot plot, String name, List<HeapMonitor.Sample> samples) {
        if (!samples.isEmpty()) {
            plot.series(name, samples.stream().mapToDouble(HeapMonitor.Sample::seconds).toArray(),
                    samples.stream().mapToDouble(s -> SoakResult.mib(s.bytes())).toArray());
        }
    }

    static String markdown(SoakResult r) {
        SoakBench.Options o = r.options();
        StringBuilder sb = new StringBuilder("# Soak: ").append(r.model()).append("\n\n");
        sb.append(String.format(Locale.ROOT, "Capacity %d = max-batch %d + max-queue %d (defined,"
                + " not measured); %d clients = %.2f x capacity for %.0f s (wall %.1f s),"
                + " max_tokens %d, %.0f%% streamed, %.0f%% deliberately bad, seed %d; engine"
                + " threads asked for nice %d.%n%n",
                o.capacity(), o.maxBatch(), o.maxQueue(), o.clients(), o.load(), o.seconds(),
                r.wallSeconds(), r.maxTokens(), 100 * o.streamFraction(),
                100 * SoakRequest.BAD_FRACTION, o.seed(), o.engineNice()));
        sb.append("| target condition | verdict | evidence |\n|---|---|---|\n");
        for (SoakResult.Verdict v : r.verdicts()) {
            sb.append("| ").append(v.condition()).append(" | ").append(v.state()).append(" | ")
                    .append(v.evidence()).append(" |\n");
        }
        sb.append(String.format(Locale.ROOT, "%n%d requests, %d output tokens (%.1f tokens/s"
                + " over the wall time).%n%n", r.tally().total(), r.tally().totalTokens(),
                r.tally().totalTokens() / r.wallSeconds()));
        sb.append(String.format(Locale.ROOT, "Output tokens/s per %.0f s:", r.tally()
                .bucketSeconds()));
        for (double x : r.tally().tokensPerSecond(o.seconds())) {
            sb.append(String.format(Locale.ROOT, " %.1f", x));
        }
        sb.append("\n\n");
        table(sb, "outcome", r.tally().byOutcome());
        table(sb, "HTTP status", r.tally().byStatus());
        table(sb, "request kind", r.tally().byKind());
        if (!r.tally().failureReasons().isEmpty()) {
            table(sb, "failure reason", r.tally().failureReasons());
        }
        if (!r.tally().malformedSamples().isEmpty()) {
            sb.append("Malformed samples:\n\n");
            for (String s : r.tally().malformedSamples()) {
                sb.append("- `").append(s.replace("`", "'")).append("`\n");
            }
        }
        return sb.toString();
    }

    private static void table(StringBuilder sb, String what, Map<?, Long> counts) {
        sb.append("| ").append(what).append(" | requests |\n|---|---:|\n");
        counts.forEach((k, n) -> sb.append("| ").append(k.toString().toLowerCase(Locale.ROOT))
                .append(" | ").append(n).append(" |\n"));
        sb.append('\n');
    }

    static ObjectNode json(SoakResult r) {
        SoakBench.Options o = r.options();
        ObjectNode root = ConfigJson.newObject();
        root.put("model", r.model());
        root.put("capacity", o.capacity());
        root.put("capacity_definition", "max_batch + max_queue");
        root.put("max_batch", o.maxBatch());
        root.put("max_queue", o.maxQueue());
        root.put("load", o.load());
        root.put("clients", o.clients());
        root.put("seconds", o.seconds());
        root.put("wall_seconds", r.wallSeconds());
        root.put("max_tokens", r.maxTokens());
        root.put("stream_fraction", o.streamFraction());
        root.put("bad_fraction", SoakRequest.BAD_FRACTION);
        root.put("engine_nice", o.engineNice());
        root.put("seed", o.seed());
        root.put("pass", r.pass());
        ArrayNode verdicts = root.putArray("verdicts");
        for (SoakResult.Verdict v : r.verdicts()) {
            verdicts.addObject().put("condition", v.condition()).put("state", v.state())
                    .put("evidence", v.evidence());
        }
        root.put("requests", r.tally().total());
        root.put("output_tokens", r.tally().totalTokens());
        counts(root.putObject("by_outcome"), r.tally().byOutcome());
        counts(root.putObject("by_status"), r.tally().byStatus());
        counts(root.putObject("by_kind"), r.tally().byKind());
        counts(root.putObject("failure_reasons"), r.tally().failureReasons());
        ArrayNode samples = root.putArray("malformed_samples");
        r.tally().malformedSamples().forEach(samples::add);
        ObjectNode heap = root.putObject("heap");
        heap.put("peak_after_gc_bytes", r.heap().peakBytes());
        heap.put("last_minute_peak_after_gc_bytes", r.heap().lastMinutePeakBytes());
        heap.put("live_rule", "full GC + class histogram, filler objects"
                + " (jdk.internal.vm.Filler*) subtracted");
        heap.put("peak_live_bytes", r.heap().peakLiveBytes());
        heap.put("second_quarter_peak_live_bytes", r.heap().secondQuarterLiveBytes());
        heap.put("last_quarter_peak_live_bytes", r.heap().lastQuarterLiveBytes());
        heap.put("judged", r.heap().judged());
        heap.put("bounded", r.heap().bounded());
        heap.put("live_before_bytes", r.baselineLive().bytes());
        heap.put("live_after_bytes", r.retainedLive().bytes());
        heap.put("fillers_before_bytes", r.baselineLive().fillerBytes());
        heap.put("fillers_after_bytes", r.retainedLive().fillerBytes());
        ArrayNode gc = heap.putArray("after_gc");
        r.afterGc().forEach(s -> gc.addArray().add(s.seconds()).add(s.bytes()));
        ArrayNode live = heap.putArray("live");
        r.live().forEach(s -> live.addArray().add(s.seconds()).add(s.bytes()));
        ObjectNode health = root.putObject("health");
        health.put("checks", r.healthChecks());
        health.put("failures", r.healthFailures());
        health.put("ok_at_end", r.healthyAtEnd());
        root.put("bucket_seconds", r.tally().bucketSeconds());
        ArrayNode rate = root.putArray("tokens_per_s");
        for (double x : r.tally().tokensPerSecond(o.seconds())) {
            rate.add(x);
        }
        return root;
    }

    private static void counts(ObjectNode node, Map<?, Long> counts) {
        counts.forEach((k, n) -> node.put(k.toString().toLowerCase(Locale.ROOT), n));
    }
}
