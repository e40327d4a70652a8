package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DataCommandTest {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new DataCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        return cl.execute(args);
    }

    @Test
    void preparesATextDirAndPrintsTheSummary(@TempDir Path root) throws IOException {
        Path texts = Files.createDirectories(root.resolve("t"));
        Files.writeString(texts.resolve("a.txt"), "one two three one two three ".repeat(20));
        Files.writeString(texts.resolve("b.txt"), "three two one ".repeat(10));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, "prepare", "--out", root.resolve("d").toString(), "--vocab", "270",
                "--text-dir", texts.toString());
        assertEquals(0, rc, err.toString());
        assertTrue(out.toString().contains("val") && out.toString().contains("bytes/token"),
                out.toString());
        assertTrue(err.toString().contains("data:"), "progress goes to stderr: " + err);
        assertTrue(Files.isRegularFile(root.resolve("d/train.bin")));
    }

    @Test
    void anEmptyTextDirIsOneClearLineAndExitCode2(@TempDir Path root) throws IOException {
        Path empty = Files.createDirectories(root.resolve("empty"));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int rc = run(out, err, "prepare", "--out", root.resolve("d").toString(), "--text-dir",
                empty.toString());
        assertEquals(2, rc);
        assertTrue(err.toString().startsWith("ultramem data prepare: --text-dir"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
}
