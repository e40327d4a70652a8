package org.ultramem.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerJsonTest {

    private static BpeTokenizer tok;
    private static final List<String> TEXTS = new ArrayList<>();

    @BeforeAll
    static void trainSmallTokenizer() {
        List<String> docs = new ArrayList<>(BpeTrainerTest.syntheticCorpus(9, 80));
        docs.addAll(BpeTokenizerTest.UNICODE_SAMPLES);
        tok = BpeTrainerTest.train(docs, 700);
        TEXTS.addAll(BpeTokenizerTest.UNICODE_SAMPLES);
        TEXTS.addAll(BpeTrainerTest.syntheticCorpus(99, 5)); // unseen text, same distribution
        TEXTS.add("The quick brown fox's tail — über naïve café, 3.14 × 10⁹ 🦊🦊");
        TEXTS.add(String.join("\n", BpeTrainerTest.syntheticCorpus(123, 40))); // > 512 tokens
    }

    @Test
    void saveThenLoadGivesTheSameTokenizer(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        TokenizerJson.save(tok, file);
        BpeTokenizer loaded = TokenizerJson.load(file);
        assertEquals(tok.vocabSize(), loaded.vocabSize());
        assertEquals(tok.endOfTextId(), loaded.endOfTextId());
        for (String t : TEXTS) {
            assertArrayEquals(tok.encode(t), loaded.encode(t), t);
        }
        assertEquals(TokenizerJson.toJson(tok), TokenizerJson.toJson(loaded));
    }

    @Test
    void huggingFaceTokenizersProducesTheSameIds(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        TokenizerJson.save(tok, file);
        // DJL truncates to 512 tokens unless told not to.
        try (HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(file,
                Map.of("addSpecialTokens", "false", "truncation", "false"))) {
            assertTrue(TEXTS.stream().anyMatch(t -> tok.encode(t).length > 512));
            for (String t : TEXTS) {
                Encoding enc = hf.encode(t);
                long[] hfIds = enc.getIds();
                int[] ours = tok.encode(t);
                long[] oursLong = java.util.Arrays.stream(ours).asLongStream().toArray();
                assertArrayEquals(oursLong, hfIds, () -> "text: " + t);
                assertTrue(ours.length > 0 || t.isEmpty());
                assertEquals(t, tok.decode(ours));
            }
        }
    }

    @Test
    void rejectsATruncatedFile(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        TokenizerJson.save(tok, file);
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenizerJson.load(file));
        assertTrue(e.getMessage().contains("not valid JSON") && e.getMessage().contains(
                file.toString()), e.getMessage());
    }

    @Test
    void rejectsAMergeOfUnknownTokens(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        String json = TokenizerJson.toJson(tok).toPrettyString()
                .replaceFirst("\"merges\" : \\[ \"", "\"merges\" : [ \"qqqqq x\", \"");
        Files.writeString(file, json);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenizerJson.load(file));
        assertTrue(e.getMessage().contains("model.merges[0]") && e.getMessage().contains("qqqqq"),
                e.getMessage());
    }

    @Test
    void rejectsAVocabularyIdOutsideTheDenseRange(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        var root = TokenizerJson.toJson(tok);
        var vocab = (ObjectNode) root.path("model").path("vocab");
        vocab.remove("A");
        vocab.put("A", tok.vocabSize() + 5);
        Files.writeString(file, root.toPrettyString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenizerJson.load(file));
        assertTrue(e.getMessage().contains("model.vocab[\"A\"]"), e.getMessage());
    }

    @Test
    void rejectsANonBpeModel(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        var root = TokenizerJson.toJson(tok);
        ((ObjectNode) root.path("model")).put("type", "WordPiece");
        Files.writeString(file, root.toPrettyString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TokenizerJson.load(file));
        assertTrue(e.getMessage().contains("model.type") && e.getMessage().contains("BPE"),
                e.getMessage());
    }

    private static String loadError(Path dir, ObjectNode root) throws IOException {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, root.toPrettyString());
        return assertThrows(IllegalArgumentException.class, () -> TokenizerJson.load(file))
                .getMessage();
    }

    @Test
    void namesAMissingModelOrTypeKey(@TempDir Path dir) throws IOException {
        ObjectNode root = TokenizerJson.toJson(tok);
        root.remove("model");
        String m = loadError(dir, root);
        assertTrue(m.contains("key `model` is missing"), m);
        root = TokenizerJson.toJson(tok);
        ((ObjectNode) root.path("model")).remove("type");
        m = loadError(dir, root);
        assertTrue(m.contains("key `model.type` is missing; it must be \"BPE\""), m);
        root = TokenizerJson.toJson(tok);
        root.put("pre_tokenizer", "ByteLevel");
        m = loadError(dir, root);
        assertTrue(m.contains("`pre_tokenizer` must be an object"), m);
    }

    @Test
    void rejectsAnAddedTokenIdBeyondTheDenseRange(@TempDir Path dir) throws IOException {
        // Before the check, id 2^31-1 overflowed the table size and crashed with an index error.
        for (long id : new long[] {Integer.MAX_VALUE, 1L << 40, -1}) {
            ObjectNode root = TokenizerJson.toJson(tok);
            ((ObjectNode) root.path("added_tokens").get(0)).put("id", id);
            String m = loadError(dir, root);
            assertTrue(m.contains("added_tokens[0].id (" + id + ") must be in [0, "), m);
        }
    }

    @Test
    void rejectsFractionalIdsAndNonTextMerges(@TempDir Path dir) throws IOException {
        ObjectNode root = TokenizerJson.toJson(tok);
        ((ObjectNode) root.path("added_tokens").get(0)).put("id", 4.0);
        assertTrue(loadError(dir, root).contains("an integer `id`"));
        root = TokenizerJson.toJson(tok);
        ((ObjectNode) root.path("model").path("vocab")).put("A", 65.5);
        assertTrue(loadError(dir, root).contains("must be an integer id"));
        root = TokenizerJson.toJson(tok);
        var merges = (com.fasterxml.jackson.databind.node.ArrayNode) root.path("model").path("merges");
        merges.set(0, merges.arrayNode().add(1).add(2));
        assertTrue(loadError(dir, root).contains("model.merges[0] = [1,2] must be"));
        root = TokenizerJson.toJson(tok);
        root.put("added_tokens", "none");
        assertTrue(loadError(dir, root).contains("added_tokens must be an array"));
    }
}
