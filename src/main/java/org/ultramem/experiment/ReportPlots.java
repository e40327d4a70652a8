package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.ultramem.report.LinePlot;
import org.ultramem.train.MetricsLog;

/**
 * The PNG plots of a suite report: training and validation loss against tokens for every trial
 * (read from each trial's {@code metrics.jsonl}), and validation loss against memory size for a
 * scaling claim. Each method returns the written file, or null when there was nothing to draw.
 */
final class ReportPlots {

    private ReportPlots() {
    }

    /** Loss ({@code "loss"} of train entries or {@code "val_loss"} of eval entries) against tokens. */
    static Path lossCurves(List<RunFigures> runs, boolean validation, Path file) throws IOException {
        String type = validation ? "eval" : "train";
        String key = validation ? "val_loss" : "loss";
        LinePlot plot = new LinePlot(validation ? "validation loss" : "training loss", "tokens", "loss (nats/token)");
        int series = 0;
        for (int run = 0; run < runs.size(); run++) {
            RunFigures r = runs.get(run);
            for (int seed = 0; seed < r.trials().size(); seed++) {
                Trial t = r.trials().get(seed);
                Path metrics = t.dir().resolve(RunResult.METRICS);
                if (!Files.isRegularFile(metrics)) {
                    continue;
                }
                List<double[]> pts = new ArrayList<>();
                for (JsonNode m : MetricsLog.read(metrics)) {
                    if (m.path("type").asText().equals(type) && m.path(key).isNumber()) {
                        pts.add(new double[] {m.path("tokens").asDouble(), m.path(key).asDouble()});
                    }
                }
                if (!pts.isEmpty()) {
                    // one colour per run, the first seed solid and later ones dashed
                    plot.series(t.label(), pts.stream().mapToDouble(p -> p[0]).toArray(),
                            pts.stream().mapToDouble(p -> p[1]).toArray(), run, seed > 0);
                    series++;
                }
            }
        }
        if (series == 0) {
            return null;
        }
        plot.markers(validation).xPattern("#,###").writePng(file);
        return file;
    }

    /**
     * Mean validation loss against memory value rows (log x axis) for the runs with memory;
     * runs without memory (the dense baseline) are drawn as flat reference lines across the range.
     */
    static Path lossVsSlots(List<RunFigures> runs, Path file) throws IOException {
        List<double[]> pts = new ArrayList<>();
        for (RunFigures r : runs) {
            if (r.memoryRows() > 0 && r.valLoss().n() > 0) {
                pts.add(new double[] {r.memoryRows(), r.valLoss().mean()});
            }
        }
        if (pts.size() < 2) {
            return null;
        }
        pts.sort((a, b) -> Double.compare(a[0], b[0]));
        double[] x = pts.stream().mapToDouble(p -> p[0]).toArray();
        LinePlot plot = new LinePlot("validation loss vs memory size", "memory value rows (log scale)",
                "validation loss (nats/token)").logX(true).markers(true).xPattern("#,###");
        plot.series("memory runs", x, pts.stream().mapToDouble(p -> p[1]).toArray());
        for (RunFigures r : runs) {
            if (r.memoryRows() == 0 && r.valLoss().n() > 0) {
                double y = r.valLoss().mean();
                plot.series(r.run().name(), new double[] {x[0], x[x.length - 1]}, new double[] {y, y});
            }
        }
        plot.writePng(file);
        return file;
    }
}
