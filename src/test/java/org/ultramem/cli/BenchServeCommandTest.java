package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code bench serve}'s refusals: one line naming the option, its value and the fix; exit 2. */
class BenchServeCommandTest {

    @Test
    void anUnknownMemberListsTheMembers() {
        CliRuns.Run r = CliRuns.main("bench", "serve", "--family", "--only", "ultramem,v3");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--only v3 is not one of these models; use some of dense, moe,"
                + " ultramem"), r.err());
    }

    @Test
    void onlyIsRefusedWithOneCheckpoint() {
        CliRuns.Run r = CliRuns.main("bench", "serve", "--model", "runs/x", "--only", "moe");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--model serves one checkpoint, so drop --only"), r.err());
    }

    @Test
    void promptVariantsMustBePositive() {
        CliRuns.Run r = CliRuns.main("bench", "serve", "--family", "--prompt-variants", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--prompt-variants (0) in [1, 100000]"), r.err());
    }

    @Test
    void jitWarmupMustBeInRange() {
        CliRuns.Run r = CliRuns.main("bench", "serve", "--family", "--jit-warmup", "-1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--jit-warmup -1.0 must be in [0, 600] seconds"), r.err());
    }

    @Test
    void engineNiceMustBeInRange() {
        CliRuns.Run r = CliRuns.main("bench", "serve", "--family", "--engine-nice", "3");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--engine-nice 3 must be in [-20, 0]")
                && r.err().strip().lines().count() == 1, r.err());
    }
}
