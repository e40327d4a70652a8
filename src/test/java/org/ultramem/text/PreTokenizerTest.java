package org.ultramem.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PreTokenizerTest {

    private static final Pattern GPT2 =
            Pattern.compile(PreTokenizer.GPT2_PATTERN, Pattern.UNICODE_CHARACTER_CLASS);

    /** Code points chosen to hit every branch: classes, contractions, odd whitespace, astral. */
    private static final int[] POOL = {
        'a', 'b', 'Z', 's', 't', 'r', 'e', 'v', 'l', 'm', 'd', '0', '7', '\'', '\'', '!', '.', ',',
        '-', ' ', ' ', ' ', '\n', '\t', '\r', 0x0B, 0x0C, 0x85, 0xA0, 0x1680, 0x2003, 0x2028,
        0x3000,
        0x00E9, 0x0301, 0x0308, 0x4E2D, 0x6587, 0x3042, 0xFF11, 0x0663, 0x00BD, 0x2167, 0x1F600,
        0x1F44D, 0x1F3FD, 0x200D, 0x20AC, 0x2014, 0x1D400, 0x10400, 0xFEFF, 0x1C, 0x00
    };

    private static List<String> regexSplit(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = GPT2.matcher(text);
        int end = 0;
        while (m.find()) {
            assertEquals(end, m.start(), "regex pieces must tile the text");
            out.add(m.group());
            end = m.end();
        }
        assertEquals(text.length(), end);
        return out;
    }

    @Test
    void splitsLikeGpt2OnAnExample() {
        assertEquals(List.of("Hello", ",", " world", "!", " It", "'s", " 42", "  ", " cats", "\n",
                "\n", "I", "'ll", " go", "...", " ", "\t", "x"),
                PreTokenizer.split("Hello, world! It's 42   cats\n\nI'll go... \tx"));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void matchesTheRegexOnRandomUnicode(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int trial = 0; trial < 300; trial++) {
            StringBuilder sb = new StringBuilder();
            int n = rng.nextInt(40);
            for (int i = 0; i < n; i++) {
                sb.appendCodePoint(POOL[rng.nextInt(POOL.length)]);
            }
            String text = sb.toString();
            assertEquals(regexSplit(text), PreTokenizer.split(text), () -> "text: " + escape(text));
        }
    }

    @Test
    void piecesTileArbitraryBytesIncludingInvalidUtf8() {
        SplittableRandom rng = new SplittableRandom(11);
        for (int trial = 0; trial < 500; trial++) {
            byte[] bytes = new byte[rng.nextInt(64)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) rng.nextInt(256);
            }
            ByteArrayOutputStream joined = new ByteArrayOutputStream();
            int[] last = {0};
            PreTokenizer.split(bytes, 0, bytes.length, (b, s, e) -> {
                assertEquals(last[0], s);
                assertEquals(true, e > s);
                joined.write(b, s, e - s);
                last[0] = e;
            });
            assertArrayEquals(bytes, joined.toByteArray());
        }
    }

    private static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(cp -> sb.append(cp < 0x7F && cp >= 0x20 ? String.valueOf((char) cp)
                : String.format("\\u{%X}", cp)));
        return sb.toString();
    }
}
