package org.ultramem.data.facts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.data.DataException;
import org.ultramem.data.DataMeta;
import org.ultramem.data.Split;
import org.ultramem.data.TokenDataset;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.TokenizerJson;

@org.junit.jupiter.api.Tag("slow")
/** {@code data facts}: determinism, what train.bin holds and what it must never hold. */
class FactsCorpusTest {

    private static final int PEOPLE = 60;
    private static final int BIOS = 3;
    private static final List<String> FILES = List.of("train.bin", "val.bin", "tokenizer.json",
            "meta.json", FactsFiles.PEOPLE, FactsFiles.PROMPTS);

    @TempDir
    static Path root;
    static Path dir;
    static List<String> trainDocs;
    static FactsData data;

    @BeforeAll
    static void generate() throws IOException {
        dir = root.resolve("a");
        FactsCorpus.write(new FactsCorpus.Options(dir, PEOPLE, 5, 400, BIOS), line -> { });
        trainDocs = documents(dir, Split.TRAIN);
        data = FactsData.load(dir);
    }

    /** The split's documents as text (token file decoded, split at <|endoftext|>). */
    static List<String> documents(Path dir, Split split) throws IOException {
        BpeTokenizer tok = TokenizerJson.load(dir.resolve("tokenizer.json"));
        List<String> docs = new ArrayList<>();
        try (TokenDataset ds = TokenDataset.open(dir, split)) {
            List<Integer> cur = new ArrayList<>();
            for (long i = 0; i < ds.size(); i++) {
                int id = ds.get(i);
                if (id == tok.endOfTextId()) {
                    docs.add(tok.decode(cur.stream().mapToInt(Integer::intValue).toArray()));
                    cur.clear();
                } else {
                    cur.add(id);
                }
            }
            assertTrue(cur.isEmpty(), "every document ends with <|endoftext|>");
        }
        return docs;
    }

    @Test
    void theSameSeedGivesIdenticalBytesAndAnotherSeedDoesNot() throws IOException {
        Path again = root.resolve("again");
        FactsCorpus.write(new FactsCorpus.Options(again, PEOPLE, 5, 400, BIOS), line -> { });
        for (String f : FILES) {
            assertArrayEquals(Files.readAllBytes(dir.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
        }
        Path other = root.resolve("other");
        FactsCorpus.write(new FactsCorpus.Options(other, PEOPLE, 6, 400, BIOS), line -> { });
        assertFalse(Files.readString(dir.resolve(FactsFiles.PEOPLE))
                .equals(Files.readString(other.resolve(FactsFiles.PEOPLE))));
    }

    @Test
    void trainHoldsEachPersonsBiographiesWithAllTheirFactsAndTheirAnsweredQuestions() {
        assertEquals(PEOPLE * (BIOS + 1), trainDocs.size());
        for (int p = 0; p < PEOPLE; p++) {
            int person = p;
            String name = data.names().get(p);
            List<String> bios = trainDocs.stream().filter(d -> d.startsWith(name) && !d.contains("Answer:"))
                    .toList();
            assertEquals(BIOS, bios.size(), name);
            List<FactPrompt> asked = data.prompts(PEOPLE, FactPrompt.Kind.HELDOUT).stream()
                    .filter(q -> q.person() == person).toList();
            assertEquals(Attribute.values().length, asked.size());
            for (String bio : bios) {
                for (FactPrompt q : asked) {
                    assertTrue(bio.contains(q.answer()), name + " " + q.attribute().key + ": " + bio);
                }
            }
            long qaDocs = trainDocs.stream().filter(d -> d.contains("Answer:") && d.contains(name + "?")).count();
            assertEquals(1, qaDocs, name);
        }
        for (FactPrompt q : data.prompts(PEOPLE, FactPrompt.Kind.TRAIN)) {
            String line = q.prompt() + " " + q.answer() + ".";
            assertTrue(trainDocs.stream().anyMatch(d -> d.lines().anyMatch(line::equals)), line);
        }
    }

    @Test
    void heldOutQuestionTemplatesNeverAppearInTrainingText() {
        String all = String.join("\n", trainDocs);
        for (FactPrompt q : data.prompts(PEOPLE, FactPrompt.Kind.HELDOUT)) {
            assertFalse(all.contains(q.prompt()), q.prompt());
        }
        for (Attribute a : Attribute.values()) {
            for (String t : Templates.heldOutQuestions(a)) {
                for (String part : t.split("\\{N\\}")) {
                    if (part.strip().length() >= 6) {
                        assertFalse(all.contains(part), "held-out wording `" + part + "` of `" + t
                                + "` occurs in train.bin");
                    }
                }
            }
        }
    }

    @Test
    void validationHoldsOneFreshBiographyPerPersonInOrder() throws IOException {
        List<String> val = documents(dir, Split.VALIDATION);
        assertEquals(PEOPLE, val.size());
        for (int p = 0; p < PEOPLE; p++) {
            assertTrue(val.get(p).startsWith(data.names().get(p)), val.get(p));
            assertFalse(trainDocs.contains(val.get(p)), "validation biography equals a training one");
        }
    }

    @Test
    void metaRecordsTheGeneratorAndEachAttributesChoices() throws IOException {
        DataMeta meta = DataMeta.read(dir);
        assertEquals(PEOPLE * (BIOS + 1), meta.split(Split.TRAIN).documents());
        JsonNode facts = new ObjectMapper().readTree(dir.resolve("meta.json").toFile()).get("facts");
        assertEquals(PEOPLE, facts.get("people").asInt());
        assertEquals(5, facts.get("seed").asInt());
        assertEquals(BIOS, facts.get("bio_copies").asInt());
        for (Attribute a : Attribute.values()) {
            assertEquals(a.choices, data.choices().get(a));
        }
        assertEquals(PEOPLE * Attribute.values().length * 2, data.prompts().size());
    }

    @Test
    void aFolderHoldingAnotherCorpusIsNotOverwritten(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("meta.json"), "{\"format\": \"ultramem-tokens-v1\"}");
        DataException e = assertThrows(DataException.class, () -> FactsCorpus.write(
                new FactsCorpus.Options(tmp, 5, 1, 300, 1), line -> { }));
        assertTrue(e.getMessage().contains("not a facts corpus"), e.getMessage());
    }
}
