package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.ultramem.io.MemoryBudgetException;

/** {@link Main}'s error handling for memory: budget refusals and the OutOfMemoryError backstop. */
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
}
