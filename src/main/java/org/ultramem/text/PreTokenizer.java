package org.ultramem.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * GPT-2's pre-tokenizer: splits text into the pieces that BPE merges never cross.
 *
 * <p>The semantics are exactly those of the regular expression {@link #GPT2_PATTERN} applied with
 * Unicode character classes ({@code \s} = the Unicode White_Space property, {@code \p{L}} letters,
 * {@code \p{N}} numbers), which is what Hugging Face's {@code ByteLevel} pre-tokenizer with
 * {@code use_regex: true} does. It is implemented as a hand-written scanner over UTF-8 bytes for
 * two reasons: it avoids decoding to UTF-16 and regex backtracking on a 20 MB corpus, and it is
 * defined on any byte sequence, including invalid UTF-8 (each byte that does not start a valid
 * UTF-8 sequence counts as one "other" character, the class of {@code [^\s\p{L}\p{N}]}).
 * {@code PreTokenizerTest} checks it against the regular expression on random Unicode text.
 *
 * <p>The pieces always tile the input: concatenated they give back the input bytes exactly.
 */
public final class PreTokenizer {

    /** The GPT-2 split pattern; apply with {@code Pattern.UNICODE_CHARACTER_CLASS}. */
    public static final String GPT2_PATTERN =
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    /** Receives one piece: {@code text[start, end)}. */
    @FunctionalInterface
    public interface PieceSink {
        void accept(byte[] text, int start, int end);
    }

    private static final int OTHER = 0;
    private static final int LETTER = 1;
    private static final int NUMBER = 2;
    private static final int SPACE = 3;
    private static final byte[] ASCII_CLASS = new byte[128];

    static {
        for (int c = 0; c < 128; c++) {
            ASCII_CLASS[c] = (byte) classOf(c);
        }
    }

    private PreTokenizer() {
    }

    /** Splits {@code text} into GPT-2 pieces (convenience for tests and small inputs). */
    public static List<String> split(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        List<String> pieces = new ArrayList<>();
        split(utf8, 0, utf8.length,
                (b, s, e) -> pieces.add(new String(b, s, e - s, StandardCharsets.UTF_8)));
        return pieces;
    }

    /** Splits {@code text[from, to)} into GPT-2 pieces, in order, passing each to {@code sink}. */
    public static void split(byte[] text, int from, int to, PieceSink sink) {
        int i = from;
        while (i < to) {
            int end = pieceEnd(text, i, to);
            sink.accept(text, i, end);
            i = end;
        }
    }

    /** End of the piece starting at {@code i}: the regex alternatives, tried in order. */
    private static int pieceEnd(byte[] b, int i, int to) {
        if (b[i] == '\'') {
            int contraction = contractionEnd(b, i, to);
            if (contraction > 0) {
                return contraction;
            }
        }
        int cl = classAt(b, i, to);
        int cls = cl & 3;
        if (cls != SPACE) {
            return runEnd(b, i + (cl >>> 2), to, cls);
        }
        if (b[i] == ' ' && i + 1 < to) {
            int nextCls = classAt(b, i + 1, to) & 3;
            if (nextCls != SPACE) {
                // " ?\p{L}+", " ?\p{N}+" or " ?[^\s\p{L}\p{N}]+" with the optional space taken
                return runEnd(b, i + 1, to, nextCls);
            }
        }
        // Whitespace: "\s+(?!\S)" backs off one character when a non-space follows; else "\s+".
        int j = i;
        int lastLen = 0;
        while (j < to) {
            int c = classAt(b, j, to);
            if ((c & 3) != SPACE) {
                break;
            }
            lastLen = c >>> 2;
            j += lastLen;
        }
        if (j == to || j - lastLen == i) {
            return j;
        }
        return j - lastLen;
    }

    /** End of {@code 's|'t|'re|'ve|'m|'ll|'d} at {@code i} (an apostrophe), or -1. */
    private static int contractionEnd(byte[] b, int i, int to) {
        if (i + 1 >= to) {
            return -1;
        }
        byte c1 = b[i + 1];
        if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') {
            return i + 2;
        }
        if (i + 2 < to) {
            byte c2 = b[i + 2];
            if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                return i + 3;
            }
        }
        return -1;
    }

    /** End of the run of characters of class {@code cls} starting at {@code j}. */
    private static int runEnd(byte[] b, int j, int to, int cls) {
        while (j < to) {
            int c = classAt(b, j, to);
            if ((c & 3) != cls) {
                break;
            }
            j += c >>> 2;
        }
        return j;
    }

    /**
     * Class and byte length of the character at {@code i}, packed as {@code length << 2 | class}.
     * A byte that does not start a well-formed UTF-8 sequence is one OTHER character.
     */
    private static int classAt(byte[] b, int i, int to) {
        int b0 = b[i] & 0xFF;
        if (b0 < 0x80) {
            return 4 | ASCII_CLASS[b0];
        }
        int cp;
        int len;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            if (!continuation(b, i + 1, to, 0x80, 0xBF)) {
                return 4 | OTHER;
            }
            cp = (b0 & 0x1F) << 6 | (b[i + 1] & 0x3F);
            len = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            int lo = b0 == 0xE0 ? 0xA0 : 0x80; // no overlongs
            int hi = b0 == 0xED ? 0x9F : 0xBF; // no surrogates
            if (!continuation(b, i + 1, to, lo, hi) || !continuation(b, i + 2, to, 0x80, 0xBF)) {
                return 4 | OTHER;
            }
            cp = (b0 & 0x0F) << 12 | (b[i + 1] & 0x3F) << 6 | (b[i + 2] & 0x3F);
            len = 3;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            int lo = b0 == 0xF0 ? 0x90 : 0x80;
            int hi = b0 == 0xF4 ? 0x8F : 0xBF; // at most U+10FFFF
            if (!continuation(b, i + 1, to, lo, hi) || !continuation(b, i + 2, to, 0x80, 0xBF)
                    || !continuation(b, i + 3, to, 0x80, 0xBF)) {
                return 4 | OTHER;
            }
            cp = (b0 & 0x07) << 18 | (b[i + 1] & 0x3F) << 12 | (b[i + 2] & 0x3F) << 6
                    | (b[i + 3] & 0x3F);
            len = 4;
        } else {
            return 4 | OTHER;
        }
        return len << 2 | classOf(cp);
    }

    private static boolean continuation(byte[] b, int i, int to, int lo, int hi) {
        if (i >= to) {
            return false;
        }
        int v = b[i] & 0xFF;
        return v >= lo && v <= hi;
    }

    private static int classOf(int cp) {
        if (isWhiteSpace(cp)) {
            return SPACE;
        }
        switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                    Character.MODIFIER_LETTER, Character.OTHER_LETTER -> {
                return LETTER;
            }
            case Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER,
                    Character.OTHER_NUMBER -> {
                return NUMBER;
            }
            default -> {
                return OTHER;
            }
        }
    }

    /** The Unicode White_Space property (what {@code \s} means with Unicode character classes). */
    static boolean isWhiteSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F
                || cp == 0x205F || cp == 0x3000;
    }
}
