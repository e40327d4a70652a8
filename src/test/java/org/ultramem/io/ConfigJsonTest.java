package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigJsonTest {

    @TempDir
    Path dir;

    private static final String CONFIG = """
            {
              "hidden_size": 256,
              "optimizer": "adamw",
              "tie_embeddings": true,
              "training": {"lr": 0.001, "steps": 100},
              "memory": [{"knum": 32, "layer": 2}, {"knum": 16, "layer": 4}]
            }
            """;

    private static void assertMessage(ConfigException e, String... fragments) {
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "expected `" + f + "` in: " + e.getMessage());
        }
    }

    @Test
    void loadsAFileAndRoundTripsThroughWrite() throws IOException {
        Path p = dir.resolve("config.json");
        Files.writeString(p, CONFIG);
        ObjectNode c = ConfigJson.load(p);
        assertEquals(256, c.get("hidden_size").intValue());
        Path out = dir.resolve("out/config.json");
        ConfigJson.write(out, c);
        assertEquals(c, ConfigJson.load(out));
        assertTrue(Files.readString(out).endsWith("}\n"));
        assertEquals(c, ConfigJson.parse(ConfigJson.toCompactJson(c), "compact"));
    }

    @Test
    void rejectsMissingMalformedAndNonObjectFiles() throws IOException {
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.load(dir.resolve("nope.json"))),
                "nope.json does not exist");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\n  \"a\": 1,\n  \"b\": ]\n}");
        assertMessage(assertThrows(ConfigException.class, () -> ConfigJson.load(bad)),
                "bad.json is not valid JSON at line 3, column 8");
        Files.writeString(bad, "{\"a\": 1, \"a\": 2}");
        assertMessage(assertThrows(ConfigException.class, () -> ConfigJson.load(bad)),
                "Duplicate field 'a'");
        Files.writeString(bad, "[1]");
        assertMessage(assertThrows(ConfigException.class, () -> ConfigJson.load(bad)),
                "must be a JSON object, found ARRAY");
        Files.writeString(bad, "  ");
        assertMessage(assertThrows(ConfigException.class, () -> ConfigJson.load(bad)), "is empty");
        Files.write(bad, new byte[] {'{', (byte) 0xC3, '}'});
        assertMessage(assertThrows(ConfigException.class, () -> ConfigJson.load(bad)),
                "not valid UTF-8");
    }

    @Test
    void appliesDottedOverridesParsingJsonValues() {
        ObjectNode c = ConfigJson.parse(CONFIG, "test");
        ConfigJson.applyOverrides(c, List.of("training.lr=3e-4", "hidden_size=128",
                "memory.1.knum=64",
                "optimizer=sgd", "tie_embeddings=false", "memory.0={\"knum\": 8}",
                        "training.steps = 7"), Set.of());
        assertEquals(3e-4, c.get("training").get("lr").doubleValue());
        assertEquals(128, c.get("hidden_size").intValue());
        assertTrue(c.get("hidden_size").isInt());
        assertEquals(64, c.get("memory").get(1).get("knum").intValue());
        assertEquals("sgd", c.get("optimizer").textValue());
        assertEquals(false, c.get("tie_embeddings").booleanValue());
        assertEquals(8, c.get("memory").get(0).get("knum").intValue());
        assertEquals(7, c.get("training").get("steps").intValue());
    }

    @Test
    void rejectsUnknownOverrideKeysWithSuggestions() {
        ObjectNode c = ConfigJson.parse(CONFIG, "test");
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.applyOverrides(c, List.of("hiden_size=3"), Set.of())),
                "config key `hiden_size` does not exist", "did you mean `hidden_size`?");
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.applyOverrides(c, List.of("training.lrr=3"), Set.of())),
                "`training.lrr` does not exist", "did you mean `training.lr`?");
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.applyOverrides(c, List.of("memory.5.knum=3"), Set.of())),
                "index 5 is out of range for `memory` (2 elements)");
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.applyOverrides(c, List.of("memory.x=3"), Set.of())),
                "`memory` is an array; `x` must be an index 0..1");
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.applyOverrides(c, List.of("hidden_size.x=3"), Set.of())),
                "`hidden_size` is NUMBER (256), not an object or array");
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.applyOverrides(c, List.of("no_equals_sign"), Set.of())),
                "must have the form key=value");
        assertMessage(assertThrows(ConfigException.class,
                () -> ConfigJson.applyOverrides(c, List.of("training.lr=3e-4x"), Set.of())),
                "`training.lr` is a number (0.001)");
        assertEquals(0.001, c.get("training").get("lr").doubleValue());
    }

    @Test
    void allowedNewKeysAreCreatedWithTheirParents() {
        ObjectNode c = ConfigJson.parse(CONFIG, "test");
        ConfigJson.applyOverrides(c, List.of("seed=5", "data.path=/tmp/x.bin"), Set.of("seed",
                "data.path"));
        assertEquals(5, c.get("seed").intValue());
        assertEquals("/tmp/x.bin", c.get("data").get("path").textValue());
        ConfigJson.applyOverrides(c, List.of("extra.deep.key=1"), k -> k.startsWith("extra."));
        assertEquals(1, c.get("extra").get("deep").get("key").intValue());
    }

    @Test
    void acceptsAByteOrderMarkAndNamesTrailingText() throws IOException {
        Path p = dir.resolve("bom.json");
        byte[] json = "{\"a\": 1}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] withBom = new byte[json.length + 3];
        withBom[0] = (byte) 0xEF;
        withBom[1] = (byte) 0xBB;
        withBom[2] = (byte) 0xBF;
        System.arraycopy(json, 0, withBom, 3, json.length);
        Files.write(p, withBom);
        assertEquals(1, ConfigJson.load(p).get("a").intValue());
        Files.writeString(p, "{\"a\": 1} {}");
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigJson.load(p));
        assertMessage(e, "unexpected text after the end of the JSON value");
        assertTrue(!e.getMessage().contains("FAIL_ON_TRAILING_TOKENS"), e.getMessage());
    }
}
