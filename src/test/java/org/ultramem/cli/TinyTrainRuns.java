package org.ultramem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.ultramem.testing.SyntheticTokens;

/**
 * Tiny {@code ultramem train} runs through the real command line ({@link Main#commandLine()}, so
 * errors go through its exit-code handler) on a synthetic data folder: milliseconds per step.
 */
final class TinyTrainRuns {

    private TinyTrainRuns() {
    }

    /** What a command printed and returned; {@code err} holds only the command's own error lines. */
    record Run(int code, String out, String err) {

        /** The lines of {@code err} that the CLI's error handler printed ("ultramem VERB: ..."). */
        List<String> errorLines() {
            return err.lines().filter(l -> !l.isBlank()).toList();
        }
    }

    /**
     * Writes a synthetic data folder and a run config training {@code maxSteps} steps (checkpoint
     * and evaluation every 2, seed 3) under {@code dir}; returns the config file.
     */
    static Path config(Path dir, int maxSteps) throws IOException {
        Path data = SyntheticTokens.writeDataDir(dir.resolve("data"), 4000, 600);
        Path config = dir.resolve("tiny-" + maxSteps + ".json");
        Files.writeString(config, """
                {"vocab_size": %d, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "max_position_embeddings": 16,
                 "training": {"batch_size": 2, "seq_len": 8, "lr": 1e-2, "max_steps": %d, "eval_every": 2,
                              "eval_tokens": 64, "checkpoint_every": 2, "log_every": 1, "seed": 3,
                              "data_dir": "%s"}}
                """.formatted(SyntheticTokens.VOCAB, maxSteps, data.toString().replace("\\", "\\\\")));
        return config;
    }

    /** Runs {@code ultramem ARGS...} in this JVM and thread. */
    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
