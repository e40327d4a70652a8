package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ultramem.train.MetricsLog;

/**
 * The report's memory-layer section: for every trial with memory, each layer's retrieval health at
 * its last evaluation, read from the {@code mem{m}.*} diagnostics in {@code metrics.jsonl}. These
 * are the figures that tell a collapsed memory (few rows used, outputs swamping the residual
 * stream) from a healthy one when a memory model trails its baseline.
 */
final class MemoryTable {

    private MemoryTable() {
    }

    /** Appends the section, or nothing when no trial logged memory diagnostics. */
    static void append(StringBuilder md, List<RunFigures> runs) throws IOException {
        StringBuilder rows = new StringBuilder();
        for (RunFigures r : runs) {
            for (Trial t : r.trials()) {
                List<JsonNode> evals = evals(t.dir().resolve(RunResult.METRICS));
                JsonNode last = evals.isEmpty() ? null : evals.getLast();
                for (int m = 0; last != null && last.has("mem" + m + ".slot_frac"); m++) {
                    String p = "mem" + m + ".";
                    rows.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f%% | %s | %.3f | %.2f | %.3f |%n",
                            r.run().name(), t.seed(), m, last.path("step").asLong(),
                            100 * last.path(p + "slot_frac").asDouble(),
                            fewestAfterWarmup(evals, m, t.training().warmupSteps()),
                            last.path(p + "usage_entropy").asDouble(),
                            last.path(p + "top1_score").asDouble(), last.path(p + "out_std").asDouble()));
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Memory layers at the last evaluation\n\n| run | seed | layer | step | rows used"
                + " | fewest rows used after warmup (step) | usage entropy | top-1 score | output std |\n"
                + "|---|---|---|---|---|---|---|---|---|\n")
                .append(rows)
                .append("\nRows used: share of value rows read at least once since the previous evaluation"
                        + " (training and evaluation forwards); fewest after warmup: the lowest of those shares"
                        + " over every evaluation after the learning-rate warmup, and its step; usage entropy: entropy of row use over ln(rows),"
                        + " 1 for uniform use; top-1 score: mean best retrieval score; output std: standard"
                        + " deviation of the layer's output, which is added to the residual stream.\n");
    }

    /** "83.1% (200)": layer {@code m}'s lowest rows-used share over evaluations after {@code warmup}. */
    static String fewestAfterWarmup(List<JsonNode> evals, int m, long warmup) {
        String key = "mem" + m + ".slot_frac";
        JsonNode fewest = null;
        for (JsonNode e : evals) {
            if (e.path("step").asLong() > warmup && e.has(key)
                    && (fewest == null || e.path(key).asDouble() < fewest.path(key).asDouble())) {
                fewest = e;
            }
        }
        return fewest == null ? "none after warmup"
                : String.format(Locale.ROOT, "%.1f%% (%d)", 100 * fewest.path(key).asDouble(), fewest.path("step").asLong());
    }

    private static List<JsonNode> evals(Path metrics) throws IOException {
        List<JsonNode> evals = new ArrayList<>();
        if (Files.isRegularFile(metrics)) {
            for (JsonNode m : MetricsLog.read(metrics)) {
                if (m.path("type").asText().equals("eval")) {
                    evals.add(m);
                }
            }
        }
        return evals;
    }
}
