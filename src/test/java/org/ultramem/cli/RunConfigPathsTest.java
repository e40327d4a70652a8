package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.experiment.Suite;
import org.ultramem.experiment.Trial;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;

/**
 * {@code train --set}, {@code inspect --config --set} and a suite run's {@code "set"} load run
 * configs through one loader: each accepts and rejects the same overrides, and names the same key.
 */
class RunConfigPathsTest {

    @TempDir
    Path dir;

    private static final String CONFIG = """
            {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 2, "max_position_embeddings": 16,
             "memory_layers": [{"mem_type": "ultramem", "placement": "0:1", "mem_knum": 16, "mem_kdim": 8,
               "mem_vdim": 16, "mem_knn": 4, "mem_heads": 2, "tucker_rank": 2, "tucker_cores": 2,
               "value_expand": 4}],
             "training": {"batch_size": 2, "seq_len": 8, "lr": 1e-2, "max_steps": 10,
                          "data_dir": "%s"}}
            """;

    /** Overrides and, for a refused one, the key its message must name (null: accepted). */
    private record Case(List<String> sets, String namedKey) {
    }

    private static final List<Case> CASES = List.of(
            new Case(List.of(), null),
            new Case(List.of("training.lr=1e-3", "intermediate_size=64"), null),
            new Case(List.of("rope_theta=500", "training.min_lr_ratio=0.2"), null),
            new Case(List.of("memory_layers.0.mem_knum=8", "memory_layers.0.mem_topk=2"), null),
            new Case(List.of("hiden_size=32"), "hiden_size"),
            new Case(List.of("training.warmup_stepz=3"), "training.warmup_stepz"),
            new Case(List.of("trainin.lr=1e-3"), "trainin.lr"),
            new Case(List.of("memory_layers.0.mem_knnn=2"), "memory_layers.0.mem_knnn"),
            new Case(List.of("data.tokenizer=x"), "data.tokenizer"),
            new Case(List.of("training.lr=fast"), "training.lr"),
            new Case(List.of("num_attention_heads=3"), "num_attention_heads"),
            new Case(List.of("memory_layers.0.mem_knum=0"), "mem_knum"));

    @Test
    void trainInspectAndSuiteTrialsAcceptAndRejectTheSameOverrides() throws IOException {
        Path config = Files.writeString(dir.resolve("run.json"),
                CONFIG.formatted(dir.resolve("no-data").toString().replace("\\", "\\\\")));
        List<String> table = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            String train = train(config, c.sets(), dir.resolve("out-" + i));
            String inspect = inspect(config, c.sets());
            String trial = trial(config, c.sets(), i);
            table.add(c.sets() + ": train " + (train == null ? "ok" : "refused") + ", inspect "
                    + (inspect == null ? "ok" : "refused") + ", trial " + (trial == null ? "ok" : "refused"));
            for (String refusal : new String[] {train, inspect, trial}) {
                if (c.namedKey() == null) {
                    assertEquals(null, refusal, c.sets().toString());
                } else {
                    assertTrue(refusal != null && refusal.contains(c.namedKey()), c.sets() + " -> " + refusal);
                }
            }
        }
        System.out.println("RunConfigPathsTest:\n  " + String.join("\n  ", table));
    }

    /** Null when {@code train} got past its config (it then fails on the missing data folder). */
    private static String train(Path config, List<String> sets, Path out) {
        List<String> args = new ArrayList<>(List.of("train", "--config", config.toString(), "--out", out.toString(),
                "--no-progress"));
        sets.forEach(s -> args.addAll(List.of("--set", s)));
        TinyTrainRuns.Run r = TinyTrainRuns.run(args.toArray(String[]::new));
        assertEquals(2, r.code(), r.err());
        return r.err().contains("is not prepared") ? null : r.err();
    }

    private static String inspect(Path config, List<String> sets) {
        List<String> args = new ArrayList<>(List.of("inspect", "--config", config.toString()));
        sets.forEach(s -> args.addAll(List.of("--set", s)));
        TinyTrainRuns.Run r = TinyTrainRuns.run(args.toArray(String[]::new));
        return r.code() == 0 ? null : r.err();
    }

    private String trial(Path config, List<String> sets, int i) throws IOException {
        ObjectNode suite = ConfigJson.newObject().put("name", "paths-" + i).put("token_budget", 160);
        ObjectNode run = suite.putArray("runs").addObject().put("name", "r").put("config", config.toString());
        ArrayNode set = run.putArray("set");
        sets.forEach(set::add);
        Path file = dir.resolve("suite-" + i + ".json");
        ConfigJson.write(file, suite);
        Suite s = Suite.load(file);
        try {
            Trial.plan(s, s.run("r"), 1, dir.resolve("suites"), null);
            return null;
        } catch (ConfigException e) {
            return e.getMessage();
        }
    }
}
