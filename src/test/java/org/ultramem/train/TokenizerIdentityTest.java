package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.data.DataMeta;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.BpeTrainer;
import org.ultramem.text.TokenizerJson;

/**
 * Checkpoints record their tokenizer's identity and the loaders hold the model, its
 * tokenizer.json and the data folder to it: a swapped tokenizer or data made by another tokenizer
 * is refused naming both hashes; checkpoints and data from before the identity existed are
 * accepted with one warning line.
 */
class TokenizerIdentityTest {

    @TempDir
    static Path shared;
    static Path tokA;
    static Path tokB;
    static String shaA;
    static String shaB;

    @TempDir
    Path dir;

    @BeforeAll
    static void tokenizers() throws IOException {
        tokA = save("a.json", "the cat sat on the mat and the dog ran to the park ", 270);
        tokB = save("b.json", "lorem ipsum dolor sit amet consectetur adipiscing ", 270);
        shaA = TokenizerJson.sha256(TokenizerJson.load(tokA));
        shaB = TokenizerJson.sha256(TokenizerJson.load(tokB));
    }

    private static Path save(String name, String text, int vocab) throws IOException {
        BpeTrainer t = new BpeTrainer();
        t.addDocument(text.repeat(30));
        BpeTokenizer tok = t.train(vocab, line -> { });
        Path f = shared.resolve(name);
        TokenizerJson.save(tok, f);
        return f;
    }

    private Path checkpoint(Path tokenizer) throws IOException {
        Path ckpt = dir.resolve("ckpt");
        Transformer m = new Transformer(ModelConfig.of(300, 16, 1, 2, 16, 8), 1, 4, 1);
        Checkpoints.saveModel(ckpt, m, null, tokenizer, null, Map.of());
        return ckpt;
    }

    private static DataMeta meta(String tokenizerSha) {
        return new DataMeta(DataMeta.FORMAT, DataMeta.TOKEN_DTYPE, 270, 270, 0, "tokenizer.json",
                tokenizerSha, "0", List.of(), Map.of());
    }

    @Test
    void savesRecordTheTokenizerIdentity() throws IOException {
        assertEquals(shaA, TokenizerIdentity.recorded(checkpoint(tokA)));
        assertEquals(Files.size(tokA), Files.size(dir.resolve("ckpt/tokenizer.json")));
    }

    @Test
    void refusesASwappedTokenizerNamingBothHashes() throws IOException {
        Path ckpt = checkpoint(tokA);
        Files.copy(tokB, ckpt.resolve(Checkpoints.TOKENIZER),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String m = assertThrows(IllegalArgumentException.class,
                () -> TokenizerIdentity.loadCheckpointTokenizer(ckpt, 300, w -> { }))
                .getMessage();
        assertTrue(m.contains(shaB.substring(0, 12)) && m.contains(shaA.substring(0, 12))
                && m.contains("is not the tokenizer the model was trained with"), m);
        assertThrows(IllegalArgumentException.class, () -> TokenizerIdentity.requireDataMatches(
                ckpt, dir, meta(shaA), w -> { }));
    }

    @Test
    void acceptsAnOldCheckpointWithOneWarning() throws IOException {
        Path ckpt = checkpoint(null);
        Files.copy(tokA, ckpt.resolve(Checkpoints.TOKENIZER));
        assertNull(TokenizerIdentity.recorded(ckpt));
        List<String> warnings = new ArrayList<>();
        assertEquals(270, TokenizerIdentity.loadCheckpointTokenizer(ckpt, 300, warnings::add)
                .vocabSize());
        assertEquals(1, warnings.size());
        assertTrue(warnings.get(0).startsWith("warning: ") && warnings.get(0).contains("records"
                + " no tokenizer identity"), warnings.get(0));
    }

    @Test
    void refusesATokenizerLargerThanTheModelVocabulary() throws IOException {
        Path ckpt = checkpoint(tokA);
        String m = assertThrows(IllegalArgumentException.class,
                () -> TokenizerIdentity.loadCheckpointTokenizer(ckpt, 100, w -> { }))
                .getMessage();
        assertTrue(m.contains("has 270 tokens but the model's vocab_size is 100"), m);
    }

    @Test
    void refusesDataMadeByAnotherTokenizer() throws IOException {
        Path ckpt = checkpoint(tokA);
        Path data = dir.resolve("data");
        String m = assertThrows(IllegalArgumentException.class,
                () -> TokenizerIdentity.requireDataMatches(ckpt, data, meta(shaB), w -> { }))
                .getMessage();
        assertTrue(m.contains(shaB.substring(0, 12)) && m.contains(shaA.substring(0, 12))
                && m.contains("pass --data with the folder the model was trained on"), m);
        assertDoesNotThrow(() -> TokenizerIdentity.requireDataMatches(ckpt, data, meta(shaA),
                w -> { throw new AssertionError("no warning expected: " + w); }));
    }

    @Test
    void comparesDataWithAnOldCheckpointsTokenizerFile() throws IOException {
        Path ckpt = checkpoint(null);
        Files.copy(tokA, ckpt.resolve(Checkpoints.TOKENIZER));
        assertThrows(IllegalArgumentException.class, () -> TokenizerIdentity.requireDataMatches(
                ckpt, dir, meta(shaB), w -> { }));
    }

    @Test
    void warnsOnceWhenEitherSideHasNoIdentity() throws IOException {
        List<String> warnings = new ArrayList<>();
        TokenizerIdentity.requireDataMatches(checkpoint(null), dir, meta(shaB), warnings::add);
        TokenizerIdentity.requireDataMatches(checkpoint(tokA), dir, meta("0"), warnings::add);
        assertEquals(2, warnings.size(), warnings.toString());
    }

    @Test
    void anUnreadableCopiedTokenizerIsAWarningForScoring() throws IOException {
        Path ckpt = checkpoint(null);
        Files.writeString(ckpt.resolve(Checkpoints.TOKENIZER), "{\"model\": {}}");
        List<String> warnings = new ArrayList<>();
        TokenizerIdentity.requireDataMatches(ckpt, dir, meta(shaA), warnings::add);
        assertTrue(warnings.get(0).contains("cannot be compared"), warnings.toString());
    }
}
