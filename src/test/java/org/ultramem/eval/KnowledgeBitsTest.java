package org.ultramem.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ultramem.data.facts.Attribute;

class KnowledgeBitsTest {

    @Test
    void bitsOfAHandMadeCase() {
        // 10 people; a 4-choice attribute half right (2 of 4 bits: 0.5 x 2 x 10 = 10 raw), a 256-choice one
        // all right (8 bits x 10 = 80). Chance-corrected: (0.5 - 0.25) / 0.75 = 1/3 -> 6.67; 1 -> 80.
        List<KnowledgeBits.Score> s = List.of(new KnowledgeBits.Score(Attribute.MAJOR, 4, 5, 10),
                new KnowledgeBits.Score(Attribute.EMPLOYER, 256, 10, 10));
        assertEquals(90.0, KnowledgeBits.raw(s, 10), 1e-12);
        assertEquals(80.0 + 20.0 / 3, KnowledgeBits.chanceCorrected(s, 10), 1e-12);
        assertEquals(100.0, KnowledgeBits.max(s, 10), 1e-12);
    }

    @Test
    void guessingStoresNothingAndPerfectRecallStoresEverything() {
        KnowledgeBits.Score guess = new KnowledgeBits.Score(Attribute.MAJOR, 100, 1, 100);
        KnowledgeBits.Score worse = new KnowledgeBits.Score(Attribute.MAJOR, 100, 0, 100);
        KnowledgeBits.Score all = new KnowledgeBits.Score(Attribute.MAJOR, 100, 100, 100);
        assertEquals(0.0, guess.chanceCorrected(), 1e-15);
        assertEquals(0.0, worse.chanceCorrected(), 1e-15);
        assertEquals(1.0, all.chanceCorrected(), 1e-15);
        assertEquals(Math.log(100) / Math.log(2) * 7, KnowledgeBits.chanceCorrected(List.of(all), 7), 1e-9);
        assertEquals(0.0, new KnowledgeBits.Score(Attribute.MAJOR, 1, 3, 3).chanceCorrected());
    }

    @Test
    void anImpossibleScoreIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new KnowledgeBits.Score(Attribute.MAJOR, 10, 11, 10));
        assertThrows(IllegalArgumentException.class, () -> new KnowledgeBits.Score(Attribute.MAJOR, 0, 0, 10));
    }
}
