package org.ultramem.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.SplittableRandom;

/** The {@code string-edit} mutation: a string value replaced by an awkward one. */
final class StringEdits {

    private StringEdits() {
    }

    /** Edits a random string leaf of {@code t} in place; returns the detail. */
    static String apply(JsonNode t, SplittableRandom r) {
        JsonPath p = JsonPath.leaf(t, JsonNode::isTextual, r);
        if (p == null) {
            return "no string to edit; unchanged";
        }
        String old = p.get().textValue();
        String[] edits = {"", " ", "a".repeat(10_000), "\u0000", "\u00e9\u20ac\ud83d\ude00", "a b",
            old.toUpperCase(), old + "x", "\u0120\u0120", old + " " + old, "\ud800", "-1", "1e400"};
        String v = edits[r.nextInt(edits.length)];
        p.set(TextNode.valueOf(v));
        String shown = v.length() > 20 ? v.substring(0, 20) + "...(" + v.length() + " chars)" : v;
        return "`" + p.dotted() + "` \"" + abbreviate(old) + "\" -> \"" + shown + "\"";
    }

    private static String abbreviate(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }
}
