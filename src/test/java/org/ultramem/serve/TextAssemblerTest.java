package org.ultramem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextAssemblerTest {

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void characterSplitAcrossTokensWaitsForItsLastByte() {
        TextAssembler t = new TextAssembler(List.of());
        byte[] euro = b("€"); // 3 bytes
        assertEquals("a", t.append(new byte[] {'a', euro[0]}));
        assertEquals("", t.append(new byte[] {euro[1]}));
        assertEquals("€b", t.append(new byte[] {euro[2], 'b'}));
        assertEquals("", t.flush());
    }

    @Test
    void incompleteCharacterAtTheEndBecomesAReplacementCharacter() {
        TextAssembler t = new TextAssembler(List.of());
        assertEquals("x", t.append(new byte[] {'x', (byte) 0xE2}));
        assertEquals("\uFFFD", t.flush());
    }

    @Test
    void stopSequenceAcrossTokensIsHeldBackAndNeverSent() {
        TextAssembler t = new TextAssembler(List.of("END"));
        assertEquals("the ", t.append(b("the E")));
        assertEquals("", t.append(b("N")));
        assertFalse(t.stopped());
        assertEquals("", t.append(b("D and more")));
        assertTrue(t.stopped());
        assertEquals("", t.flush());
        assertEquals("the ", t.text());
    }

    @Test
    void heldBackTextThatIsNoStopIsSentLater() {
        TextAssembler t = new TextAssembler(List.of("END"));
        assertEquals("a ", t.append(b("a E")));
        assertEquals("EX", t.append(b("X")));
        assertEquals("", t.append(b("EN")));
        assertEquals("EN", t.flush());
        assertFalse(t.stopped());
    }

    @Test
    void earliestOfSeveralStopsWins() {
        TextAssembler t = new TextAssembler(List.of("cd", "b"));
        assertEquals("a", t.append(b("abcd")));
        assertTrue(t.stopped());
    }
}
