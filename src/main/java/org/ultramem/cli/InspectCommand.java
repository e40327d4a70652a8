package org.ultramem.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ultramem.data.Split;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.ModelCost;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.RunConfig;
import org.ultramem.train.TrainConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ultramem inspect}: the cost of a model config ({@link ModelCost}: parameters, activated
 * parameters, FLOPs and decode bytes per token, per component), or with {@code --usage} the memory
 * slot usage of a checkpoint over a data split ({@link InspectUsage}).
 */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = {"Cost of a model config (params, active params, FLOPs/token, decode bytes/token"
                + " per component), or memory slot usage of a checkpoint.",
                "  ultramem inspect --config configs/family-ultramem.json [--json]",
                "  ultramem inspect --model runs/x --usage val [--tokens 65536] [--out DIR]"})
public final class InspectCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", description = "Model or run config JSON file.")
    Path config;

    @Option(names = "--model", description = "Checkpoint directory (the --out of train).")
    Path model;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config key, e.g. --set intermediate_size=512 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Option(names = "--json", description = "Print one JSON object instead of a table.")
    boolean json;

    @Option(names = "--context", description = "Attention context per token for the score FLOPs and"
            + " the KV cache (default: max_position_embeddings / 2).")
    Integer context;

    @Option(names = "--fp32", description = "Count 4 bytes per parameter (default: bf16, 2 bytes).")
    boolean fp32;

    @Option(names = "--usage", paramLabel = "SPLIT",
            description = "With --model: run the model over a split (val or train) and report memory"
                    + " slot usage per memory layer.")
    String usage;

    @Option(names = "--tokens", defaultValue = "65536",
            description = "Tokens to run for --usage (default: ${DEFAULT-VALUE}).")
    long tokens;

    @Option(names = "--out", description = "Folder for the usage plots (default: <model>/usage).")
    Path out;

    @Option(names = "--data", description = "Data folder for --usage (default: training.data_dir of"
            + " the checkpoint, else data).")
    Path data;

    @Option(names = "--batch", defaultValue = "8",
            description = "Sequences per forward for --usage (default: ${DEFAULT-VALUE}).")
    int batch;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = spec.commandLine().getOut();
        if ((config == null) == (model == null)) {
            throw new IllegalArgumentException("give exactly one of --config FILE (cost of a config)"
                    + " and --model DIR (a checkpoint)");
        }
        if (model != null && !overrides.isEmpty()) {
            throw new IllegalArgumentException("--set only applies to --config; a checkpoint's"
                    + " architecture is fixed by its weights");
        }
        if (usage != null) {
            if (model == null) {
                throw new IllegalArgumentException("--usage " + usage + " needs --model DIR (a"
                        + " checkpoint to run); --config only describes an architecture");
            }
            Split split = parseSplit(usage);
            TrainConfig tc = Checkpoints.readTrainConfig(model);
            Path dataDir = data != null ? data : Path.of(tc != null ? tc.dataDir() : "data");
            Path outDir = out != null ? out : model.resolve("usage");
            InspectUsage.run(model, split, dataDir, tokens, batch, outDir, pw);
            pw.flush();
            return 0;
        }
        // A checkpoint's cost is reported only once its weights match its config.
        ModelConfig cfg = config != null ? loadConfig(config, overrides)
                : Checkpoints.validate(model);
        ModelCost.Options options = new ModelCost.Options(
                context != null ? context : cfg.maxPositionEmbeddings() / 2, fp32 ? 4 : 2);
        ModelCost cost = ModelCost.of(cfg, options);
        if (json) {
            pw.println(ConfigJson.toPrettyJson(cost.toJson()));
        } else {
            pw.print(table(cost));
        }
        pw.flush();
        return 0;
    }

    /**
     * Reads a model or run config and applies {@code --set} overrides under the same rules as
     * {@code train} and suite trials ({@link RunConfig}); a {@code training} object, when present,
     * must be valid too. Errors name the file.
     */
    public static ModelConfig loadConfig(Path file, List<String> overrides) {
        return RunConfig.load(file, overrides).model();
    }

    /** The cost as an aligned text table: one row per component, then the totals. */
    public static String table(ModelCost cost) {
        StringBuilder sb = new StringBuilder();
        String row = "%-22s %15s %15s %17s %17s%n";
        sb.append(String.format(Locale.ROOT, row, "component", "params", "active params",
                "FLOPs/token", "decode bytes"));
        for (ModelCost.Component c : cost.components()) {
            sb.append(String.format(Locale.ROOT, row, c.name(), count(c.params()),
                    count(c.activeParams()), count(Math.round(c.flopsPerToken())),
                    count(c.decodeBytes())));
        }
        sb.append(String.format(Locale.ROOT, row, "total", count(cost.totalParams()),
                count(cost.activeParams()), count(Math.round(cost.flopsPerToken())),
                count(cost.decodeBytesPerToken())));
        ModelCost.Options o = cost.options();
        sb.append(String.format(Locale.ROOT, "FLOPs: forward, 2 per multiply-add; attention scores"
                + " at context %d. Decode bytes: weights read per token at batch 1, %d B/param"
                + " (%s); KV cache excluded: %s bytes/token at context %d.%n", o.context(),
                o.bytesPerParam(), o.bytesPerParam() == 2 ? "bf16" : "fp32",
                count(cost.kvCacheBytesPerToken()), o.context()));
        if (cost.components().stream().anyMatch(c -> c.name().startsWith("memory.shared."))) {
            sb.append("UltraMemV2 decode bytes are what the inference engine reads: keys (folded"
                    + " keys in full plus the candidates' rank rows), query norm and cores in fp32;"
                    + " value and pre-value rows at most H·k per layer.\n");
        }
        return sb.toString();
    }

    private static String count(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    static Split parseSplit(String s) {
        return switch (s) {
            case "val", "validation" -> Split.VALIDATION;
            case "train" -> Split.TRAIN;
            default -> throw new IllegalArgumentException("--usage " + s + " must be val or train");
        };
    }
}
