package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench soak}'s refusals: one line naming the option, its value and the fix; exit 2. */
class BenchSoakCommandTest {

    @TempDir
    Path dir;

    @Test
    void aMissingFamilyMemberNamesTheConfigItLookedFor() {
        CliRuns.Run r = CliRuns.main("bench", "soak", "--family-member", "nope", "--configs",
                dir.toString(), "--duration", "1", "--out", dir.resolve("out").toString());
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--family-member nope: no " + dir.resolve("family-nope.json")),
                r.err());
    }

    @Test
    void outOfRangeOptionsAreRefused() {
        CliRuns.Run r = CliRuns.main("bench", "soak", "--family-member", "ultramem", "--load", "0");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--load 0.0 must be in (0, 64]"), r.err());
        r = CliRuns.main("bench", "soak", "--family-member", "ultramem", "--engine-nice", "-21");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--engine-nice -21 must be in [-20, 0]"), r.err());
        r = CliRuns.main("bench", "soak", "--family-member", "ultramem", "--stream-fraction", "2");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--stream-fraction 2.0 must be in [0, 1]"), r.err());
        r = CliRuns.main("bench", "soak", "--family-member", "ultramem", "--max-batch", "0",
                "--duration", "1");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--max-batch 0 must be in [1, 4096]"), r.err());
    }
}
