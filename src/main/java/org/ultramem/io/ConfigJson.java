package org.ultramem.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * JSON config files: loading with clear errors, {@code --set key=value} overrides, and writing.
 *
 * <p>Override keys are dotted paths through objects and arrays: {@code training.lr=3e-4},
 * {@code hidden_size=128}, {@code memory.0.knum=64} (array element 0). The value is parsed as
 * JSON when it is valid JSON ({@code 3e-4}, {@code true}, {@code [1,2]}, {@code "x"}), else taken
 * as a string ({@code adamw}). A key must already exist in the config unless the caller allows it
 * (then missing parent objects are created). A value may not change a number or boolean into a
 * string, which catches typos such as {@code lr=3e-4x}. Every failure is a {@link ConfigException}.
 */
public final class ConfigJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigJson() {
    }

    /** Loads {@code file} as a JSON object. */
    public static ObjectNode load(Path file) {
        String text;
        try {
            RegularFiles.require(file, "config file");
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (IOException e) {
            throw new ConfigException(e.getMessage(), e);
        }
        try {
            text = Files.readString(file);
        } catch (NoSuchFileException e) {
            throw new ConfigException("config file " + file + " does not exist");
        } catch (MalformedInputException e) {
            throw new ConfigException("config file " + file + " is not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException("config file " + file + " cannot be read: "
                    + e.getMessage(), e);
        }
        // A UTF-8 byte order mark (Windows editors write one) is not JSON, but is not an error either.
        return parse(text.startsWith("\uFEFF") ? text.substring(1) : text, file.toString());
    }

    /** Parses {@code json} as an object; {@code source} names it in errors (a path, "--config"). */
    public static ObjectNode parse(String json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            var loc = e.getLocation();
            String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column "
                    + loc.getColumnNr();
            throw new ConfigException("config " + source + " is not valid JSON" + where + ": "
                    + describe(e), e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ConfigException("config " + source + " is empty; expected a JSON object");
        }
        if (!root.isObject()) {
            throw new ConfigException("config " + source + " must be a JSON object, found "
                    + root.getNodeType());
        }
        return (ObjectNode) root;
    }

    /**
     * A JSON parse error in words, without Jackson's notes to programmers: text after the
     * value is named as such, and "[Source: REDACTED (...)" location notes are cut.
     */
    static String describe(JsonProcessingException e) {
        String m = e.getOriginalMessage();
        if (m == null) {
            return e.getClass().getSimpleName();
        }
        if (m.startsWith("Trailing token")) {
            return "unexpected text after the end of the JSON value";
        }
        return m.replaceAll("\\[Source: [^;\\]]*; ", "[").replaceAll("\\s+", " ");
    }

    /** Applies overrides; every key must already exist or be in {@code allowedNewKeys} (dotted). */
    public static void applyOverrides(ObjectNode root, List<String> overrides,
            Set<String> allowedNewKeys) {
        applyOverrides(root, overrides, allowedNewKeys::contains);
    }

    /** Applies each {@code key=value}; missing keys must satisfy {@code allowNew} (dotted path). */
    public static void applyOverrides(ObjectNode root, List<String> overrides,
            Predicate<String> allowNew) {
        for (String o : overrides) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException("--set `" + o
                        + "` must have the form key=value, e.g. training.lr=3e-4");
            }
            set(root, o.substring(0, eq).strip(), parseValue(o.substring(eq + 1)), allowNew);
        }
    }

    /** The value of a {@code --set}: JSON if it parses as JSON, else the raw text as a string. */
    public static JsonNode parseValue(String text) {
        try {
            JsonNode v = MAPPER.readTree(text);
            if (v != null && !v.isMissingNode()) {
                return v;
            }
        } catch (JsonProcessingException e) {
            // not JSON: a bare string such as `adamw`
        }
        return TextNode.valueOf(text);
    }

    /** Sets dotted {@code key} in {@code root} to {@code value} under the rules above. */
    public static void set(ObjectNode root, String key, JsonNode value,
            Predicate<String> allowNew) {
        String[] parts = key.split("\\.", -1);
        JsonNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = child(node, parts, i);
            if (child == null) {
                if (!allowNew.test(key) || !(node instanceof ObjectNode obj)) {
                    throw unknown(root, key, parts, i);
                }
                child = obj.putObject(parts[i]);
            }
            if (!child.isContainerNode()) {
                throw new ConfigException("--set " + key + ": `" + prefix(parts, i) + "` is "
                        + child.getNodeType() + " (" + child + "), not an object or array");
            }
            node = child;
        }
        String last = parts[parts.length - 1];
        JsonNode old = child(node, parts, parts.length - 1);
        if (old == null && !allowNew.test(key)) {
            throw unknown(root, key, parts, parts.length - 1);
        }
        if (old != null && (old.isNumber() || old.isBoolean()) && value.isTextual()) {
            String type = old.isNumber() ? "number" : "boolean";
            throw new ConfigException("--set " + key + "=" + value.textValue() + ": `" + key
                    + "` is a " + type + " (" + old + "); the value does not parse as one");
        }
        if (node instanceof ObjectNode obj) {
            obj.set(last, value);
        } else {
            ((ArrayNode) node).set(Integer.parseInt(last), value);
        }
    }

    /** Pretty-printed JSON (two-space indent). */
    public static String toPrettyJson(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize config", e);
        }
    }

    /** Compact one-line JSON. */
    public static String toCompactJson(JsonNode node) {
        return node.toString();
    }

    /** Writes {@code node} pretty-printed to {@code file} atomically, with a trailing newline. */
    public static void write(Path file, JsonNode node) throws IOException {
        AtomicFiles.writeString(file, toPrettyJson(node) + "\n");
    }

    /** A fresh empty object, for building configs in code. */
    public static ObjectNode newObject() {
        return MAPPER.createObjectNode();
    }

    /**
     * Child {@code parts[i]} of a container, or null when absent (array index out of range too).
     */
    private static JsonNode child(JsonNode node, String[] parts, int i) {
        String p = parts[i];
        if (node.isObject()) {
            return node.get(p);
        }
        if (!p.matches("\\d{1,9}")) {
            throw new ConfigException("--set " + String.join(".", parts) + ": `"
                    + prefix(parts, i - 1)
                    + "` is an array; `" + p + "` must be an index 0.." + (node.size() - 1));
        }
        int idx = Integer.parseInt(p);
        if (idx >= node.size()) {
            throw new ConfigException("--set " + String.join(".", parts) + ": index " + idx
                    + " is out of range for `"
                    + prefix(parts, i - 1) + "` (" + node.size() + " elements)");
        }
        return node.get(idx);
    }

    private static String prefix(String[] parts, int i) {
        return String.join(".", java.util.Arrays.copyOf(parts, i + 1));
    }

    private static ConfigException unknown(ObjectNode root, String key, String[] parts, int i) {
        JsonNode parent = root;
        for (int j = 0; j < i; j++) {
            parent = child(parent, parts, j);
        }
        List<String> names = new java.util.ArrayList<>();
        String parentPrefix = i == 0 ? "" : prefix(parts, i - 1) + ".";
        parent.fieldNames().forEachRemaining(n -> names.add(parentPrefix + n));
        return new ConfigException("--set " + key + ": config key `" + prefix(parts, i)
                + "` does not exist" + KeyReader.suggestion(prefix(parts, i), names));
    }
}
