package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.ultramem.data.facts.Attribute;
import org.ultramem.eval.FactsReport;
import org.ultramem.model.MemorySpec;
import org.ultramem.report.LinePlot;

/**
 * The report's knowledge section (suites with {@code facts_eval}): per run, mean ± sd over seeds of
 * the bits of knowledge stored ({@link FactsReport#HEADLINE}), per parameter, per activated
 * parameter and per FLOP/token, the accuracies behind them, and a plot of bits against memory
 * size (UltraMem and UltraMemV2 as separate series). Figures come from each trial's
 * {@link FactsTrialEval#FILE}, whose cost figures are {@code ModelCost}'s ({@code inspect}), so a V2
 * model's shared value table counts once.
 */
final class KnowledgeTable {

    /** Plot series of the UltraMem (V1) runs. */
    static final String V1 = "UltraMem";
    /** Plot series of the UltraMemV2 runs (one shared value table, counted once). */
    static final String V2 = "UltraMemV2";

    private KnowledgeTable() {
    }

    /** Headline bits per run name, over the seeds with a facts evaluation (for claims). */
    static Map<String, SeedStats> bits(List<RunFigures> runs) {
        Map<String, SeedStats> out = new LinkedHashMap<>();
        for (RunFigures r : runs) {
            out.put(r.run().name(), stat(r, j -> j.path("bits").asDouble(Double.NaN)));
        }
        return out;
    }

    /** Appends the section and its plot ({@code plots/bits-vs-memory.png} when it can be drawn). */
    static void append(StringBuilder md, List<RunFigures> runs, Path suiteDir) throws IOException {
        md.append("\n## Knowledge stored (`eval --facts`)\n\n| run | seeds evaluated | bits | bits raw"
                + " | held-out acc | train-template acc | bits/param | bits/active param | bits per"
                + " FLOP/token | memory rows |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (RunFigures r : runs) {
            SeedStats bits = stat(r, j -> j.path("bits").asDouble(Double.NaN));
            md.append(fmt("| %s | %d/%d | %s | %s | %s | %s | %s | %s | %s | %,d |%n", r.run().name(), bits.n(),
                    r.trials().size(), bits.format(1), stat(r, j -> j.path("bits_raw").asDouble()).format(1),
                    stat(r, j -> j.path("accuracy").asDouble()).format(4),
                    stat(r, j -> j.path("accuracy_train_template").asDouble()).format(4),
                    sci(stat(r, j -> j.path("bits_per_param").asDouble())),
                    sci(stat(r, j -> j.path("bits_per_active_param").asDouble())),
                    sci(stat(r, j -> j.path("bits_per_flop_per_token").asDouble())), r.memoryRows()));
        }
        md.append("\nHeadline (*bits*): ").append(FactsReport.HEADLINE).append(". *bits raw* leaves out the"
                + " chance correction; *train-template acc* asks with the question wordings the training data"
                + " answers (memorization without template transfer). Parameters and FLOPs/token from"
                + " `ModelCost`.\n\n| run |");
        for (Attribute a : Attribute.values()) {
            md.append(' ').append(a.key).append(" |");
        }
        md.append("\n|---|").append("---|".repeat(Attribute.values().length)).append('\n');
        for (RunFigures r : runs) {
            md.append("| ").append(r.run().name()).append(" |");
            for (Attribute a : Attribute.values()) {
                md.append(' ').append(stat(r, j -> j.path("attributes").path(a.key).path("accuracy")
                        .asDouble(Double.NaN)).format(3)).append(" |");
            }
            md.append('\n');
        }
        md.append("\nPer-attribute held-out accuracy (mean ± sd over seeds).\n\n");
        Path png = plot(runs, suiteDir.resolve("plots").resolve("bits-vs-memory.png"));
        if (png != null) {
            md.append("![bits stored vs memory rows](").append(suiteDir.relativize(png).toString()
                    .replace('\\', '/')).append(")\n");
        }
    }

    /**
     * Bits against memory rows, one series per memory-size sweep ({@link #familyPoints}: UltraMem
     * V1 runs such as the knum sweep on one line, UltraMemV2 on its own, a V1 run that changes
     * more than the key count on its own), the other runs as flat lines; drawn when the sweeps
     * hold at least two points.
     */
    private static Path plot(List<RunFigures> runs, Path file) throws IOException {
        Map<String, double[][]> families = familyPoints(runs);
        double[] xs = families.values().stream().flatMapToDouble(p -> Arrays.stream(p[0])).sorted().toArray();
        if (xs.length < 2) {
            return null;
        }
        LinePlot plot = new LinePlot("bits of knowledge stored vs memory size", "memory value rows (log scale)",
                "bits stored").logX(true).markers(true).xPattern("#,###");
        families.forEach((name, p) -> plot.series(name, p[0], p[1]));
        for (RunFigures r : runs) {
            SeedStats b = stat(r, j -> j.path("bits").asDouble(Double.NaN));
            if (family(r) == null && b.n() > 0) {
                plot.series(r.run().name(), new double[] {xs[0], xs[xs.length - 1]}, new double[] {b.mean(), b.mean()});
            }
        }
        plot.writePng(file);
        return file;
    }

    /**
     * Per memory-size sweep with evaluated runs: {x = memory rows, y = mean bits}, by rising rows.
     * A sweep is the runs of one retrieval family ({@link #family}) whose model configs differ in
     * the memories' key counts at most ({@link #sweepKey}); it is named by its family, or, when the
     * family holds several sweeps (a knum sweep beside a run that changes something else at one
     * size), by its family and its first run. Package-private for the report's tests.
     */
    static Map<String, double[][]> familyPoints(List<RunFigures> runs) {
        // family -> sweep key -> the sweep's runs as {rows, mean bits}, and its first run's name
        Map<String, Map<String, List<double[]>>> sweeps = new LinkedHashMap<>();
        Map<String, String> firstRun = new LinkedHashMap<>();
        for (RunFigures r : runs) {
            String family = family(r);
            SeedStats b = stat(r, j -> j.path("bits").asDouble(Double.NaN));
            if (family != null && b.n() > 0) {
                String key = sweepKey(r);
                firstRun.putIfAbsent(family + key, r.run().name());
                sweeps.computeIfAbsent(family, k -> new LinkedHashMap<>())
                        .computeIfAbsent(key, k -> new ArrayList<>())
                        .add(new double[] {r.memoryRows(), b.mean()});
            }
        }
        Map<String, double[][]> out = new LinkedHashMap<>();
        sweeps.forEach((family, groups) -> groups.forEach((key, p) -> {
            String name = groups.size() == 1 ? family : family + " (" + firstRun.get(family + key)
                    + (p.size() > 1 ? " and its sizes)" : ")");
            p.sort((a, b) -> Double.compare(a[0], b[0]));
            out.put(name, new double[][] {p.stream().mapToDouble(q -> q[0]).toArray(),
                    p.stream().mapToDouble(q -> q[1]).toArray()});
        }));
        return out;
    }

    /** r's model config with every memory's key count left out: equal for the runs of one sweep. */
    static String sweepKey(RunFigures r) {
        ObjectNode o = r.trials().getFirst().model().toJsonNode();
        for (JsonNode m : o.path("memory_layers")) {
            if (m instanceof ObjectNode layer) {
                layer.remove("mem_knum");
            }
        }
        return o.toString();
    }

    /**
     * The plot series of {@code r}'s memory: {@value #V1} or {@value #V2}; null for a run without
     * UltraMem (dense, MoE, PKM: drawn as a flat line at its bits).
     */
    static String family(RunFigures r) {
        List<MemorySpec> mem = r.trials().getFirst().model().memoryLayers();
        return mem.stream().anyMatch(m -> m.ultraMem() != null) ? V1
                : mem.stream().anyMatch(m -> m.ultraMemV2() != null) ? V2 : null;
    }

    private static SeedStats stat(RunFigures r, ToDoubleFunction<JsonNode> field) {
        List<Double> xs = new ArrayList<>();
        for (Trial t : r.trials()) {
            JsonNode j = FactsTrialEval.read(t.dir());
            if (j != null) {
                xs.add(field.applyAsDouble(j));
            }
        }
        return SeedStats.of(xs.stream().mapToDouble(Double::doubleValue).toArray());
    }

    private static String sci(SeedStats s) {
        return s.n() == 0 ? "n/a" : fmt("%.3e", s.mean());
    }

    private static String fmt(String f, Object... args) {
        return String.format(Locale.ROOT, f, args);
    }
}
