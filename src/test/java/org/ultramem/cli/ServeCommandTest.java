package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.testing.CheckpointMutants;

/** {@code ultramem serve} refuses what it cannot serve in one line, exit 2, before listening. */
class ServeCommandTest {

    @TempDir
    Path dir;

    @Test
    void refusesAFolderThatIsNoCheckpoint() {
        CliRuns.Run r = CliRuns.main("serve", "--model", dir.resolve("none").toString(),
                "--port", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("ultramem serve: ") && r.err().strip().lines().count() == 1,
                r.err());
    }

    @Test
    void refusesACheckpointWithoutTokenizer() throws IOException {
        Path m = CheckpointMutants.write(dir.resolve("m"));
        Files.deleteIfExists(m.resolve("tokenizer.json"));
        CliRuns.Run r = CliRuns.main("serve", "--model", m.toString(), "--port", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("tokenizer.json"), r.err());
    }

    @Test
    void refusesAnEmptyBatchAndAnEngineNiceOutsideItsRange() throws IOException {
        Path m = CheckpointMutants.write(dir.resolve("m"));
        Files.writeString(m.resolve("tokenizer.json"), "{}");
        String[][] cases = {{"--max-batch", "0", "--max-batch 0"},
                {"--engine-nice", "5", "--engine-nice 5 must be in [-20, 0]"}};
        for (String[] c : cases) {
            CliRuns.Run r = CliRuns.main("serve", "--model", m.toString(), "--port", "0", c[0],
                    c[1]);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(c[2]) && r.err().strip().lines().count() == 1, r.err());
        }
    }

    @Test
    void refusesABadClusterFileBeforeListening() throws IOException {
        Path m = CheckpointMutants.write(dir.resolve("m"));
        Files.writeString(m.resolve("tokenizer.json"), "{}");
        Path cluster = Files.writeString(dir.resolve("cluster.json"), "{\"membrs\": [\"127.0.0.1:5701\"]}");
        CliRuns.Run r = CliRuns.main("serve", "--model", m.toString(), "--port", "0",
                "--cluster", cluster.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("membrs") && r.err().strip().lines().count() == 1, r.err());
        assertTrue(!r.err().contains("listening"), r.err());
    }
}
