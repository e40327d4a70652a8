package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointCommitTest {

    private static final String SHA = "0123456789abcdef0123456789abcdef01234567";
    private static final String OTHER = "fedcba9876543210fedcba9876543210fedcba98";

    @Test
    void prefersTheBuildCommitAndMarksACheckoutHead() {
        assertEquals("0123456", CheckpointCommit.of(Map.of("build_commit", SHA, "git_commit", OTHER)));
        assertEquals("0123456-dirty", CheckpointCommit.of(Map.of("build_commit", SHA + "-dirty")));
        assertEquals("HEAD fedcba9", CheckpointCommit.of(Map.of("build_commit", "unknown", "git_commit", OTHER)));
        assertEquals("HEAD fedcba9", CheckpointCommit.of(Map.of("git_commit", OTHER)));
        assertEquals("unknown", CheckpointCommit.of(Map.of()));
    }

    @Test
    void missingCheckpointIsNotAvailable(@TempDir Path dir) {
        assertEquals("n/a", CheckpointCommit.of(dir));
    }
}
