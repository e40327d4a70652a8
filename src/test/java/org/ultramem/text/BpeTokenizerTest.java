package org.ultramem.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BpeTokenizerTest {

    static final List<String> UNICODE_SAMPLES = List.of(
            "Hello, world! It's a test.",
            "emoji 😀👍🏽 and family 👨‍👩‍👧 flags 🇫🇷",
            "中文字符和日本語のテキスト、한국어",
            "combining: e\u0301 a\u0308\u0323 Z\u0335\u0321",
            "whitespace   runs\t\tand\u00A0nbsp\u3000ideographic   \n",
            "\n\n\nnewlines\r\n\r\nwindows\n",
            "numbers 1234567 ١٢٣ ½ Ⅷ and 'quotes' they're we'll I'd",
            "",
            " ",
            "<|endoftext|> inside <|endoftext|><|endoftext|>text");

    private static BpeTokenizer tok;

    @BeforeAll
    static void trainSmallTokenizer() {
        List<String> docs = new java.util.ArrayList<>(BpeTrainerTest.syntheticCorpus(5, 80));
        docs.addAll(UNICODE_SAMPLES);
        tok = BpeTrainerTest.train(docs, 600);
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void randomBytesRoundTripIncludingInvalidUtf8(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (int trial = 0; trial < 200; trial++) {
            byte[] bytes = new byte[rng.nextInt(300)];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (rng.nextBoolean() ? "ab the\n".charAt(rng.nextInt(7))
                        : rng.nextInt(256));
            }
            int[] ids = tok.encodeBytes(bytes);
            assertArrayEquals(bytes, tok.decodeBytes(ids));
        }
    }

    @Test
    void unicodeTextRoundTrips() {
        for (String s : UNICODE_SAMPLES) {
            assertEquals(s, tok.decode(tok.encode(s)));
            assertEquals(s, tok.decode(tok.encodeOrdinary(s)));
        }
    }

    @Test
    void longPiecesRoundTrip() {
        String longWord = "ab".repeat(5000) + "!".repeat(3000) + " ".repeat(2000) + "x";
        assertEquals(longWord, tok.decode(tok.encodeOrdinary(longWord)));
    }

    @Test
    void specialTokenTextIsRecognisedOnlyByEncode() {
        int eot = tok.endOfTextId();
        int[] ids = tok.encode("ab<|endoftext|>ab");
        assertEquals(1, java.util.Arrays.stream(ids).filter(i -> i == eot).count());
        assertTrue(java.util.Arrays.stream(tok.encodeOrdinary("ab<|endoftext|>ab"))
                .noneMatch(i -> i == eot));
        assertArrayEquals("<|endoftext|>".getBytes(StandardCharsets.UTF_8),
                tok.decodeBytes(new int[] {eot}));
    }

    @Test
    void encodingMatchesTheTrainingSegmentation() {
        // A word seen often in training is merged into few tokens, and its pieces are tokens.
        int[] ids = tok.encodeOrdinary(" the");
        assertTrue(ids.length <= 2, "expected ' the' to be merged, got " + ids.length + " ids");
    }

    @Test
    void decodeRejectsIdsOutsideTheVocabulary() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> tok.decode(new int[] {tok.vocabSize()}));
        assertTrue(e.getMessage().contains(String.valueOf(tok.vocabSize())), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    }
}
