package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.data.DataPreparer;
import org.ultramem.train.Checkpoints;
import picocli.CommandLine;

@org.junit.jupiter.api.Tag("slow")
/** train → eval → generate through the command classes, on a tiny prepared text folder. */
class TrainCommandsTest {

    @TempDir
    static Path dir;

    static Path data;
    static Path config;

    private static final String SENTENCES = "The cat sat on the mat. A dog ran to the park and back. "
            + "She said that the rain would stop by noon. We walked along the river in the evening. ";

    @BeforeAll
    static void prepare() throws Exception {
        Path text = Files.createDirectories(dir.resolve("text"));
        for (int i = 0; i < 3; i++) {
            Files.writeString(text.resolve("doc" + i + ".txt"), SENTENCES.repeat(20 + i));
        }
        data = dir.resolve("data");
        DataPreparer.prepare(new DataPreparer.Options(data, 300, text, false), line -> { });
        config = dir.resolve("tiny.json");
        Files.writeString(config, """
                {"vocab_size": 300, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "max_position_embeddings": 32,
                 "training": {"batch_size": 2, "seq_len": 16, "lr": 1e-2, "max_steps": 4, "eval_every": 2,
                              "eval_tokens": 64, "checkpoint_every": 2, "log_every": 1, "seed": 3,
                              "data_dir": "%s"}}
                """.formatted(data.toString().replace("\\", "\\\\")));
    }

    record Run(int code, String out, String err) {
    }

    private static Run run(Callable<Integer> command, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(command);
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void trainEvalGenerateEndToEnd() throws Exception {
        Path out = dir.resolve("run");
        Run t = run(new TrainCommand(), "--config", config.toString(), "--out", out.toString(), "--no-progress",
                "--set", "training.max_steps=4");
        assertEquals(0, t.code(), t.err());
        assertTrue(t.out().contains("bits/byte"), t.out());
        assertTrue(Files.isRegularFile(out.resolve(Checkpoints.TOKENIZER)));

        Run e = run(new EvalCommand(), "--model", out.toString(), "--tokens", "100");
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("val split") && e.out().contains("bits/byte"), e.out());

        Run g = run(new GenerateCommand(), "--model", out.toString(), "--prompt", "The cat", "--max-tokens", "5",
                "--seed", "1");
        assertEquals(0, g.code(), g.err());
    }

    @Test
    void unknownConfigKeyAndMissingDataFailClearly() throws Exception {
        Run bad = run(new TrainCommand(), "--config", config.toString(), "--out", dir.resolve("x").toString(),
                "--set", "training.warmup_stepz=3");
        assertTrue(bad.code() != 0);
        Path noData = dir.resolve("nodata.json");
        Files.writeString(noData, Files.readString(config).replace(data.toString().replace("\\", "\\\\"),
                dir.resolve("missing").toString()));
        StringWriter err = new StringWriter();
        CommandLine sub = new CommandLine(new TrainCommand());
        sub.setErr(new PrintWriter(err));
        sub.setExecutionExceptionHandler((ex, c, p) -> {
            err.write(ex.getMessage());
            return 2;
        });
        int code = sub.execute("--config", noData.toString(), "--out", dir.resolve("y").toString());
        assertEquals(2, code);
        assertTrue(err.toString().contains("ultramem data prepare"), err.toString());
    }
}
