package org.ultramem.cli;

import org.ultramem.infer.ValueStores;
import org.ultramem.infer.cluster.ClusterConfig;
import org.ultramem.infer.cluster.ClusterValueStores;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ultramem.data.DataException;
import org.ultramem.data.Split;
import org.ultramem.eval.FactsEvaluator;
import org.ultramem.eval.FactsReport;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.CheckpointException;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.DatasetBatches;
import org.ultramem.train.TokenizerIdentity;
import org.ultramem.train.TrainConfig;
import org.ultramem.train.Trainer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem eval}: scores a checkpoint on a data split (loss, perplexity, bits per byte), or
 * with {@code --facts} measures the knowledge it stores ({@link FactsEvaluator}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {"Score a checkpoint on the validation (or training) split.",
            "With --facts DIR: ask it the held-out questions of a facts corpus (`ultramem data"
                    + " facts`), greedily, and report per-attribute accuracy and bits of knowledge"
                    + " stored (total, per parameter, per FLOP/token)."})
public final class EvalCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint directory (the --out of train).")
    Path model;

    @Option(names = "--split", defaultValue = "val", description = "val or train (default: ${DEFAULT-VALUE}).")
    String split;

    @Option(names = "--tokens", description = "Score only the first N tokens (default: the whole split).")
    Long tokens;

    @Option(names = "--data", description = "Data folder (default: training.data_dir of the checkpoint, else data).")
    Path data;

    @Option(names = "--batch", description = "Windows per forward (default 8), or with --facts"
            + " sequences decoded together (default " + FactsEvaluator.DEFAULT_BATCH + ").")
    Integer batch;

    @Option(names = "--facts", paramLabel = "DATA_DIR", description = "A facts folder (`ultramem"
            + " data facts --out`): measure recall of its people's attributes instead of the loss.")
    Path facts;

    @Option(names = "--people", paramLabel = "K", description = "With --facts: the first K people"
            + " (default: all).")
    Integer people;

    @Option(names = "--json", description = "With --facts: print the result as one JSON object.")
    boolean json;

    @Option(names = "--cluster", paramLabel = "CLUSTER.yaml", description = "With --facts: read"
            + " the value tables from this cluster's members (`ultramem cluster load`).")
    Path cluster;

    @Override
    public Integer call() throws Exception {
        if (facts != null) {
            return evaluateFacts();
        }
        if (cluster != null) {
            throw new IllegalArgumentException("--cluster needs --facts DATA_DIR: the loss"
                    + " evaluation runs the training forward, which reads local tables; pass"
                    + " --facts or drop --cluster");
        }
        if (people != null || json) {
            throw new IllegalArgumentException((people != null ? "--people" : "--json")
                    + " needs --facts DATA_DIR; pass a facts folder or drop the option");
        }
        int batch = this.batch != null ? this.batch : 8;
        Split s = switch (split) {
            case "val", "validation" -> Split.VALIDATION;
            case "train" -> Split.TRAIN;
            default -> throw new IllegalArgumentException("--split " + split + " must be val or train");
        };
        if (batch <= 0) {
            throw new IllegalArgumentException("--batch " + batch + " must be > 0");
        }
        ModelConfig cfg = Checkpoints.readConfig(model);
        TrainConfig tc = Checkpoints.readTrainConfig(model);
        int seq = Math.min(tc != null ? tc.seqLen() : cfg.maxPositionEmbeddings(),
                cfg.maxPositionEmbeddings());
        Path dataDir = data != null ? data : Path.of(tc != null ? tc.dataDir() : "data");
        var out = spec.commandLine().getOut();
        var err = spec.commandLine().getErr();
        try (DatasetBatches ds = DatasetBatches.open(dataDir, s, false)) {
            if (ds.meta().vocabSize() > cfg.vocabSize()) {
                throw new IllegalArgumentException("data folder " + dataDir + " has "
                        + ds.meta().vocabSize() + " token ids but the model's vocab_size is "
                        + cfg.vocabSize() + ": it was made for another model; pass --data with"
                        + " the folder the model was trained on");
            }
            TokenizerIdentity.requireDataMatches(model, dataDir, ds.meta(),
                    line -> err.println("ultramem eval: " + line));
            long limit = tokens != null ? tokens : ds.evalSize();
            if (limit <= 1) {
                throw new IllegalArgumentException("--tokens " + limit + " must be > 1");
            }
            // Buffers for more windows than the split holds would only waste memory.
            int windows = (int) Math.min(batch, Math.max(1, ds.evalWindows(seq, limit)));
            Transformer m = Checkpoints.loadModel(model, windows, seq);
            long t0 = System.nanoTime();
            Trainer.EvalResult r = Trainer.evaluate(m, ds, limit, windows, seq);
            double secs = (System.nanoTime() - t0) / 1e9;
            if (!Double.isFinite(r.loss())) {
                throw new CheckpointException(model + ": the loss is " + r.loss() + " although"
                        + " every weight is finite: the weights are so large that the forward"
                        + " pass overflows; the checkpoint is unusable: use an earlier one");
            }
            out.printf(Locale.ROOT, "%s split, %,d tokens scored (seq %d): loss %.4f nats/token, ppl %.2f, "
                            + "%.4f bits/byte (%.1f s, %,.0f tokens/s)%n", s.key, r.tokens(), seq, r.loss(),
                    r.perplexity(), r.bitsPerByte(), secs, r.tokens() / secs);
            out.flush();
            return 0;
        } catch (DataException e) {
            spec.commandLine().getErr().println("ultramem eval: " + e.getMessage());
            return 2;
        }
    }

    private int evaluateFacts() throws Exception {
        if (tokens != null || data != null) {
            throw new IllegalArgumentException((tokens != null ? "--tokens" : "--data")
                    + " does not apply to --facts (the facts folder is the data); drop it");
        }
        var err = spec.commandLine().getErr();
        FactsReport r;
        try (ClusterValueStores stores = cluster == null ? null
                : ClusterValueStores.connect(ClusterConfig.load(cluster))) {
            r = FactsEvaluator.evaluate(new FactsEvaluator.Options(model, facts, people,
                    batch != null ? batch : FactsEvaluator.DEFAULT_BATCH),
                    stores == null ? ValueStores.LOCAL : stores, line -> {
                        err.println(line);
                        err.flush();
                    });
        }
        var out = spec.commandLine().getOut();
        out.print(json ? ConfigJson.toPrettyJson(r.toJson()) + "\n" : r.text());
        out.flush();
        return 0;
    }
}
