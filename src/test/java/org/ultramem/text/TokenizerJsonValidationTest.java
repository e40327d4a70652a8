package org.ultramem.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TokenizerJson} on hostile files (an added-token id of 1.5e9 used to size a 12 GB table,
 * a missing {@code model} gave "model.type is  but must be BPE") and its identity: the canonical
 * SHA-256 equals the sha256 of the file {@link TokenizerJson#save} writes, survives reformatting,
 * and differs between tokenizers.
 */
class TokenizerJsonValidationTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static BpeTokenizer tok;

    @TempDir
    Path dir;

    @BeforeAll
    static void train() {
        tok = BpeTrainerTest.train(BpeTrainerTest.syntheticCorpus(3, 40), 300);
    }

    private Path write(ObjectNode root) throws IOException {
        Path f = dir.resolve("tokenizer.json");
        Files.write(f, JSON.writeValueAsBytes(root));
        return f;
    }

    @Test
    @Timeout(20)
    void rejectsAHugeAddedTokenIdBeforeSizingTheTable() throws IOException {
        ObjectNode root = TokenizerJson.toJson(tok);
        ((ObjectNode) root.get("added_tokens").get(0)).put("id", 1_500_000_000);
        String m = assertThrows(IllegalArgumentException.class,
                () -> TokenizerJson.load(write(root))).getMessage();
        assertTrue(m.contains("id (1500000000) must be in [0, "), m);
    }

    @Test
    void namesAMissingModelObject() throws IOException {
        ObjectNode root = TokenizerJson.toJson(tok);
        root.remove("model");
        String m = assertThrows(IllegalArgumentException.class,
                () -> TokenizerJson.load(write(root))).getMessage();
        assertTrue(m.contains("key `model` is missing"), m);
        ObjectNode noType = TokenizerJson.toJson(tok);
        ((ObjectNode) noType.get("model")).remove("type");
        String t = assertThrows(IllegalArgumentException.class,
                () -> TokenizerJson.load(write(noType))).getMessage();
        assertTrue(t.contains("key `model.type` is missing; it must be \"BPE\""), t);
    }

    @Test
    void identityIsTheSha256OfTheSavedFile() throws Exception {
        Path f = dir.resolve("saved.json");
        TokenizerJson.save(tok, f);
        String fileSha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(f)));
        assertEquals(fileSha, TokenizerJson.sha256(tok));
        assertEquals(fileSha, TokenizerJson.sha256(TokenizerJson.load(f)));
    }

    @Test
    void identitySurvivesReformattingButNotAnotherVocabulary() throws IOException {
        Path compact = write(TokenizerJson.toJson(tok)); // no indentation
        assertEquals(TokenizerJson.sha256(tok), TokenizerJson.sha256(TokenizerJson.load(compact)));
        BpeTokenizer other = BpeTrainerTest.train(List.of("another corpus entirely, other"
                + " merges"), 280);
        assertNotEquals(TokenizerJson.sha256(tok), TokenizerJson.sha256(other));
    }
}
