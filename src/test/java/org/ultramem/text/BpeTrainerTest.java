package org.ultramem.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BpeTrainerTest {

    /** Documents of random words over a small alphabet, so pairs repeat and tie often. */
    static List<String> syntheticCorpus(long seed, int docs) {
        SplittableRandom rng = new SplittableRandom(seed);
        String[] syllables = {"ab", "ba", "the", "a", "aa", "n", "ing", "é", "中", "😀", "'s", "1"};
        List<String> out = new ArrayList<>();
        for (int d = 0; d < docs; d++) {
            StringBuilder sb = new StringBuilder();
            int words = 5 + rng.nextInt(30);
            for (int w = 0; w < words; w++) {
                int parts = 1 + rng.nextInt(4);
                for (int p = 0; p < parts; p++) {
                    sb.append(syllables[rng.nextInt(syllables.length)]);
                }
                sb.append(rng.nextInt(8) == 0 ? ",\n" : " ");
            }
            out.add(sb.toString());
        }
        return out;
    }

    static BpeTokenizer train(List<String> docs, int vocab) {
        BpeTrainer trainer = new BpeTrainer();
        docs.forEach(trainer::addDocument);
        return trainer.train(vocab, line -> { });
    }

    /**
     * Reference trainer: recounts every pair before each merge (slow, obviously right). Returns
     * the merges as {left, right, result} with the same id rules as {@link BpeTrainer}.
     */
    static List<int[]> naiveMerges(List<String> docs, int vocab) {
        Map<String, Integer> words = new TreeMap<>();
        for (String d : docs) {
            for (String piece : PreTokenizer.split(d)) {
                words.merge(new String(piece.getBytes(StandardCharsets.UTF_8),
                        StandardCharsets.ISO_8859_1), 1, Integer::sum);
            }
        }
        List<List<Integer>> syms = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (Map.Entry<String, Integer> e : words.entrySet()) {
            List<Integer> s = new ArrayList<>();
            e.getKey().chars().forEach(s::add);
            syms.add(s);
            counts.add(e.getValue());
        }
        List<String> tokens = new ArrayList<>();
        Map<String, Integer> ids = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf((char) b));
            ids.put(String.valueOf((char) b), b);
        }
        List<int[]> merges = new ArrayList<>();
        while (tokens.size() < vocab - 1) {
            TreeMap<Long, Integer> pairs = new TreeMap<>();
            for (int w = 0; w < syms.size(); w++) {
                List<Integer> s = syms.get(w);
                for (int k = 0; k + 1 < s.size(); k++) {
                    pairs.merge(PairMap.key(s.get(k), s.get(k + 1)), counts.get(w), Integer::sum);
                }
            }
            long best = -1;
            int bestCount = 0;
            for (Map.Entry<Long, Integer> e : pairs.entrySet()) { // ascending: first max wins ties
                if (e.getValue() > bestCount) {
                    best = e.getKey();
                    bestCount = e.getValue();
                }
            }
            if (best < 0) {
                break;
            }
            int a = PairMap.left(best);
            int b = PairMap.right(best);
            String joined = tokens.get(a) + tokens.get(b);
            Integer x = ids.get(joined);
            if (x == null) {
                x = tokens.size();
                tokens.add(joined);
                ids.put(joined, x);
            }
            merges.add(new int[] {a, b, x});
            for (List<Integer> s : syms) {
                for (int k = 0; k + 1 < s.size(); k++) {
                    if (s.get(k) == a && s.get(k + 1) == b) {
                        s.set(k, x);
                        s.remove(k + 1);
                    }
                }
            }
        }
        return merges;
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void incrementalTrainingMatchesNaiveRecount(long seed) {
        List<String> docs = syntheticCorpus(seed, 40);
        int vocab = 400;
        BpeTokenizer tok = train(docs, vocab);
        List<int[]> expected = naiveMerges(docs, vocab);
        assertEquals(expected.size(), tok.mergeCount());
        for (int r = 0; r < expected.size(); r++) {
            assertEquals(expected.get(r)[0], tok.mergeLeft(r), "left of merge " + r);
            assertEquals(expected.get(r)[1], tok.mergeRight(r), "right of merge " + r);
        }
    }

    @Test
    void trainingIsDeterministicAndReachesTheTargetVocab() {
        List<String> docs = syntheticCorpus(7, 60);
        BpeTokenizer a = train(docs, 300);
        BpeTokenizer b = train(docs, 300);
        assertEquals(300, a.vocabSize());
        assertEquals(299, a.endOfTextId());
        assertEquals(TokenizerJson.toJson(a), TokenizerJson.toJson(b));
    }

    @Test
    void firstMergeIsTheMostFrequentPairWithTiesToTheSmallestIds() {
        // Pieces "ab" x3 and "cd" x3 (commas split them): (a, b) and (c, d) tie; (a, b) wins.
        BpeTokenizer tok = train(List.of("ab,ab,ab,cd,cd,cd"), 259);
        assertEquals('a', tok.mergeLeft(0));
        assertEquals('b', tok.mergeRight(0));
        assertArrayEquals(new int[] {256}, tok.encodeOrdinary("ab"));
    }

    @Test
    void stopsWhenNoPairIsLeft() {
        BpeTokenizer tok = train(List.of("ab"), 1000);
        assertEquals(1, tok.mergeCount());
        assertEquals(258, tok.vocabSize());
    }

    @Test
    void rejectsATooSmallVocab() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> train(List.of("x"), 100));
        assertTrue(e.getMessage().contains("100"), e.getMessage());
    }
}
