package org.ultramem.experiment;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.ultramem.bench.TrainBench;
import org.ultramem.io.AtomicFiles;
import org.ultramem.io.ConfigJson;

/**
 * Estimated wall time of a suite from a short throughput measurement per run
 * ({@link TrainBench#measure}: warm-up, then the median of timed optimizer steps on the run's
 * resolved config at its first seed). A run's time is seeds × (training tokens / measured tokens/s
 * + evaluations × eval_tokens / (3 × tokens/s)), the evaluation term taking a forward pass as about
 * a third of a training step. Checkpoint writes and data loading are not counted.
 */
public final class SuiteEstimate {

    /** The estimate for one run: measured tokens/s and the run's total seconds over its seeds. */
    public record Line(String run, int seeds, long tokens, double tokensPerS, double seconds) {
    }

    private SuiteEstimate() {
    }

    /** Measures every run of {@code trials}' suite over {@code steps} timed steps; prints as it goes. */
    public static List<Line> measure(Suite suite, List<Trial> trials, int steps, PrintStream log) throws IOException {
        List<Line> out = new ArrayList<>();
        Path tmp = Files.createTempDirectory("ultramem-estimate");
        try {
            for (RunSpec r : suite.runs()) {
                List<Trial> mine = trials.stream().filter(t -> t.run().name().equals(r.name())).toList();
                Trial t = mine.getFirst();
                Path cfg = tmp.resolve(t.label() + ".json");
                ConfigJson.write(cfg, t.config());
                double tps = TrainBench.measure(cfg, steps).tokensPerS();
                long tokens = t.training().maxSteps() * t.training().tokensPerStep();
                double evals = Math.ceil((double) t.training().maxSteps() / t.training().evalEvery());
                double evalTokens = suite.evalTokens() * evals;
                double seconds = mine.size() * (tokens / tps + evalTokens / (3 * tps));
                Line line = new Line(r.name(), mine.size(), tokens, tps, seconds);
                out.add(line);
                if (log != null) {
                    log.println(String.format(Locale.ROOT, "%-24s %,9.0f tokens/s  %d seed(s) x %,d tokens  ~%s",
                            r.name(), tps, mine.size(), tokens, duration(seconds)));
                    log.flush();
                }
            }
        } finally {
            AtomicFiles.deleteTree(tmp);
        }
        return out;
    }

    /** Sum of the lines' seconds. */
    public static double totalSeconds(List<Line> lines) {
        return lines.stream().mapToDouble(Line::seconds).sum();
    }

    /** "1 h 23 min" / "4 min 05 s" / "12 s". */
    public static String duration(double seconds) {
        long s = Math.round(seconds);
        if (s >= 3600) {
            return String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
        }
        if (s >= 60) {
            return String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60);
        }
        return s + " s";
    }
}
