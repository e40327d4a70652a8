package org.ultramem.data.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PeopleTest {

    @Test
    void namesAreUniqueAndTheDrawIsAFunctionOfTheSeed() {
        List<Person> a = People.draw(5000, new SplittableRandom(7));
        assertEquals(a, People.draw(5000, new SplittableRandom(7)));
        assertNotEquals(a, People.draw(5000, new SplittableRandom(8)));
        assertEquals(5000, new HashSet<>(a.stream().map(Person::name).toList()).size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(i, a.get(i).id());
        }
    }

    @Test
    void everyNameCodeDecodesToFirstMiddleLastWithADistinctMiddle() {
        HashSet<String> seen = new HashSet<>();
        long step = People.DISTINCT_NAMES / 9973;
        for (long code = 0; code < People.DISTINCT_NAMES; code += step) {
            String[] parts = People.name(code).split(" ");
            assertEquals(3, parts.length, People.name(code));
            assertNotEquals(parts[0], parts[1], People.name(code));
            assertTrue(seen.add(People.name(code)));
        }
        assertEquals(People.name(People.DISTINCT_NAMES - 1).split(" ")[2], FactLists.lastNames().getLast());
    }

    @Test
    void attributesAreDrawnOverTheirWholeRange() {
        List<Person> ps = People.draw(3000, new SplittableRandom(1));
        for (Attribute a : Attribute.values()) {
            long distinct = ps.stream().mapToInt(p -> p.choices()[a.ordinal()]).distinct().count();
            assertTrue(distinct > Math.min(a.choices, 3000) / 2, a.key + ": " + distinct);
        }
    }

    @Test
    void aPopulationOutOfRangeIsRejectedNamingTheLimit() {
        var e = assertThrows(IllegalArgumentException.class, () -> People.draw(0, new SplittableRandom(1)));
        assertTrue(e.getMessage().startsWith("--people 0 must be in [1, "), e.getMessage());
    }
}
