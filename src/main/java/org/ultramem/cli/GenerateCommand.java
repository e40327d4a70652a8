package org.ultramem.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import java.util.function.IntConsumer;
import org.ultramem.infer.Generator;
import org.ultramem.infer.InferenceModel;
import org.ultramem.infer.Precision;
import org.ultramem.infer.Sampler;
import org.ultramem.infer.ValueStores;
import org.ultramem.infer.cluster.ClusterConfig;
import org.ultramem.infer.cluster.ClusterValueStores;
import org.ultramem.model.ModelConfig;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.train.Checkpoints;
import org.ultramem.train.TokenizerIdentity;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ultramem generate}: continues a prompt with a checkpoint, streaming to stdout. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Continue a prompt; prints the continuation (prefill/decode tokens/s on stderr).")
public final class GenerateCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", required = true, description = "Checkpoint directory.")
    Path model;

    @Option(names = "--prompt", required = true, description = "Prompt text.")
    String prompt;

    @Option(names = "--max-tokens", defaultValue = "200", description = "Tokens to generate (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "Softmax temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-k", defaultValue = "0", description = "Keep the K most likely tokens (0: off).")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", description = "Nucleus mass (1: off; default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--greedy", description = "Always take the most likely token.")
    boolean greedy;

    @Option(names = "--stats", description = "Print bytes read per decode step, per component,"
            + " and time per decode step, per stage (attention, memory layers, FFN / experts,"
            + " logits), on stderr.")
    boolean stats;

    @Option(names = "--warmup", defaultValue = "0", description = "Untimed decode steps before"
            + " the prompt, so the reported speeds are those of compiled code (the first few"
            + " hundred steps run while the JIT compiles; e.g. 500; default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--precision", defaultValue = "f32",
            description = "Weight storage in memory: f32 or bf16 (default: ${DEFAULT-VALUE}).")
    String precision;

    @Option(names = "--kv-precision", defaultValue = "f32",
            description = "KV cache storage: f32 or bf16 (bf16 halves the bytes attention reads;"
                    + " default: ${DEFAULT-VALUE}).")
    String kvPrecision;

    @Option(names = "--cluster", paramLabel = "CLUSTER.yaml", description = "Read the value"
            + " tables from this cluster's members (loaded by `ultramem cluster load`).")
    Path cluster;

    @Override
    public Integer call() throws Exception {
        Sampler.Settings settings = new Sampler.Settings(temperature, topK, topP, greedy);
        ModelConfig cfg = Checkpoints.readConfig(model);
        BpeTokenizer tok = TokenizerIdentity.loadCheckpointTokenizer(model, cfg.vocabSize(),
                line -> System.err.println("ultramem generate: " + line));
        Precision weights = parsePrecision("--precision", precision);
        Precision kv = parsePrecision("--kv-precision", kvPrecision);
        if (warmup < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--warmup: " + warmup
                    + " steps; give 0 or more");
        }
        try (ClusterValueStores stores = cluster == null ? null
                : ClusterValueStores.connect(ClusterConfig.load(cluster));
             InferenceModel m = InferenceModel.load(model, weights,
                     stores == null ? ValueStores.LOCAL : stores)) {
            if (warmup > 0) {
                long t0 = System.nanoTime();
                int n = new Generator(m, kv).warmUp(warmup, new Sampler(settings, seed));
                System.err.printf(Locale.ROOT, "warm-up: %d decode steps in %.1f s%n", n,
                        (System.nanoTime() - t0) / 1e9);
            }
            m.stages().enable(stats);
            String text = generate(m, kv, tok, prompt, maxTokens, settings, seed, System.out,
                    System.err);
            if (stats) {
                System.err.print("bytes read per decode step (memory-mapped weights):\n"
                        + m.meter().report());
                System.err.print("time per decode step by stage (means; memory retrieval run"
                        + " beside the FFN counts as FFN):\n"
                        + m.stages().report(m.meter().steps()));
            }
            return text == null ? 1 : 0;
        }
    }

    private Precision parsePrecision(String option, String value) {
        try {
            return Precision.parse(value);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), option + ": "
                    + e.getMessage());
        }
    }

    /**
     * Streams the continuation of {@code prompt} from the engine {@code m} (its KV cache in
     * {@code kvPrecision}) to {@code out} (raw UTF-8 bytes, so multi-byte characters split across
     * tokens print correctly) and the speeds to {@code err}; returns it.
     */
    public static String generate(InferenceModel m, Precision kvPrecision, BpeTokenizer tok,
                                  String prompt, int maxTokens, Sampler.Settings settings,
                                  long seed, PrintStream out, PrintStream err) {
        Generator g = new Generator(m, kvPrecision);
        return stream(tok, prompt, out, err, (ids, onToken) -> g.generate(ids, maxTokens,
                new Sampler(settings, seed), tok.endOfTextId(), onToken));
    }

    /** Encodes the prompt, runs {@code generator} streaming each token's bytes, prints speeds. */
    private static String stream(BpeTokenizer tok, String prompt, PrintStream out, PrintStream err,
                                 BiFunction<int[], IntConsumer, Generator.Output> generator) {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        Generator.Output r = generator.apply(tok.encode(prompt), id -> {
            byte[] b = tok.tokenBytes(id);
            out.write(b, 0, b.length);
            out.flush();
            all.write(b, 0, b.length);
        });
        out.println();
        out.flush();
        err.printf(Locale.ROOT, "prefill %d tokens at %,.0f tokens/s; decode %d tokens at %,.1f"
                + " tokens/s", r.promptTokens(), r.prefillTokensPerS(), r.tokens().length,
                r.decodeTokensPerS());
        if (!Double.isNaN(r.decodeStepMedianMs())) {
            // The first steps run interpreted; the median step is the rate a longer run settles at.
            err.printf(Locale.ROOT, " (median step %.2f ms: %,.0f tokens/s once warm)",
                    r.decodeStepMedianMs(), 1000.0 / r.decodeStepMedianMs());
        }
        err.println();
        return all.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
}
