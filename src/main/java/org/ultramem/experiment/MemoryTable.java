package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
                JsonNode last = lastEval(t.dir().resolve(RunResult.METRICS));
                for (int m = 0; last != null && last.has("mem" + m + ".slot_frac"); m++) {
                    String p = "mem" + m + ".";
                    rows.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %.1f%% | %.3f | %.2f | %.3f |%n",
                            r.run().name(), t.seed(), m, last.path("step").asLong(),
                            100 * last.path(p + "slot_frac").asDouble(), last.path(p + "usage_entropy").asDouble(),
                            last.path(p + "top1_score").asDouble(), last.path(p + "out_std").asDouble()));
                }
            }
        }
        if (rows.isEmpty()) {
            return;
        }
        md.append("\n## Memory layers at the last evaluation\n\n| run | seed | layer | step | rows used"
                + " | usage entropy | top-1 score | output std |\n|---|---|---|---|---|---|---|---|\n")
                .append(rows)
                .append("\nRows used: share of value rows read at least once since the previous evaluation"
                        + " (training and evaluation forwards); usage entropy: entropy of row use over ln(rows),"
                        + " 1 for uniform use; top-1 score: mean best retrieval score; output std: standard"
                        + " deviation of the layer's output, which is added to the residual stream.\n");
    }

    private static JsonNode lastEval(Path metrics) throws IOException {
        if (!Files.isRegularFile(metrics)) {
            return null;
        }
        JsonNode last = null;
        for (JsonNode m : MetricsLog.read(metrics)) {
            if (m.path("type").asText().equals("eval")) {
                last = m;
            }
        }
        return last;
    }
}
