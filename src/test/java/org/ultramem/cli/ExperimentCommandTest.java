package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ExperimentCommandTest {

    @TempDir
    Path dir;

    @Test
    void reportOfAnUnrunSuiteListsEveryRunAsNotFinished() throws Exception {
        int code = new CommandLine(new ExperimentCommand()).execute("report", "smoke", "--out", dir.toString());
        assertEquals(0, code);
        String md = Files.readString(dir.resolve("smoke/report.md"));
        assertTrue(md.contains("| dense | 1 | not finished |"), md);
        assertTrue(md.contains("| ultramem | 1 | not finished |"), md);
        assertTrue(md.contains("run `ultramem` has no finished seed yet"), md);
    }

    @Test
    void unknownSuiteFailsNamingWhereItLooked() {
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new ExperimentCommand());
        cl.setErr(new PrintWriter(err));
        assertNotEquals(0, cl.execute("report", "no-such-suite", "--out", dir.toString()));
        assertTrue(err.toString().contains("configs/experiments/no-such-suite.json"), err.toString());
    }
}
