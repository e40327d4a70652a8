package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link MemoryBudget}: one line with the need, what is available and the fix; exact sizes. */
class MemoryBudgetTest {

    @Test
    void refusesMoreHeapThanTheJvmCanGiveNamingNeedAvailableAndFix() {
        long tooMuch = Runtime.getRuntime().maxMemory() * 3;
        String m = assertThrows(MemoryBudgetException.class,
                () -> MemoryBudget.requireHeap("the widget", tooMuch, "lower --widgets"))
                .getMessage();
        assertTrue(m.startsWith("the widget needs " + MemoryBudget.human(tooMuch)
                + " of Java heap but "), m);
        assertTrue(m.contains("is available (max heap ") && m.contains("lower --widgets, or raise"
                + " the heap: ULTRAMEM_JAVA_OPTS=-Xmx"), m);
        assertTrue(!m.contains("\n"), "one line: " + m);
    }

    @Test
    void acceptsWhatFits() {
        assertDoesNotThrow(() -> MemoryBudget.requireHeap("a little", 1 << 20, null));
        assertDoesNotThrow(() -> MemoryBudget.requireNative("a little", 1 << 20, null));
    }

    @Test
    void refusesNativeMemoryBeyondTheMachine() {
        String m = assertThrows(MemoryBudgetException.class,
                () -> MemoryBudget.requireNative("the cache", Long.MAX_VALUE / 2, "use bf16"))
                .getMessage();
        assertTrue(m.contains("the cache needs") && m.contains("of native memory but the machine"
                + " has") && m.endsWith("use bf16"), m);
    }

    @Test
    void overflowingSizesAreRefusedNotWrapped() {
        String m = assertThrows(MemoryBudgetException.class,
                () -> MemoryBudget.bytes("the table", Long.MAX_VALUE / 3, 4)).getMessage();
        assertTrue(m.contains("the table") && m.contains("2^63"), m);
        assertEquals(12L, MemoryBudget.bytes("x", 3, 4));
    }

    @Test
    void xmxHintCoversUseAndNeedWithHeadroom() {
        assertEquals("ULTRAMEM_JAVA_OPTS=-Xmx5g", MemoryBudget.xmxHint(1L << 30, 3L << 30));
        assertEquals("512 B", MemoryBudget.human(512));
        assertEquals("1.5 GiB", MemoryBudget.human(3L << 29));
    }
}
