package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import org.ultramem.data.facts.Attribute;
import org.ultramem.eval.FactsReport;
import org.ultramem.report.LinePlot;

/**
 * The report's knowledge section (suites with {@code facts_eval}): per run, mean ± sd over seeds of
 * the bits of knowledge stored ({@link FactsReport#HEADLINE}), per parameter, per activated
 * parameter and per FLOP/token, the accuracies behind them, and a plot of bits against memory
 * size. Figures come from each trial's {@link FactsTrialEval#FILE}.
 */
final class KnowledgeTable {

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

    /** Bits against memory rows for the UltraMem runs; runs without UltraMem as flat lines. */
    private static Path plot(List<RunFigures> runs, Path file) throws IOException {
        List<double[]> pts = new ArrayList<>();
        for (RunFigures r : runs) {
            SeedStats b = stat(r, j -> j.path("bits").asDouble(Double.NaN));
            if (isUltraMem(r) && b.n() > 0) {
                pts.add(new double[] {r.memoryRows(), b.mean()});
            }
        }
        if (pts.size() < 2) {
            return null;
        }
        pts.sort((a, b) -> Double.compare(a[0], b[0]));
        double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
        LinePlot plot = new LinePlot("bits of knowledge stored vs memory size", "memory value rows (log scale)",
                "bits stored").logX(true).markers(true).xPattern("#,###");
        plot.series("UltraMem", x, pts.stream().mapToDouble(p -> p[1]).toArray());
        for (RunFigures r : runs) {
            SeedStats b = stat(r, j -> j.path("bits").asDouble(Double.NaN));
            if (!isUltraMem(r) && b.n() > 0) {
                plot.series(r.run().name(), new double[] {x[0], x[x.length - 1]}, new double[] {b.mean(), b.mean()});
            }
        }
        plot.writePng(file);
        return file;
    }

    private static boolean isUltraMem(RunFigures r) {
        return r.trials().getFirst().model().memoryLayers().stream().anyMatch(m -> m.ultraMem() != null);
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
