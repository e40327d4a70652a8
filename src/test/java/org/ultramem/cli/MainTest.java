package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigException;
import org.ultramem.io.MemoryBudgetException;
import org.ultramem.tensor.kernel.ThreadsSetting;

/** {@link Main}'s error handling: one line per user error, budget refusals, the OutOfMemoryError backstop. */
class MainTest {

    @Test
    void budgetRefusalsAreUserErrors() {
        assertTrue(Main.isUserError(new MemoryBudgetException("x needs 9 GiB")));
    }

    @Test
    void outOfMemoryBecomesOneLineWithTheFix() {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err));
        assertEquals(2, Main.outOfMemory(cl, new OutOfMemoryError("Java heap space")));
        String line = err.toString().strip();
        assertTrue(line.startsWith("ultramem: ran out of Java heap (max ")
                && line.contains("Java heap space") && line.endsWith("ULTRAMEM_JAVA_OPTS=-Xmx<N>g")
                && line.lines().count() == 1, line);
    }


    @Test
    void userErrorMessagesStayOnOneLine() {
        // A tensor name or config value may hold a newline; the error must still be one line.
        String m = Main.message(new IllegalArgumentException("tensor `a\nb` is bad\r\tx\u0000"));
        assertEquals("tensor `a\\nb` is bad\\r\\tx\\u0000", m);
        String longOne = Main.message(new ConfigException("v".repeat(5000)));
        assertTrue(longOne.length() < 2100 && longOne.endsWith("... (5000 characters)"), longOne);
    }

    @Test
    void fileSystemErrorsSayWhatIsWrongWithThePath() {
        assertEquals("permission denied: /x/model.safetensors",
                Main.message(new AccessDeniedException("/x/model.safetensors")));
        assertEquals("not a directory: /x", Main.message(new NotDirectoryException("/x")));
        assertEquals("file not found: /y",
                Main.message(new UncheckedIOException(new NoSuchFileException("/y"))));
    }

    @Test
    void aUserErrorPrintsOneLineAndExitsTwo() {
        StringWriter err = new StringWriter();
        var cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(new StringWriter(), true));
        int code = cl.execute("inspect", "--config", "/nonexistent/config.json");
        assertEquals(2, code);
        assertEquals(1, err.toString().lines().count(), err.toString());
        assertTrue(err.toString().startsWith("ultramem inspect: config file /nonexistent/config.json"
                + " does not exist"), err.toString());
    }

    @Test
    void aBadThreadCountIsOneLineAndExit2() {
        String old = System.getProperty(ThreadsSetting.PROPERTY);
        try {
            for (String bad : new String[] {"x", "0", "-3"}) {
                System.setProperty(ThreadsSetting.PROPERTY, bad);
                CliRuns.Run r = CliRuns.main("inspect", "--config", "configs/demo.json");
                assertEquals(2, r.code(), r.err());
                assertTrue(r.err().strip().lines().count() == 1 && r.err().contains("ULTRAMEM_THREADS")
                        && r.err().contains("`" + bad + "`"), r.err());
            }
            System.setProperty(ThreadsSetting.PROPERTY, " 1 ");
            assertEquals(1, ThreadsSetting.configured());
        } finally {
            if (old == null) {
                System.clearProperty(ThreadsSetting.PROPERTY);
            } else {
                System.setProperty(ThreadsSetting.PROPERTY, old);
            }
        }
    }
}
