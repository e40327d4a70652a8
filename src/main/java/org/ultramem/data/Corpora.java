package org.ultramem.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Turns the raw files of each source into cleaned {@link Document}s with their split, following
 * {@code docs/data.md}. Validation documents: Gutenberg {@code carroll-alice},
 * {@code chesterton-thursday}, {@code austen-persuasion}; SOTU speeches whose year ends in 5; Brown
 * samples whose name ends in 0; for {@code --text-dir}, every 10th file by sorted path (the last
 * file when there are fewer than 10). Line ends become {@code \n} everywhere.
 */
public final class Corpora {

    static final Set<String> GUTENBERG_VALIDATION =
            Set.of("carroll-alice", "chesterton-thursday", "austen-persuasion");
    private static final Pattern GUTENBERG_TXT = Pattern.compile("package/gutenberg/([^/]+)\\.txt");
    private static final Pattern SOTU_TXT = Pattern.compile("package/data/((\\d{4})_[^/]+)\\.txt");
    private static final Pattern BROWN_SAMPLE = Pattern.compile("package/(c[a-r]\\d\\d)");
    private static final Pattern BROWN_TAG = Pattern.compile("(\\S+)/[^\\s/]+");
    private static final String GUTENBERG_FOOTER = "End of Project Gutenberg";

    private Corpora() {
    }

    /** Archive paths each source needs. */
    static boolean isGutenbergFile(String path) {
        return GUTENBERG_TXT.matcher(path).matches();
    }

    static boolean isSotuFile(String path) {
        return SOTU_TXT.matcher(path).matches();
    }

    static boolean isBrownFile(String path) {
        return BROWN_SAMPLE.matcher(path).matches();
    }

    /**
     * Gutenberg books: decoded as ISO-8859-1 (the files are ASCII except 4 Latin-1 bytes), the
     * Project Gutenberg licence footer cut from the line starting {@value #GUTENBERG_FOOTER}.
     */
    public static List<Document> gutenberg(Map<String, byte[]> files) {
        List<Document> docs = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Matcher m = GUTENBERG_TXT.matcher(e.getKey());
            if (!m.matches()) {
                continue;
            }
            String text = normalizeLineEnds(new String(e.getValue(), StandardCharsets.ISO_8859_1));
            int footer = text.startsWith(GUTENBERG_FOOTER) ? 0
                    : text.indexOf("\n" + GUTENBERG_FOOTER);
            if (footer >= 0) {
                text = text.substring(0, footer + (footer == 0 ? 0 : 1));
            }
            Split split = GUTENBERG_VALIDATION.contains(m.group(1)) ? Split.VALIDATION
                    : Split.TRAIN;
            docs.add(new Document("gutenberg/" + m.group(1), text.strip() + "\n", split));
        }
        return docs;
    }

    /** State of the Union speeches (UTF-8); validation when the year ends in 5. */
    public static List<Document> sotu(Map<String, byte[]> files) {
        List<Document> docs = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Matcher m = SOTU_TXT.matcher(e.getKey());
            if (!m.matches()) {
                continue;
            }
            String text = normalizeLineEnds(decodeUtf8OrLatin1(e.getValue()));
            Split split = m.group(2).endsWith("5") ? Split.VALIDATION : Split.TRAIN;
            docs.add(new Document("sotu/" + m.group(1), text.strip() + "\n", split));
        }
        return docs;
    }

    /**
     * Brown samples with POS tags stripped ({@code word/tag → word}), one sentence per line, text
     * stays tokenised; validation when the sample name ends in 0.
     */
    public static List<Document> brown(Map<String, byte[]> files) {
        List<Document> docs = new ArrayList<>();
        for (Map.Entry<String, byte[]> e : files.entrySet()) {
            Matcher m = BROWN_SAMPLE.matcher(e.getKey());
            if (!m.matches()) {
                continue;
            }
            String raw = normalizeLineEnds(decodeUtf8OrLatin1(e.getValue()));
            StringBuilder sb = new StringBuilder();
            for (String line : raw.split("\n")) {
                String plain = BROWN_TAG.matcher(line.strip()).replaceAll("$1");
                if (!plain.isEmpty()) {
                    sb.append(plain).append('\n');
                }
            }
            Split split = m.group(1).endsWith("0") ? Split.VALIDATION : Split.TRAIN;
            docs.add(new Document("brown/" + m.group(1), sb.toString(), split));
        }
        return docs;
    }

    /**
     * The user's own {@code .txt} files under {@code dir} (recursively), sorted by relative path;
     * every 10th file (indices 9, 19, ...) is validation, or the last one when there are fewer
     * than 10. Files are UTF-8; a file that is not valid UTF-8 is read as ISO-8859-1.
     *
     * @throws DataException if the folder is missing, has fewer than 2 .txt files, or a file
     *     cannot be read
     */
    public static List<Document> textDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new DataException("--text-dir " + dir + " is not a folder; pass a folder holding"
                    + " .txt files");
        }
        List<Path> txt;
        try (Stream<Path> s = Files.walk(dir)) {
            txt = s.filter(p -> p.getFileName().toString().endsWith(".txt"))
                    .filter(Files::isRegularFile).sorted().toList();
        }
        if (txt.size() < 2) {
            throw new DataException("--text-dir " + dir + " holds " + txt.size() + " .txt file(s);"
                    + " at least 2 are needed (whole files are split: one or more for training,"
                    + " every 10th for validation)");
        }
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < txt.size(); i++) {
            Path p = txt.get(i);
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(p);
            } catch (IOException e) {
                throw new DataException("cannot read " + p + " (" + e.getMessage() + "); fix its"
                        + " permissions or remove it from --text-dir", e);
            }
            boolean val = txt.size() < 10 ? i == txt.size() - 1 : i % 10 == 9;
            String name = dir.relativize(p).toString().replace('\\', '/');
            docs.add(new Document("text/" + name, normalizeLineEnds(decodeUtf8OrLatin1(bytes)),
                    val ? Split.VALIDATION : Split.TRAIN));
        }
        return docs;
    }

    static String decodeUtf8OrLatin1(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }

    private static String normalizeLineEnds(String s) {
        return s.indexOf('\r') < 0 ? s : s.replace("\r\n", "\n").replace('\r', '\n');
    }
}
