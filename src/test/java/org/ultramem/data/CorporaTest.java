package org.ultramem.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CorporaTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void gutenbergDecodesLatin1CutsTheFooterAndSplitsByBook() {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("package/gutenberg/chesterton-ball.txt",
                latin1("the caf\u00e9\r\nlast line\nEnd of Project Gutenberg's The Ball\n"
                        + "licence\n"));
        files.put("package/gutenberg/carroll-alice.txt", latin1("Alice\n"));
        files.put("package/gutenberg/README", latin1("not a book"));
        List<Document> docs = Corpora.gutenberg(files);
        assertEquals(2, docs.size());
        Document alice = docs.get(0);
        assertEquals("gutenberg/carroll-alice", alice.name());
        assertEquals(Split.VALIDATION, alice.split());
        Document ball = docs.get(1);
        assertEquals("the caf\u00e9\nlast line\n", ball.text());
        assertEquals(Split.TRAIN, ball.split());
    }

    @Test
    void sotuValidationIsYearsEndingIn5() {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("package/data/1795_george_washington_n.txt", utf8("a \u2014 b"));
        files.put("package/data/1796_george_washington_n.txt", utf8("c"));
        files.put("package/data/1795_george_washington_n.json", utf8("{}"));
        List<Document> docs = Corpora.sotu(files);
        assertEquals(2, docs.size());
        assertEquals(Split.VALIDATION, docs.get(0).split());
        assertEquals("a \u2014 b\n", docs.get(0).text());
        assertEquals(Split.TRAIN, docs.get(1).split());
    }

    @Test
    void brownStripsTagsAndSplitsBySampleName() {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("package/ca10",
                latin1("\n\n\tThe/at jury/nn said/vbd ``/`` no/at ''/'' ./.\n\n"));
        files.put("package/ca11", latin1("\tIt/pps is/bez a/at-tl 1/cd-hl ./.\n"));
        files.put("package/cats.txt", latin1("ca01 news"));
        List<Document> docs = Corpora.brown(files);
        assertEquals(2, docs.size());
        assertEquals("The jury said `` no '' .\n", docs.get(0).text());
        assertEquals(Split.VALIDATION, docs.get(0).split());
        assertEquals("It is a 1 .\n", docs.get(1).text());
        assertEquals(Split.TRAIN, docs.get(1).split());
    }

    @Test
    void textDirPutsEveryTenthFileInValidation(@TempDir Path dir) throws IOException {
        for (int i = 0; i < 21; i++) {
            Files.writeString(dir.resolve(String.format("f%02d.txt", i)), "doc " + i);
        }
        Files.writeString(dir.resolve("notes.md"), "ignored");
        List<Document> docs = Corpora.textDir(dir);
        assertEquals(21, docs.size());
        List<String> val = docs.stream().filter(d -> d.split() == Split.VALIDATION)
                .map(Document::name).toList();
        assertEquals(List.of("text/f09.txt", "text/f19.txt"), val);
    }

    @Test
    void textDirWithFewFilesValidatesOnTheLastAndReadsLatin1Fallback(@TempDir Path dir)
            throws IOException {
        Files.writeString(dir.resolve("a.txt"), "one");
        Files.write(dir.resolve("b.txt"), new byte[] {'c', 'a', 'f', (byte) 0xE9});
        List<Document> docs = Corpora.textDir(dir);
        assertEquals(Split.TRAIN, docs.get(0).split());
        assertEquals(Split.VALIDATION, docs.get(1).split());
        assertEquals("caf\u00e9", docs.get(1).text());
    }

    @Test
    void textDirRejectsAFolderWithoutEnoughTxtFiles(@TempDir Path dir) throws IOException {
        DataException empty = assertThrows(DataException.class, () -> Corpora.textDir(dir));
        assertTrue(empty.getMessage().contains("0 .txt"), empty.getMessage());
        Files.writeString(dir.resolve("only.txt"), "x");
        assertThrows(DataException.class, () -> Corpora.textDir(dir));
        DataException missing = assertThrows(DataException.class,
                () -> Corpora.textDir(dir.resolve("nope")));
        assertTrue(missing.getMessage().contains("not a folder"), missing.getMessage());
    }
}
