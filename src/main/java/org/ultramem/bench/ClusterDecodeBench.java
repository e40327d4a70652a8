package org.ultramem.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.ultramem.infer.DecodeArchitecture;
import org.ultramem.infer.DecodeState;
import org.ultramem.infer.Generator;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.infer.Sampler;
import org.ultramem.infer.ValueStores;
import org.ultramem.infer.WeightStore;
import org.ultramem.infer.cluster.ClusterValueStores;
import org.ultramem.infer.cluster.LoopbackCluster;
import org.ultramem.infer.cluster.TableShards;
import org.ultramem.train.Checkpoints;

/**
 * {@code ultramem bench cluster --model DIR}: a trained checkpoint decoded by the engine that
 * {@code generate} uses, locally and with its value tables on three members embedded in this JVM
 * (127.0.0.1, free ports) read through a client, in {@code read: sums} and {@code read: rows}.
 * For each batch B: B prompts from the checkpoint's validation data are prefilled, then every
 * engine decodes the same greedy tokens (the local engine's) in lockstep, step by step, so each
 * step's logits compare element by element; a cluster engine's tokens equal the local ones when
 * its own greedy choice matches at every step (then its own greedy run is the same run). Reports
 * per batch and mode the median step (whole, and the part inside the value stores), payload
 * bytes per step against the bound owners × B × E·D_v × 4 × 1.5, and the logit differences.
 * Optionally ({@link ClusterKillRun}) a member is terminated during a loop of generations.
 * Members, client and decoders share this machine's cores: cluster steps include the members'
 * work.
 */
public final class ClusterDecodeBench {

    /** Members started; the bound's owner count. */
    static final int MEMBERS = 3;

    /** What to run; {@code kill} null for no kill run. */
    public record Options(Path model, Path data, int[] batches, int steps, int promptTokens,
                          int warmup, ClusterKillRun.Plan kill, boolean json) {
    }

    /** One batch in one read mode against the local engine. */
    public record Point(int batch, String mode, double localMs, double clusterMs,
                        double localReadMs, double clusterReadMs, long bytesPerStep,
                        long boundBytes, boolean tokensEqual, boolean logitsIdentical,
                        double maxAbsDiff, double maxRelDiff) {
    }

    /** Every point, and the kill run's outcome (null without one). */
    public record Result(Path model, int promptTokens, int steps, List<Point> points,
                         ClusterKillRun.Outcome kill) {
    }

    private ClusterDecodeBench() {
    }

    /** Measures and prints a markdown table, or with {@code json} one JSON object. */
    public static void run(Options o, PrintStream out, PrintStream err) throws IOException {
        Result r = measure(o, err);
        out.print(o.json() ? ClusterDecodeReport.json(r) + "\n" : ClusterDecodeReport.text(r));
        out.flush();
    }

    /** Runs the points (and the kill run); progress lines go to {@code err}. */
    public static Result measure(Options o, PrintStream err) throws IOException {
        Path config = o.model().resolve(Checkpoints.CONFIG);
        if (!Files.isRegularFile(config)) {
            throw new IllegalArgumentException("--model " + o.model() + " holds no "
                    + Checkpoints.CONFIG + "; pass a checkpoint directory (the --out of train)");
        }
        DecodeArchitecture arch = DecodeArchitecture.load(config);
        if (TableShards.tableNames(arch).isEmpty()) {
            throw new IllegalArgumentException("--model " + o.model() + " has no memory layers:"
                    + " no value table to put on a cluster; pass an UltraMem, PKM or UltraMemV2"
                    + " checkpoint");
        }
        int context = arch.model().maxPositionEmbeddings();
        if (o.promptTokens() + o.steps() > context) {
            throw new IllegalArgumentException("--prompt-tokens " + o.promptTokens() + " + --steps "
                    + o.steps() + " exceed the model's context (max_position_embeddings "
                    + context + "); lower them");
        }
        int maxBatch = Arrays.stream(o.batches()).max().orElse(1);
        int needed = Math.max(maxBatch, o.kill() == null ? 0 : o.kill().requests());
        int[][] prompts = ValidationPrompts.read(o.model(), o.data(), needed, o.promptTokens(),
                arch.model().vocabSize(), err);
        List<Point> points = new ArrayList<>();
        ClusterKillRun.Outcome kill = null;
        try (LoopbackCluster cluster = LoopbackCluster.start(MEMBERS, 512)) {
            try (WeightStore store = WeightStore.mapped(o.model().resolve(Checkpoints.MODEL))) {
                cluster.loadModel(store, arch);
            }
            err.println("bench cluster: " + MEMBERS + " members up, tables "
                    + TableShards.tableNames(arch) + " loaded");
            try (ClusterValueStores sums = ClusterValueStores.connect(cluster.config(false))) {
                ClusterValueStores rows = new ClusterValueStores(sums.instance(),
                        cluster.config(true));
                TimedValueStores[] stores = {new TimedValueStores(ValueStores.LOCAL, 0),
                    new TimedValueStores(sums, MEMBERS), new TimedValueStores(rows, MEMBERS)};
                ClusterValueStores[] wire = {null, sums, rows};
                InferenceModel[] engines = new InferenceModel[3];
                try {
                    for (int m = 0; m < 3; m++) {
                        engines[m] = InferenceModel.load(o.model(), Precision.F32, stores[m]);
                        new Generator(engines[m]).warmUp(o.warmup(),
                                new Sampler(Sampler.Settings.greedyDecoding(), 0));
                    }
                    for (int b : o.batches()) {
                        points.addAll(measureBatch(engines, stores, wire,
                                Arrays.copyOf(prompts, b), o.steps()));
                        err.println("bench cluster: batch " + b + " done");
                    }
                    if (o.kill() != null) {
                        kill = ClusterKillRun.run(o.model(), sums, cluster, engines[0], prompts,
                                o.kill(), err);
                    }
                } finally {
                    for (InferenceModel e : engines) {
                        if (e != null) {
                            e.close();
                        }
                    }
                }
            }
        }
        return new Result(o.model(), o.promptTokens(), o.steps(), points, kill);
    }

    /**
     * Prefills {@code prompts} in every engine (local, sums, rows), then decodes {@code steps}
     * steps in lockstep on the local engine's greedy tokens; one point per cluster mode.
     */
    private static List<Point> measureBatch(InferenceModel[] engines, TimedValueStores[] stores,
                                            ClusterValueStores[] wire, int[][] prompts,
                                            int steps) {
        int batch = prompts.length;
        int vocab = engines[0].config().vocabSize();
        DecodeState[] state = new DecodeState[3];
        for (int m = 0; m < 3; m++) {
            state[m] = engines[m].newState(batch, prompts[0].length + steps);
        }
        LogitDiff[] diff = {null, new LogitDiff(), new LogitDiff()};
        int[] tokens = new int[batch];
        float[][] logits = new float[3][];
        for (int b = 0; b < batch; b++) {
            for (int m = 0; m < 3; m++) {
                logits[m] = engines[m].prefill(state[m], b, prompts[b]);
            }
            tokens[b] = Sampler.argMax(logits[0], 0, vocab);
            diff[1].compare(logits[0], logits[1], 1, vocab);
            diff[2].compare(logits[0], logits[2], 1, vocab);
        }
        long[][] stepNs = new long[3][steps];
        long[][] readNs = new long[3][steps];
        long[] bytes = new long[3];
        long bound = 0;
        for (int step = 0; step < steps; step++) {
            for (int m = 0; m < 3; m++) {
                long wire0 = wire[m] == null ? 0 : wire[m].wireBytes();
                long read0 = stores[m].nanos();
                long bound0 = stores[m].boundBytes();
                long t0 = System.nanoTime();
                logits[m] = engines[m].decode(state[m], tokens);
                stepNs[m][step] = System.nanoTime() - t0;
                readNs[m][step] = stores[m].nanos() - read0;
                bytes[m] += wire[m] == null ? 0 : wire[m].wireBytes() - wire0;
                if (m == 1) {
                    // the bound counts the reads summed at the owners: the sums engine's
                    bound += stores[m].boundBytes() - bound0;
                }
            }
            diff[1].compare(logits[0], logits[1], batch, vocab);
            diff[2].compare(logits[0], logits[2], batch, vocab);
            for (int b = 0; b < batch; b++) {
                tokens[b] = Sampler.argMax(logits[0], b * vocab, vocab);
            }
        }
        List<Point> points = new ArrayList<>();
        String[] modes = {null, "sums", "rows"};
        for (int m = 1; m < 3; m++) {
            LogitDiff d = diff[m];
            points.add(new Point(batch, modes[m], medianMs(stepNs[0]), medianMs(stepNs[m]),
                    medianMs(readNs[0]), medianMs(readNs[m]), bytes[m] / Math.max(1, steps),
                    bound / Math.max(1, steps), d.tokensEqual(), d.identical(), d.maxAbs(),
                    d.maxRel()));
        }
        return points;
    }

    /** Median of the step times in ns, in ms (NaN for none). */
    static double medianMs(long[] nanos) {
        if (nanos.length == 0) {
            return Double.NaN;
        }
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[s.length / 2] / 1e6;
    }
}
