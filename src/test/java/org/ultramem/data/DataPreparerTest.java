package org.ultramem.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.TokenizerJson;

class DataPreparerTest {

    static Path textDir(Path root, int files, long seed) throws IOException {
        Path dir = Files.createDirectories(root.resolve("texts"));
        SplittableRandom rng = new SplittableRandom(seed);
        String[] words = {"the", "memory", "layer", "sparse", "value", "table", "of", "and",
            "é", "🙂"};
        for (int f = 0; f < files; f++) {
            StringBuilder sb = new StringBuilder();
            for (int w = 0; w < 300; w++) {
                sb.append(words[rng.nextInt(words.length)])
                        .append(rng.nextInt(12) == 0 ? ".\n" : " ");
            }
            Files.writeString(dir.resolve(String.format("doc%02d.txt", f)), sb);
        }
        return dir;
    }

    @Test
    void textDirPreparationWritesDecodableSplitsAndReusesThem(@TempDir Path root)
            throws IOException {
        Path texts = textDir(root, 12, 1);
        Path out = root.resolve("out");
        var opt = new DataPreparer.Options(out, 300, texts, false);
        List<String> log = new ArrayList<>();
        DataPreparer.Result r = DataPreparer.prepare(opt, log::add);
        assertFalse(r.upToDate());
        DataMeta meta = DataMeta.read(out);
        assertEquals(300, meta.vocabSize());
        assertEquals(List.of("text/doc09.txt"), meta.split(Split.VALIDATION).documentNames());

        // The validation file decodes to the document followed by the separator.
        BpeTokenizer tok = TokenizerJson.load(out.resolve("tokenizer.json"));
        byte[] doc = Files.readAllBytes(texts.resolve("doc09.txt"));
        try (TokenDataset val = TokenDataset.open(out, Split.VALIDATION)) {
            int[] ids = new int[(int) val.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = val.get(i);
            }
            assertEquals(tok.endOfTextId(), ids[ids.length - 1]);
            assertArrayEquals(doc, tok.decodeBytes(java.util.Arrays.copyOf(ids, ids.length - 1)));
            assertEquals((double) doc.length / ids.length, val.bytesPerToken(), 1e-12);
        }
        long trainBytes = 0;
        for (int f = 0; f < 12; f++) {
            trainBytes += f == 9 ? 0 : Files.size(texts.resolve(String.format("doc%02d.txt", f)));
        }
        assertEquals(trainBytes, meta.split(Split.TRAIN).bytes());

        // Same inputs: nothing to do. A changed document: the tokenizer is retrained.
        assertTrue(DataPreparer.prepare(opt, log::add).upToDate());
        Files.writeString(texts.resolve("doc03.txt"), "a different document entirely",
                StandardCharsets.UTF_8);
        DataPreparer.Result changed = DataPreparer.prepare(opt, log::add);
        assertFalse(changed.upToDate());
        assertFalse(changed.tokenizerReused());
        assertNotEquals(meta.corpusSha256(), changed.meta().corpusSha256());
    }

    @Test
    void damagedTokenFileIsRewrittenWithTheReusedTokenizer(@TempDir Path root) throws IOException {
        Path texts = textDir(root, 3, 2);
        Path out = root.resolve("out");
        var opt = new DataPreparer.Options(out, 280, texts, false);
        DataPreparer.prepare(opt, s -> { });
        Files.write(out.resolve("train.bin"), new byte[] {1, 2, 3});
        DataPreparer.Result r = DataPreparer.prepare(opt, s -> { });
        assertTrue(r.tokenizerReused());
        assertFalse(r.upToDate());
        try (TokenDataset train = TokenDataset.open(out, Split.TRAIN)) {
            assertEquals(r.meta().split(Split.TRAIN).tokens(), train.size());
        }
    }

    @Test
    void rejectsATooSmallVocabAndAnEmptyTextDir(@TempDir Path root) throws IOException {
        Path empty = Files.createDirectories(root.resolve("empty"));
        DataException vocab = assertThrows(DataException.class, () -> DataPreparer.prepare(
                new DataPreparer.Options(root.resolve("o"), 100, empty, false), s -> { }));
        assertTrue(vocab.getMessage().contains("--vocab 100"), vocab.getMessage());
        DataException none = assertThrows(DataException.class, () -> DataPreparer.prepare(
                new DataPreparer.Options(root.resolve("o"), 300, empty, false), s -> { }));
        assertTrue(none.getMessage().contains("--text-dir"), none.getMessage());
    }

    @Test
    void openingAFolderWithoutMetaNamesTheFix(@TempDir Path root) {
        DataException e = assertThrows(DataException.class,
                () -> TokenDataset.open(root, Split.TRAIN));
        assertTrue(e.getMessage().contains("ultramem data prepare"), e.getMessage());
    }
}
