package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster commands' refusals: one line naming the key or option, exit 2, no member started. */
class ClusterCommandTest {

    @TempDir
    Path dir;

    @Test
    void aBadClusterFileIsRefusedNamingTheKey() throws IOException {
        Path cfg = dir.resolve("cluster.yaml");
        Files.writeString(cfg, "members: [127.0.0.1:5701]\nblock_kb: 4096\n");
        CliRuns.Run r = CliRuns.main("cluster", "member", "--config", cfg.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("ultramem member: " + cfg + ": key `block_kb` (4096) must be"
                + " an integer in 64..512"), r.err());
    }

    @Test
    void aPortOutsideTheMemberListIsRefused() throws IOException {
        Path cfg = dir.resolve("cluster.yaml");
        Files.writeString(cfg, "members: [127.0.0.1:5701]\n");
        CliRuns.Run r = CliRuns.main("cluster", "member", "--config", cfg.toString(), "--port",
                "5999");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("port 5999 is not in the cluster file's `members`"), r.err());
    }

    @Test
    void evalTakesClusterOnlyWithFacts() throws IOException {
        Path cfg = dir.resolve("cluster.yaml");
        Files.writeString(cfg, "members: [127.0.0.1:5701]\n");
        CliRuns.Run r = CliRuns.main("eval", "--model", dir.toString(), "--cluster",
                cfg.toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--cluster needs --facts DATA_DIR"), r.err());
    }

    @Test
    void benchClusterRefusesEmptySizes() {
        CliRuns.Run r = CliRuns.main("bench", "cluster", "--rows", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("must be >= 1"), r.err());
    }

    @Test
    void benchClusterKillNeedsAModelAndStepsMustFitTheContext() throws IOException {
        CliRuns.Run r = CliRuns.main("bench", "cluster", "--kill");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--kill needs --model DIR"), r.err());
        Path model = org.ultramem.testing.CheckpointMutants.write(dir.resolve("m"));
        r = CliRuns.main("bench", "cluster", "--model", model.toString(), "--prompt-tokens",
                "10", "--steps", "10");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("exceed the model's context (max_position_embeddings 16)"),
                r.err());
    }
}
