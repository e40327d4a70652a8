package org.ultramem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.ultramem.data.Split;
import org.ultramem.data.TokenDataset;
import org.ultramem.model.MemorySpec;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.report.LinePlot;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.TrainConfig;

/**
 * {@code ultramem inspect --usage}: runs a checkpoint forward (evaluation mode) over the first
 * full windows of a split and reports, per memory layer, how its physical value rows were used:
 * one summary line and one PNG of the hits per row sorted in descending order (log y; rows never
 * hit are counted in the title, not drawn).
 */
final class InspectUsage {

    /** Points drawn per usage curve at most (ranks are sampled evenly beyond that). */
    static final int MAX_POINTS = 2000;

    private InspectUsage() {
    }

    /**
     * Usage of one memory layer's value rows over a run.
     *
     * @param index   memory layer number
     * @param type    "ultramem" or "pkm"
     * @param rows    physical value rows (UltraMem N = K0², PKM n²)
     * @param hits    selections counted (tokens × H·k)
     * @param touched rows selected at least once
     * @param entropy Shannon entropy of the hit distribution over rows / ln(rows): 1 = uniform
     */
    record LayerUsage(int index, String type, long rows, long hits, long touched, double entropy) {

        static LayerUsage of(int index, String type, long[] counts) {
            long hits = 0;
            long touched = 0;
            for (long c : counts) {
                hits += c;
                touched += c > 0 ? 1 : 0;
            }
            double h = 0;
            for (long c : counts) {
                if (c > 0) {
                    double p = (double) c / hits;
                    h -= p * Math.log(p);
                }
            }
            double entropy = counts.length > 1 ? h / Math.log(counts.length) : 0;
            return new LayerUsage(index, type, counts.length, hits, touched, entropy);
        }

        long dead() {
            return rows - touched;
        }

        double touchedFraction() {
            return (double) touched / rows;
        }

        String summary(long tokens) {
            return String.format(Locale.ROOT, "memory.%d (%s, %,d rows): %,d tokens, %,d hits;"
                            + " touched %.2f%% (%,d), dead %,d, entropy %.4f of max", index, type,
                    rows, tokens, hits, 100 * touchedFraction(), touched, dead(), entropy);
        }
    }

    /** Runs the model, prints one line per memory layer and writes {@code usage-memory<l>.png}. */
    static List<LayerUsage> run(Path modelDir, Split split, Path dataDir, long tokens, int batch,
            Path outDir, PrintWriter out) throws IOException {
        if (batch <= 0) {
            throw new IllegalArgumentException("--batch " + batch + " must be > 0");
        }
        ModelConfig cfg = Checkpoints.readConfig(modelDir);
        if (cfg.memoryLayers().isEmpty()) {
            throw new IllegalArgumentException(modelDir + " has no memory layers (config key"
                    + " `memory_layers` is empty); --usage needs an UltraMem or PKM checkpoint");
        }
        TrainConfig tc = Checkpoints.readTrainConfig(modelDir);
        int seq = tc != null ? tc.seqLen() : cfg.maxPositionEmbeddings();
        try (TokenDataset ds = TokenDataset.open(dataDir, split)) {
            long windows = Math.min(tokens / seq, (ds.size() - 1) / seq);
            if (windows <= 0) {
                throw new IllegalArgumentException("--tokens " + tokens + " must cover at least one"
                        + " window of seq " + seq + " tokens (the " + split.key + " split holds "
                        + ds.size() + "); raise --tokens");
            }
            Transformer model = Checkpoints.loadModel(modelDir, batch, seq);
            model.drainDiagnostics();
            forward(model, ds, windows, batch, seq);
            long ran = windows * seq;
            List<LayerUsage> result = new ArrayList<>();
            for (MemorySpec spec : cfg.memoryLayers()) {
                int l = spec.index();
                long[] counts = counts(model, l);
                LayerUsage u = LayerUsage.of(l, spec.type(), counts);
                out.println(u.summary(ran));
                if (u.hits() > 0) {
                    plot(u, counts).writePng(outDir.resolve("usage-memory" + l + ".png"));
                }
                result.add(u);
            }
            out.println("plots: " + outDir.toAbsolutePath());
            return result;
        }
    }

    /** Forward over windows 0..windows−1 of the split, batch sequences at a time. */
    private static void forward(Transformer model, TokenDataset ds, long windows, int batch,
            int seq) {
        for (long w0 = 0; w0 < windows; w0 += batch) {
            int b = (int) Math.min(batch, windows - w0);
            int[] inputs = new int[b * seq];
            int[] targets = new int[b * seq];
            for (int r = 0; r < b; r++) {
                long start = (w0 + r) * seq;
                for (int t = 0; t < seq; t++) {
                    inputs[r * seq + t] = ds.get(start + t);
                    targets[r * seq + t] = ds.get(start + t + 1);
                }
            }
            model.forwardLoss(inputs, targets, b, seq);
        }
    }

    /** Hits per physical value row of memory layer l since the last drain (a copy). */
    static long[] counts(Transformer model, int l) {
        if (model.ultraMemLayer(l) != null) {
            return model.ultraMemLayer(l).diagnostics().rowUsage().clone();
        }
        if (model.ultraMemV2Layer(l) != null) { // the rows of the layer's own window
            return model.ultraMemV2RowUsage(l);
        }
        int[] slots = model.pkmLayer(l).diagnostics().slotUsage();
        long[] c = new long[slots.length];
        for (int i = 0; i < c.length; i++) {
            c[i] = slots[i];
        }
        return c;
    }

    /** Hits per row sorted descending against rank (log y), with the uniform level for scale. */
    static LinePlot plot(LayerUsage u, long[] counts) {
        long[] sorted = counts.clone();
        Arrays.sort(sorted);
        int touched = (int) u.touched();
        int points = Math.max(1, Math.min(touched, MAX_POINTS));
        double[] x = new double[points];
        double[] y = new double[points];
        double[] uniform = new double[points];
        double level = (double) u.hits() / u.rows();
        for (int i = 0; i < points; i++) {
            long rank = points == 1 ? 0 : Math.round((double) i * (touched - 1) / (points - 1));
            x[i] = rank + 1;
            y[i] = touched == 0 ? Double.NaN : sorted[sorted.length - 1 - (int) rank];
            uniform[i] = level > 0 ? level : Double.NaN;
        }
        String title = String.format(Locale.ROOT, "memory.%d (%s) slot usage: %,d of %,d rows"
                + " touched, %,d dead, entropy %.3f", u.index(), u.type(), u.touched(), u.rows(),
                u.dead(), u.entropy());
        return new LinePlot(title, "row rank (by hits)", "hits").logY(true)
                .series("hits per row", x, y)
                .series("uniform", x, uniform);
    }
}
