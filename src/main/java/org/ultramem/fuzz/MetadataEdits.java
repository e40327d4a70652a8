package org.ultramem.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The {@code metadata-*} mutations of a safetensors header's {@code __metadata__} object. */
final class MetadataEdits {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String META = "__metadata__";
    /** Strings that are not the numbers readers expect, or are numbers out of their range. */
    private static final String[] BAD_VALUES = {"abc", "", "-1", "1.5", "99999999999999999999",
        " 7 ", "NaN", "0x10", "1e3", "-2147483649", "2147483648", "0", "-0", "+5", "Infinity"};

    private MetadataEdits() {
    }

    /** Applies {@code kind} to header {@code h}; returns the detail. */
    static String apply(String kind, ObjectNode h, SplittableRandom r) {
        JsonNode md = h.get(META);
        List<String> keys = new ArrayList<>();
        if (md != null && md.isObject()) {
            md.fieldNames().forEachRemaining(keys::add);
        }
        String key = keys.isEmpty() ? "step" : keys.get(r.nextInt(keys.size()));
        ObjectNode obj = md != null && md.isObject() ? (ObjectNode) md : h.putObject(META);
        switch (kind) {
            case "metadata-non-string" -> {
                JsonNode[] bad = {NODES.numberNode(1), NODES.nullNode(), NODES.objectNode(),
                    NODES.arrayNode(), NODES.booleanNode(true), NODES.numberNode(1.5)};
                JsonNode v = bad[r.nextInt(bad.length)];
                obj.set(key, v);
                return "__metadata__ `" + key + "` is " + v;
            }
            case "metadata-not-object" -> {
                JsonNode[] bad = {NODES.textNode("x"), NODES.arrayNode(), NODES.numberNode(1),
                    NODES.nullNode()};
                JsonNode v = bad[r.nextInt(bad.length)];
                h.set(META, v);
                return "__metadata__ is " + v;
            }
            case "metadata-bad-value" -> {
                String v = BAD_VALUES[r.nextInt(BAD_VALUES.length)];
                obj.put(key, v);
                return "__metadata__ `" + key + "` = \"" + v + "\"";
            }
            case "metadata-missing-key" -> {
                if (r.nextInt(4) == 0 || keys.isEmpty()) {
                    h.remove(META);
                    return "no __metadata__";
                }
                obj.remove(key);
                return "__metadata__ lacks `" + key + "`";
            }
            default -> throw new IllegalArgumentException(kind);
        }
    }
}
