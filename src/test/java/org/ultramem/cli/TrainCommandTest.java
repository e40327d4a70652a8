package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.testing.SyntheticTokens;

/**
 * {@code ultramem train} with sizes that fit the config schema but not the heap: the campaign's
 * batch_size 1e5, hidden_size 65536 and num_hidden_layers 1e6 ended in OutOfMemoryError; now each
 * is refused before allocating, with one line naming the need, the heap and the fix (exit 2).
 */
class TrainCommandTest {

    @TempDir
    Path dir;

    private Path config() throws IOException {
        Path data = SyntheticTokens.writeDataDir(dir.resolve("data"), 2000, 400);
        return Files.writeString(dir.resolve("run.json"), """
                {"vocab_size": 32, "hidden_size": 16, "intermediate_size": 32,
                 "num_hidden_layers": 2, "num_attention_heads": 2, "max_position_embeddings": 32,
                 "training": {"batch_size": 2, "seq_len": 16, "lr": 1e-3, "max_steps": 2,
                              "eval_every": 2, "eval_tokens": 64, "checkpoint_every": 2,
                              "data_dir": "%s"}}
                """.formatted(data.toString().replace("\\", "\\\\")));
    }

    private CliRuns.Run train(String set) throws IOException {
        return CliRuns.main("train", "--config", config().toString(), "--out",
                dir.resolve("run").toString(), "--no-progress", "--set", set);
    }

    @Test
    @Timeout(60)
    void hugeBatchIsRefusedNamingTheNeedAndTheFix() throws IOException {
        CliRuns.Run r = train("training.batch_size=100000");
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("batch 100000 × seq 16") && r.err().contains("of Java heap")
                && r.err().contains("ULTRAMEM_JAVA_OPTS=-Xmx"), r.err());
        assertTrue(r.err().strip().lines().count() == 1, r.err());
    }

    @Test
    @Timeout(60)
    void hugeWidthAndDepthAreRefusedBeforeAllocating() throws IOException {
        CliRuns.Run wide = train("hidden_size=65536");
        assertEquals(2, wide.code(), wide.out());
        assertTrue(wide.err().contains("more than one Java array holds"), wide.err());
        CliRuns.Run deep = train("num_hidden_layers=1000000");
        assertEquals(2, deep.code(), deep.out());
        assertTrue(deep.err().contains("of Java heap"), deep.err());
    }
}
