package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class KeyReaderTest {

    private final ObjectNode node = ConfigJson.parse("""
            {"hidden_size": 256, "heads": 6, "lr": 3e-4, "frac": 128.5, "name": "tiny",
             "flag": true, "big": 9999999999, "nothing": null, "str_num": "12"}
            """, "test");

    private static void assertFails(Executable call, String expected) {
        assertEquals(expected, assertThrows(ConfigException.class, call).getMessage());
    }

    @Test
    void readsTypedValuesAndDefaults() {
        assertEquals(256, KeyReader.requireInt(node, "hidden_size"));
        assertEquals(7, KeyReader.optInt(node, "absent", 7));
        assertEquals(7, KeyReader.optInt(node, "nothing", 7));
        assertEquals(9999999999L, KeyReader.optLong(node, "big", 0));
        assertEquals(3e-4, KeyReader.optDouble(node, "lr", 1));
        assertEquals(256.0, KeyReader.requireDouble(node, "hidden_size"));
        assertEquals(true, KeyReader.optBool(node, "flag", false));
        assertEquals("tiny", KeyReader.optString(node, "name", "x"));
        assertEquals("tiny", KeyReader.requireString(node, "name"));
        assertEquals("d", KeyReader.optString(node, "absent", "d"));
    }

    @Test
    void rejectsWrongTypesNamingKeyAndValue() {
        assertFails(() -> KeyReader.requireInt(node, "absent"),
                "config key `absent` is required but missing");
        assertFails(() -> KeyReader.requireInt(node, "frac"),
                "config key `frac` (128.5) must be an integer in [-2147483648, 2147483647]");
        assertFails(() -> KeyReader.optInt(node, "big", 0),
                "config key `big` (9999999999) must be an integer in [-2147483648, 2147483647]");
        assertFails(() -> KeyReader.optInt(node, "str_num", 0),
                "config key `str_num` (\"12\") must be an integer in [-2147483648, 2147483647]");
        assertFails(() -> KeyReader.optDouble(node, "name", 0),
                "config key `name` (\"tiny\") must be a number");
        assertFails(() -> KeyReader.optBool(node, "heads", false),
                "config key `heads` (6) must be true or false");
        assertFails(() -> KeyReader.optString(node, "flag", ""),
                "config key `flag` (true) must be a string");
    }

    @Test
    void rejectsUnknownKeyWithCloseMatches() {
        ObjectNode typo = ConfigJson.parse("{\"hiden_size\": 3}", "t");
        Set<String> known = Set.of("hidden_size", "heads", "vocab_size", "num_layers");
        assertFails(() -> KeyReader.rejectUnknown(typo, known, "model config"),
                "config key `hiden_size` is not known in model config; "
                        + "did you mean `hidden_size`?");
        ObjectNode far = ConfigJson.parse("{\"zzz\": 3}", "t");
        assertFails(() -> KeyReader.rejectUnknown(far, known, "model config"),
                "config key `zzz` is not known in model config; "
                        + "known keys: heads, hidden_size, num_layers, vocab_size");
        KeyReader.rejectUnknown(node, Set.of("hidden_size", "heads", "lr", "frac", "name", "flag",
                "big", "nothing", "str_num"), "model config");
    }

    @Test
    void checksRelations() {
        assertFails(() -> KeyReader.requireDivides("num_attention_heads", 6, "hidden_size", 256),
                "config key `num_attention_heads` (6) must divide `hidden_size` (256)");
        KeyReader.requireDivides("num_attention_heads", 4, "hidden_size", 256);
        assertFails(() -> KeyReader.requirePositive("mem_knum", 0),
                "config key `mem_knum` (0) must be > 0");
        assertFails(() -> KeyReader.requirePositive("lr", Double.NaN),
                "config key `lr` (NaN) must be > 0");
        KeyReader.requirePositive("lr", 1e-9);
    }

    @Test
    void editDistanceAndCloseMatches() {
        assertEquals(0, KeyReader.editDistance("abc", "abc"));
        assertEquals(3, KeyReader.editDistance("kitten", "sitting"));
        assertEquals(3, KeyReader.editDistance("", "abc"));
        assertEquals(List.of("hidden_size", "hidden_sizes"),
                KeyReader.closeMatches("hiden_size", List.of("hidden_sizes", "heads",
                        "hidden_size")));
        assertEquals(List.of("lr"), KeyReader.closeMatches("LR", List.of("lr", "seed")));
    }

    @Test
    void longValuesAreCutInMessagesSoTheErrorStaysReadable() {
        ObjectNode big = ConfigJson.parse("{\"n\": \"" + "a".repeat(10_000) + "\"}", "t");
        String m = assertThrows(ConfigException.class, () -> KeyReader.optInt(big, "n", 0))
                .getMessage();
        assertTrue(m.startsWith("config key `n` (\"aaaa") && m.contains("...) must be an integer"), m);
        assertTrue(m.length() < 200, m);
    }

    @Test
    void optPathNamesTheKeyOfAnInvalidPath() {
        ObjectNode nul = ConfigJson.parse("{\"data_dir\": \"da\\u0000ta\"}", "t");
        String m = assertThrows(ConfigException.class, () -> KeyReader.optPath(nul, "data_dir", "d"))
                .getMessage();
        assertTrue(m.startsWith("config key `data_dir` (\"da\\u0000ta\") is not a valid path"), m);
        assertEquals("d", KeyReader.optPath(node, "absent", "d"));
    }
}
