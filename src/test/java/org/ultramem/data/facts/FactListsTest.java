package org.ultramem.data.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class FactListsTest {

    @Test
    void everyListHasItsDocumentedNumberOfChoices() {
        assertEquals(FactLists.FEMALE_FIRST_NAMES, FactLists.femaleFirstNames().size());
        assertEquals(FactLists.MALE_FIRST_NAMES, FactLists.maleFirstNames().size());
        assertEquals(FactLists.LAST_NAMES, FactLists.lastNames().size());
        assertEquals(200, FactLists.cities().size());
        assertEquals(300, FactLists.universities().size());
        assertEquals(100, FactLists.majors().size());
        assertEquals(250, FactLists.companies().size());
        assertEquals(12 * 28 * 60, FactLists.BIRTH_DATES);
        assertEquals(List.of(20160, 200, 300, 100, 250, 200),
                List.of(Attribute.values()).stream().map(a -> a.choices).toList());
    }

    @Test
    void everyValueOfEveryAttributeIsDistinctAndFreeOfAnswerTerminators() {
        for (Attribute a : Attribute.values()) {
            HashSet<String> seen = new HashSet<>();
            for (int i = 0; i < a.choices; i++) {
                String v = a.value(i);
                assertTrue(seen.add(v), a.key + " repeats " + v);
                assertTrue(!v.contains(".") && !v.contains("\n") && v.equals(v.strip()), v);
            }
        }
    }

    @Test
    void birthDatesCoverTheRangeInOrder() {
        assertEquals("January 1, 1940", FactLists.birthDate(0));
        assertEquals("January 1, 1999", FactLists.birthDate(59));
        assertEquals("January 2, 1940", FactLists.birthDate(60));
        assertEquals("December 28, 1999", FactLists.birthDate(FactLists.BIRTH_DATES - 1));
        assertThrows(IllegalArgumentException.class, () -> FactLists.birthDate(FactLists.BIRTH_DATES));
    }

    @Test
    void aListWhoseSizeDiffersFromItsConstantIsRejected() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> FactLists.load("majors.txt", 99));
        assertTrue(e.getMessage().contains("majors.txt has 100 entries"), e.getMessage());
    }
}
