package org.ultramem.data.facts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BioWriterTest {

    private static final Person ANNA = new Person(0, "Anna Rose Smith", true,
            new int[] {3, 4, 5, 6, 7, 8});

    @Test
    void aBiographyStatesEveryAttributeOnceAndOpensWithTheFullName() {
        SplittableRandom rng = new SplittableRandom(3);
        Set<String> variants = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            String bio = BioWriter.biography(ANNA, rng);
            assertTrue(bio.startsWith("Anna Rose Smith"), bio);
            for (Attribute a : Attribute.values()) {
                assertTrue(bio.contains(ANNA.value(a)), a.key + " missing: " + bio);
            }
            assertEquals(6, bio.split("(?<=\\.) ").length, bio);
            assertTrue(!bio.contains("{") && !bio.matches(".*\\b(He|his|His)\\b.*"), bio);
            variants.add(bio);
        }
        assertTrue(variants.size() > 45, "re-drawn biographies differ: " + variants.size());
    }

    @Test
    void everyAttributeHasAtLeastFiveSentenceTemplatesAndDisjointQuestionSets() {
        for (Attribute a : Attribute.values()) {
            assertTrue(Templates.bio(a).size() >= 5, a.key);
            assertTrue(Templates.trainQuestions(a).size() >= 2, a.key);
            assertTrue(Templates.heldOutQuestions(a).size() >= 2, a.key);
            Set<String> train = new HashSet<>(Templates.trainQuestions(a));
            for (String h : Templates.heldOutQuestions(a)) {
                assertTrue(!train.contains(h), h);
                assertTrue(h.contains("{N}") && h.endsWith("?"), h);
            }
        }
    }

    @Test
    void theQaDocumentAnswersEveryTrainingQuestionOnItsOwnLine() {
        String qa = BioWriter.trainingQa(ANNA, new SplittableRandom(1));
        List<String> lines = qa.lines().toList();
        int expected = 0;
        for (Attribute a : Attribute.values()) {
            for (String t : Templates.trainQuestions(a)) {
                expected++;
                String line = Templates.question(t, ANNA.name()) + " Answer: " + ANNA.value(a) + ".";
                assertTrue(lines.contains(line), line + " not in\n" + qa);
            }
        }
        assertEquals(expected, lines.size());
    }
}
