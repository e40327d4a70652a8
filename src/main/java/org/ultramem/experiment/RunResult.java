package org.ultramem.experiment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ultramem.io.ConfigJson;
import org.ultramem.train.MetricsLog;

/**
 * What one finished training run ended with, stored as {@code result.json} in its directory
 * (the marker that makes a rerun skip it). Figures come from the run's {@code metrics.jsonl}:
 * the last evaluation, the last training loss and the median logged training throughput
 * (median, not mean: the first window holds JIT warm-up and windows after an evaluation hold its
 * time). A diverged run is a result too ({@code status} "diverged", NaN losses), so reruns do
 * not retry it.
 *
 * @param status "finished" or "diverged"
 * @param message why it diverged ("" when finished)
 * @param trainSeconds machine time spent training: the sum over logged windows of window tokens /
 *     window tokens/s; evaluation, checkpoints and data loading are outside the windows, and
 *     steps redone after a resume are not counted (a resume drops the log past its checkpoint)
 */
public record RunResult(String run, long seed, String status, long steps, long tokens, double valLoss,
                        double valBpb, double trainLoss, double tokensPerS, String message,
                        double trainSeconds) {

    /** File name of the marker in a run directory. */
    public static final String FILE = "result.json";
    /** File name of the metrics log the trainer writes. */
    public static final String METRICS = "metrics.jsonl";

    /** True when the run trained to the end (not diverged) and has a validation loss. */
    public boolean finished() {
        return status.equals("finished") && Double.isFinite(valLoss);
    }

    /** Builds the result of a run in {@code dir} from its metrics log. */
    public static RunResult fromMetrics(String run, long seed, Path dir, String status, String message)
            throws IOException {
        List<JsonNode> metrics = Files.exists(dir.resolve(METRICS)) ? MetricsLog.read(dir.resolve(METRICS)) : List.of();
        JsonNode lastEval = null;
        JsonNode lastTrain = null;
        List<Double> tps = new ArrayList<>();
        for (JsonNode m : metrics) {
            String type = m.path("type").asText();
            if (type.equals("eval")) {
                lastEval = m;
            } else if (type.equals("train")) {
                lastTrain = m;
                if (m.path("step").asLong() > 1 && m.path("tokens_per_s").isNumber()) {
                    tps.add(m.path("tokens_per_s").asDouble());
                }
            }
        }
        long steps = lastTrain == null ? 0 : lastTrain.path("step").asLong();
        long tokens = lastTrain == null ? 0 : lastTrain.path("tokens").asLong();
        return new RunResult(run, seed, status, steps, tokens, number(lastEval, "val_loss"),
                number(lastEval, "val_bpb"), number(lastTrain, "loss"), median(tps), message,
                trainSeconds(metrics));
    }

    /**
     * Σ window tokens / window tokens/s over the train records in log order, a window starting at
     * the nearest logged point below it (the previous record; in a log that repeats steps, the
     * nearest earlier one, so no token is counted twice).
     */
    static double trainSeconds(List<JsonNode> metrics) {
        double seconds = 0;
        java.util.TreeSet<Long> seen = new java.util.TreeSet<>();
        for (JsonNode m : metrics) {
            if (!m.path("type").asText().equals("train") || !m.path("tokens_per_s").isNumber()) {
                continue;
            }
            long tokens = m.path("tokens").asLong();
            double tps = m.path("tokens_per_s").asDouble();
            Long start = seen.lower(tokens);
            if (tps > 0) {
                seconds += (tokens - (start == null ? 0 : start)) / tps;
            }
            seen.add(tokens);
        }
        return seconds;
    }

    /** Reads {@code dir/result.json}, or returns null when the run has not finished. */
    public static RunResult read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode o = ConfigJson.load(file);
        double seconds = number(o, "train_seconds");
        if (Double.isNaN(seconds) && Files.exists(dir.resolve(METRICS))) {
            // Written before train_seconds existed: the metrics log still has the windows.
            try {
                seconds = trainSeconds(MetricsLog.read(dir.resolve(METRICS)));
            } catch (IOException e) {
                seconds = Double.NaN;
            }
        }
        return new RunResult(o.path("run").asText(), o.path("seed").asLong(), o.path("status").asText(),
                o.path("steps").asLong(), o.path("tokens").asLong(), number(o, "val_loss"), number(o, "val_bpb"),
                number(o, "train_loss"), number(o, "tokens_per_s"), o.path("message").asText(""), seconds);
    }

    /** Writes {@code dir/result.json} atomically (non-finite numbers as strings, e.g. "NaN"). */
    public void write(Path dir) throws IOException {
        ObjectNode o = ConfigJson.newObject();
        o.put("run", run).put("seed", seed).put("status", status).put("steps", steps).put("tokens", tokens);
        put(o, "val_loss", valLoss);
        put(o, "val_bpb", valBpb);
        put(o, "train_loss", trainLoss);
        put(o, "tokens_per_s", tokensPerS);
        put(o, "train_seconds", trainSeconds);
        o.put("message", message);
        ConfigJson.write(dir.resolve(FILE), o);
    }

    private static void put(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.put(key, Double.toString(v));
        }
    }

    private static double number(JsonNode node, String key) {
        if (node == null || !node.has(key)) {
            return Double.NaN;
        }
        JsonNode v = node.get(key);
        return v.isNumber() ? v.asDouble() : Double.parseDouble(v.asText("NaN"));
    }

    /** Median of {@code xs}; NaN when empty. */
    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(a);
        int n = a.length;
        return n % 2 == 1 ? a[n / 2] : (a[n / 2 - 1] + a[n / 2]) / 2;
    }
}
