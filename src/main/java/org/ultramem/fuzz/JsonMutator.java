package org.ultramem.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * JSON-level and byte-level mutants of one valid JSON file (tokenizer.json, a run config, a
 * checkpoint's config.json). JSON-level kinds edit the parsed tree (drop a key, change a value's
 * type, huge, negative or fractional numbers, edited strings, swapped values, an unknown key) or
 * the text (deep nesting, a duplicated key, non-JSON number literals, invalid UTF-8, a BOM, an
 * empty file, a non-object root); {@code bytes} mutates the raw bytes. A third are byte-level
 * ({@link #SCHEDULE}).
 *
 * <p>{@code unboundedKeys} (dotted paths such as {@code training.max_steps}) name keys whose
 * large values legitimately ask for unbounded work (train for 2^31 steps): huge-number leaves
 * them alone, so a campaign measures robustness, not patience.
 */
final class JsonMutator {

    static final List<String> STRUCTURAL = List.of("drop-key", "wrong-type", "huge-number",
            "negative-number", "fraction", "string-edit", "swap-values", "unknown-key",
            "deep-nesting", "duplicate-key", "non-json-number", "invalid-utf8", "bom",
            "empty-file", "root-not-object");
    /** Mutant i has kind SCHEDULE[i mod 22]: every JSON-level kind once, then 7 byte-level. */
    static final List<String> SCHEDULE = schedule();

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String RAW = "@@FUZZ_RAW@@";
    private static final String DUP = "@@FUZZ_DUP@@";

    private final byte[] original;
    private final JsonNode tree;
    private final Set<String> unboundedKeys;

    JsonMutator(byte[] original, Set<String> unboundedKeys) {
        this.original = original.clone();
        this.unboundedKeys = Set.copyOf(unboundedKeys);
        try {
            this.tree = JSON.readTree(original);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("fuzz seed file is not JSON: " + e, e);
        }
        if (!tree.isObject() || tree.isEmpty()) {
            // Tree-level kinds need a position to edit.
            throw new IllegalArgumentException("fuzz seed file must be a non-empty JSON object");
        }
    }

    /** Mutant {@code index}: its kind from {@link #SCHEDULE}, its details drawn from {@code r}. */
    Mutant mutate(int index, SplittableRandom r) {
        return mutate(index, SCHEDULE.get(Math.floorMod(index, SCHEDULE.size())), r);
    }

    private static List<String> schedule() {
        List<String> out = new ArrayList<>(STRUCTURAL);
        while (out.size() < STRUCTURAL.size() * 3 / 2) {
            out.add("bytes");
        }
        return List.copyOf(out);
    }

    /** Mutant {@code index} of the given kind. */
    Mutant mutate(int index, String kind, SplittableRandom r) {
        JsonNode t = tree.deepCopy();
        String raw = null;
        String detail;
        switch (kind) {
            case "drop-key" -> {
                JsonPath p = JsonPath.descend(t, r);
                p.remove();
                detail = "removed `" + p.dotted() + "`";
            }
            case "wrong-type" -> {
                JsonPath p = JsonPath.descend(t, r);
                JsonNode[] vs = {NODES.textNode("x"), NODES.numberNode(1), NODES.numberNode(1.5),
                    NODES.booleanNode(true), NODES.nullNode(), NODES.arrayNode(), NODES.objectNode(),
                    NODES.arrayNode().add(1).add(2), NODES.objectNode().put("a", 1)};
                JsonNode v = vs[r.nextInt(vs.length)];
                detail = "`" + p.dotted() + "` " + p.get().getNodeType() + " -> " + v;
                p.set(v);
            }
            case "huge-number", "negative-number", "fraction" -> detail = number(kind, t, r);
            case "string-edit" -> detail = StringEdits.apply(t, r);
            case "swap-values" -> {
                ObjectNode o = JsonPath.object(t, r);
                List<String> keys = new ArrayList<>();
                o.fieldNames().forEachRemaining(keys::add);
                if (keys.size() < 2) {
                    detail = "object too small to swap; unchanged";
                } else {
                    String a = keys.get(r.nextInt(keys.size()));
                    String b = keys.get(r.nextInt(keys.size()));
                    JsonNode va = o.get(a);
                    o.set(a, o.get(b));
                    o.set(b, va);
                    detail = "swapped the values of `" + a + "` and `" + b + "`";
                }
            }
            case "unknown-key" -> {
                ObjectNode o = JsonPath.object(t, r);
                List<String> keys = new ArrayList<>();
                o.fieldNames().forEachRemaining(keys::add);
                String k = r.nextBoolean() || keys.isEmpty() ? new String[] {"zzz", "", "__proto__",
                    "\u00e9"}[r.nextInt(4)] : keys.get(r.nextInt(keys.size())) + "s";
                o.put(k, 1);
                detail = "added unknown key `" + k + "`";
            }
            case "deep-nesting" -> {
                JsonPath p = JsonPath.descend(t, r);
                int[] depths = {100, 999, 1001, 5000, 100_000};
                int depth = depths[r.nextInt(depths.length)];
                raw = r.nextBoolean() ? "[".repeat(depth) + "]".repeat(depth)
                        : "{\"a\":".repeat(depth) + "1" + "}".repeat(depth);
                p.set(NODES.textNode(RAW));
                detail = "`" + p.dotted() + "` nested " + depth + " deep";
            }
            case "duplicate-key" -> {
                ObjectNode o = JsonPath.object(t, r);
                List<String> keys = new ArrayList<>();
                o.fieldNames().forEachRemaining(keys::add);
                if (keys.isEmpty()) {
                    detail = "empty object; unchanged";
                } else {
                    String k = keys.get(r.nextInt(keys.size()));
                    o.put(DUP, 0);
                    String text = text(t).replace("\"" + DUP + "\"", quote(k));
                    return new Mutant(index, kind, "key `" + k + "` appears twice",
                            text.getBytes(StandardCharsets.UTF_8));
                }
            }
            case "non-json-number" -> {
                JsonPath p = JsonPath.descend(t, r);
                String[] lits = {"NaN", "Infinity", "-Infinity", "1e400", "-1e400", "0x10", "01",
                    ".5", "+1", "1e-400", "123456789012345678901234567890"};
                raw = lits[r.nextInt(lits.length)];
                p.set(NODES.textNode(RAW));
                detail = "`" + p.dotted() + "` = " + raw;
            }
            case "invalid-utf8" -> {
                return invalidUtf8(index, kind, text(t).getBytes(StandardCharsets.UTF_8), r);
            }
            case "bom" -> {
                byte[] b = text(t).getBytes(StandardCharsets.UTF_8);
                byte[] out = new byte[b.length + 3];
                out[0] = (byte) 0xEF;
                out[1] = (byte) 0xBB;
                out[2] = (byte) 0xBF;
                System.arraycopy(b, 0, out, 3, b.length);
                return new Mutant(index, kind, "UTF-8 byte order mark before the JSON", out);
            }
            case "empty-file" -> {
                String[] empties = {"", " ", "\n", "\u0000", "\t\r\n"};
                String s = empties[r.nextInt(empties.length)];
                return new Mutant(index, kind, "file is " + s.length() + " whitespace/NUL bytes",
                        s.getBytes(StandardCharsets.UTF_8));
            }
            case "root-not-object" -> {
                String[] roots = {"[]", "[{}]", "\"x\"", "1", "true", "null", "[" + text(t) + "]"};
                String s = roots[r.nextInt(roots.length)];
                return new Mutant(index, kind, "root is " + (s.length() > 10 ? "[<the file>]" : s),
                        s.getBytes(StandardCharsets.UTF_8));
            }
            case "bytes" -> {
                ByteMutations.Result b = ByteMutations.any(r, original, 0, original.length);
                return new Mutant(index, kind, b.detail(), b.bytes());
            }
            default -> throw new IllegalArgumentException("unknown JSON mutation kind " + kind);
        }
        String text = text(t);
        if (raw != null) {
            text = text.replace("\"" + RAW + "\"", raw);
        }
        return new Mutant(index, kind, detail, text.getBytes(StandardCharsets.UTF_8));
    }

    private String number(String kind, JsonNode t, SplittableRandom r) {
        JsonPath p = null;
        for (int tries = 0; tries < 20; tries++) {
            p = JsonPath.leaf(t, JsonNode::isNumber, r);
            if (p == null || !kind.equals("huge-number") || !unboundedKeys.contains(p.dotted())) {
                break;
            }
            p = null;
        }
        if (p == null) {
            p = JsonPath.descend(t, r);
        }
        JsonNode v = switch (kind) {
            case "huge-number" -> new JsonNode[] {NODES.numberNode(Integer.MAX_VALUE),
                NODES.numberNode(1L << 31), NODES.numberNode(Long.MAX_VALUE),
                NODES.numberNode(new BigInteger("123456789012345678901234567890")),
                NODES.numberNode(1e300)}[r.nextInt(5)];
            case "negative-number" -> new JsonNode[] {NODES.numberNode(-1), NODES.numberNode(0),
                NODES.numberNode(Integer.MIN_VALUE), NODES.numberNode(-1e300), NODES.numberNode(-0.0)}
                    [r.nextInt(5)];
            default -> new JsonNode[] {NODES.numberNode(0.5), NODES.numberNode(1.5),
                NODES.numberNode(1e-300), NODES.numberNode(4.0)}[r.nextInt(4)];
        };
        String detail = "`" + p.dotted() + "` " + p.get() + " -> " + v;
        p.set(v);
        return detail;
    }

    private static Mutant invalidUtf8(int index, String kind, byte[] b, SplittableRandom r) {
        byte[][] seqs = {{(byte) 0xC3, 0x28}, {(byte) 0xFF}, {(byte) 0xC0, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0x80}, {(byte) 0xF8, (byte) 0x88, (byte) 0x80}};
        List<Integer> quotes = new ArrayList<>();
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '"') {
                quotes.add(i);
            }
        }
        int pos = quotes.isEmpty() ? 0 : quotes.get(r.nextInt(quotes.size())) + 1;
        byte[] seq = seqs[r.nextInt(seqs.length)];
        byte[] out = new byte[b.length + seq.length];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(seq, 0, out, pos, seq.length);
        System.arraycopy(b, pos, out, pos + seq.length, b.length - pos);
        StringBuilder hex = new StringBuilder();
        for (byte x : seq) {
            hex.append(String.format("%02X", x & 0xFF));
        }
        return new Mutant(index, kind, "bytes " + hex + " inserted at " + pos, out);
    }

    private static String quote(String k) {
        return NODES.textNode(k).toString();
    }

    private static String text(JsonNode t) {
        try {
            return JSON.writeValueAsString(t);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
