package org.ultramem.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The fixture every mutant is made from, built once per JVM through the CLI itself: a few text
 * files, {@code data prepare} (byte-level BPE of 300 tokens), and one training step of a tiny model
 * with every sparse piece (an UltraMem layer with lazy value AdamW, a PKM layer, MoE), giving a
 * checkpoint of ~190 KB (config.json, model.safetensors 61 KB, optimizer.safetensors 119 KB,
 * tokenizer.json 6 KB, 13,664 parameters).
 * A golden file is copied in when given. The checkpoint and the run-config seed are made
 * independent of the folder and the clock ({@link CanonicalFixture}), so a mutant is the same
 * file wherever and whenever a campaign runs. Each case gets a fresh folder holding the
 * checkpoint's files with the target's file replaced by the mutant, and is deleted afterwards.
 */
public final class FuzzWorkspace {

    /** The run-config seed file: train.json with the data folder as a placeholder. */
    private static final String RUN_CONFIG_SEED = "run-seed.json";

    /** Training keys whose huge values ask for unbounded work, not robustness. */
    static final Set<String> UNBOUNDED_KEYS = Set.of("training.max_steps", "training.grad_accum");

    private static final String SENTENCES = "The cat sat on the mat. A dog ran to the park and back. "
            + "She said that the rain would stop by noon. We walked along the river in the evening. ";

    private final Path root;
    private final Path data;
    private final Path checkpoint;
    private final Path resumeConfig;
    private final Path golden;
    private final Map<FuzzTarget, Object> mutators = new EnumMap<>(FuzzTarget.class);

    private FuzzWorkspace(Path root, Path golden) {
        this.root = root;
        this.data = root.resolve("data");
        this.checkpoint = root.resolve("checkpoint");
        this.resumeConfig = root.resolve("resume.json");
        this.golden = golden;
    }

    /**
     * Builds the fixture in {@code root} (created if needed) using {@code cli}; {@code golden} is
     * a golden safetensors file for the golden target, or null.
     */
    public static FuzzWorkspace create(Path root, Path golden, Cli cli) throws IOException {
        FuzzWorkspace w = new FuzzWorkspace(root.toAbsolutePath(), golden);
        w.build(cli);
        return w;
    }

    private void build(Cli cli) throws IOException {
        Path text = Files.createDirectories(root.resolve("text"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(text.resolve("doc" + i + ".txt"), SENTENCES.repeat(20 + i));
        }
        execute(cli, "data", "prepare", "--out", data.toString(), "--vocab", "300",
                "--text-dir", text.toString());
        Path config = root.resolve("train.json");
        Files.writeString(config, runConfig(1, data.toString()));
        Files.writeString(resumeConfig, runConfig(2, data.toString()));
        Files.writeString(root.resolve(RUN_CONFIG_SEED), runConfig(1, CanonicalFixture.DATA_DIR));
        execute(cli, "train", "--config", config.toString(), "--out", checkpoint.toString(),
                "--no-progress");
        CanonicalFixture.canonicalizeCheckpoint(checkpoint);
        if (golden != null) {
            Files.copy(golden, root.resolve(FuzzTarget.GOLDEN.file));
        }
    }

    /** The tiny run config, training for {@code steps} steps on the data in {@code dataDir}. */
    static String runConfig(int steps, String dataDir) {
        return """
                {"vocab_size": 300, "hidden_size": 16, "num_hidden_layers": 2,
                 "num_attention_heads": 2, "intermediate_size": 32, "max_position_embeddings": 16,
                 "moe": {"moe_num_experts": 4, "moe_top_k": 2, "moe_intermediate_size": 16,
                         "moe_layers": [1]},
                 "memory_layers": [
                   {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4, "mem_kdim": 8,
                    "mem_vdim": 8, "mem_knn": 4, "mem_heads": 2, "tucker_rank": 2,
                    "tucker_cores": 2, "value_expand": 4, "value_optimizer": "lazy_adamw"},
                   {"mem_type": "pkm", "placement": "1:1", "pkm_heads": 2, "pkm_knum": 4,
                    "pkm_kdim": 8, "pkm_topk": 2}],
                 "memory_allow_overlap": true,
                 "training": {"batch_size": 2, "seq_len": 8, "lr": 1e-3, "max_steps": %d,
                              "warmup_steps": 0, "eval_every": 1, "eval_tokens": 64,
                              "checkpoint_every": 1, "log_every": 1, "seed": 3,
                              "data_dir": "%s"}}
                """.formatted(steps, new String(com.fasterxml.jackson.core.io.JsonStringEncoder
                        .getInstance().quoteAsString(dataDir)));
    }

    private static void execute(Cli cli, String... args) throws IOException {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = cli.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        if (code != 0) {
            throw new IOException("building the fuzz fixture: `ultramem " + String.join(" ", args)
                    + "` exited " + code + ": " + err);
        }
    }

    /** The unmutated bytes of {@code target}'s file. */
    public byte[] original(FuzzTarget target) throws IOException {
        return Files.readAllBytes(source(target));
    }

    private Path source(FuzzTarget target) {
        return switch (target) {
            case GOLDEN -> {
                if (golden == null) {
                    throw new IllegalArgumentException("the golden target needs a golden file:"
                            + " pass --golden FILE (e.g. shared/golden/ultramem_v1_tiny.safetensors)");
                }
                yield root.resolve(target.file);
            }
            case RUN_CONFIG -> root.resolve(RUN_CONFIG_SEED);
            default -> checkpoint.resolve(target.file);
        };
    }

    /** Mutant {@code index} of {@code target} for campaign seed {@code seed} (a pure function). */
    public Mutant mutant(FuzzTarget target, long seed, int index) throws IOException {
        SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L
                + index * 0xC2B2AE3D27D4EB4FL + target.ordinal());
        Object m = mutators.get(target);
        if (m == null) {
            byte[] bytes = original(target);
            m = target.safetensors ? new SafeTensorsMutator(bytes)
                    : new JsonMutator(bytes, target == FuzzTarget.RUN_CONFIG ? UNBOUNDED_KEYS : Set.of());
            mutators.put(target, m);
        }
        return m instanceof SafeTensorsMutator s ? s.mutate(index, r) : ((JsonMutator) m).mutate(index, r);
    }

    /** A fresh folder for one case: the checkpoint's files, the target's file replaced. */
    public Path prepareCase(FuzzTarget target, Mutant m) throws IOException {
        Path dir = root.resolve("cases").resolve(target.id + "-" + m.index());
        deleteTree(dir);
        Files.createDirectories(dir);
        if (target != FuzzTarget.GOLDEN && target != FuzzTarget.RUN_CONFIG) {
            try (Stream<Path> s = Files.list(checkpoint)) {
                for (Path p : s.toList()) {
                    if (Files.isRegularFile(p)) {
                        Files.copy(p, dir.resolve(p.getFileName()));
                    }
                }
            }
        }
        byte[] bytes = target == FuzzTarget.RUN_CONFIG ? CanonicalFixture.withDataDir(m.bytes(), data)
                : m.bytes();
        Files.write(dir.resolve(target.file), bytes);
        return dir;
    }

    /** The CLI arguments that load the case in {@code dir} through {@code verb}. */
    public String[] arguments(FuzzTarget target, String verb, Path dir) {
        String d = dir.toString();
        List<String> a = new ArrayList<>(switch (verb) {
            case "eval" -> List.of("eval", "--model", d, "--data", data.toString(), "--tokens", "64",
                    "--batch", "2");
            case "generate" -> List.of("generate", "--model", d, "--prompt", "The cat", "--max-tokens",
                    "4", "--seed", "1");
            case "inspect" -> List.of("inspect", "--model", d);
            case "verify-golden" -> List.of("verify-golden", dir.resolve(target.file).toString());
            case "train" -> target == FuzzTarget.OPTIMIZER
                    ? List.of("train", "--config", resumeConfig.toString(), "--out", d, "--resume",
                            "--no-progress")
                    : List.of("train", "--config", dir.resolve(target.file).toString(), "--out",
                            dir.resolve("run").toString(), "--no-progress");
            default -> throw new IllegalArgumentException(verb);
        });
        return a.toArray(String[]::new);
    }

    /** Deletes a case folder (best effort: a hung case may still hold files). */
    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Path root() {
        return root;
    }
}
