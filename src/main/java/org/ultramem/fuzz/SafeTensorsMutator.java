package org.ultramem.fuzz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Structural and byte-level mutants of one valid safetensors file. Structural kinds edit the
 * header (length field, JSON, dtypes, shapes, offsets, names, {@code __metadata__}) or the values
 * in the data section; byte-level kinds ({@code bytes-*}) flip, set, cut, insert or delete raw
 * bytes of the header or the data. A third of the mutants are byte-level
 * ({@link #SCHEDULE}).
 */
final class SafeTensorsMutator {

    static final List<String> STRUCTURAL = List.of("header-length-too-big",
            "header-length-too-small", "header-length-negative", "header-truncated",
            "header-not-object", "header-trailing-garbage", "header-padding", "dtype-wrong",
            "dtype-missing", "offsets-out-of-range", "offsets-reversed", "offsets-negative",
            "offsets-overlap", "offsets-malformed", "shape-huge", "shape-huge-empty",
            "shape-negative", "shape-mismatch", "shape-reshaped", "shape-malformed",
            "tensor-missing", "tensor-renamed", "tensor-duplicated", "tensor-extra",
            "entry-not-object", "metadata-non-string", "metadata-not-object",
            "metadata-bad-value", "metadata-missing-key", "values-nan-inf", "int-values-bad",
            "data-truncated", "data-extended", "file-tiny");
    static final List<String> BYTE_LEVEL = List.of("bytes-header", "bytes-data");
    /**
     * Mutant i has kind SCHEDULE[i mod its length]: every structural kind once, the byte-level
     * kinds repeated to a third of the cycle, so any 51 consecutive mutants cover every kind.
     */
    static final List<String> SCHEDULE = schedule();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String META = "__metadata__";

    private final byte[] original;
    private final int headerEnd;
    private final byte[] data;
    private final ObjectNode header;
    private final List<String> names = new ArrayList<>();

    SafeTensorsMutator(byte[] original) {
        this.original = original.clone();
        long n = ByteBuffer.wrap(original).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        this.headerEnd = Math.toIntExact(8 + n);
        this.data = Arrays.copyOfRange(original, headerEnd, original.length);
        try {
            this.header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(original, 8, headerEnd));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("fuzz seed file is not safetensors: " + e, e);
        }
        header.fieldNames().forEachRemaining(k -> {
            if (!k.equals(META)) {
                names.add(k);
            }
        });
    }

    /** Mutant {@code index}: its kind from {@link #SCHEDULE}, its details drawn from {@code r}. */
    Mutant mutate(int index, SplittableRandom r) {
        return mutate(index, SCHEDULE.get(Math.floorMod(index, SCHEDULE.size())), r);
    }

    private static List<String> schedule() {
        List<String> out = new ArrayList<>(STRUCTURAL);
        for (int i = 0; out.size() < STRUCTURAL.size() * 3 / 2; i++) {
            out.add(BYTE_LEVEL.get(i % BYTE_LEVEL.size()));
        }
        return List.copyOf(out);
    }

    /** Mutant {@code index} of the given kind. */
    Mutant mutate(int index, String kind, SplittableRandom r) {
        ObjectNode h = header.deepCopy();
        String t = names.get(r.nextInt(names.size()));
        ObjectNode e = (ObjectNode) h.get(t);
        long[] off = {e.get("data_offsets").get(0).longValue(), e.get("data_offsets").get(1).longValue()};
        String d;
        byte[] out;
        switch (kind) {
            case "header-length-too-big" -> {
                byte[] json = json(h);
                long[] lens = {json.length + 1L, json.length + 7L, original.length - 7L,
                    original.length, (1L << 32) + json.length, 1L << 62, Long.MAX_VALUE};
                long len = lens[r.nextInt(lens.length)];
                return m(index, kind, "header length field " + len + " (JSON is " + json.length
                        + " bytes)", file(len, json, data));
            }
            case "header-length-too-small" -> {
                byte[] json = json(h);
                long[] lens = {0, 1, 2, json.length - 1L, json.length / 2, r.nextInt(json.length)};
                long len = lens[r.nextInt(lens.length)];
                return m(index, kind, "header length field " + len, file(len, json, data));
            }
            case "header-length-negative" -> {
                long[] lens = {-1, Long.MIN_VALUE, -(headerEnd - 8L), Integer.MIN_VALUE};
                long len = lens[r.nextInt(lens.length)];
                return m(index, kind, "header length field " + len, file(len, json(h), data));
            }
            case "header-truncated" -> {
                byte[] json = json(h);
                int cut = r.nextInt(json.length);
                return m(index, kind, "header JSON cut to " + cut + " bytes",
                        file(Arrays.copyOf(json, cut), data));
            }
            case "header-not-object" -> {
                String[] roots = {"[]", "\"x\"", "1", "null", "true", "[{\"dtype\":\"F32\"}]", "{}",
                    " ", "{\"a\"}"};
                String root = roots[r.nextInt(roots.length)];
                return m(index, kind, "header JSON is " + root, file(utf8(root), data));
            }
            case "header-trailing-garbage" -> {
                String[] tails = {" x", "}", "{}", "\u0000", ",", "]", " 1"};
                String tail = tails[r.nextInt(tails.length)];
                return m(index, kind, "header JSON followed by `" + tail + "`",
                        file(concat(json(h), utf8(tail)), data));
            }
            case "header-padding" -> {
                int pad = 8 + r.nextInt(16); // more than the writer's own 8-byte alignment padding
                return m(index, kind, pad + " trailing spaces after the header JSON (allowed)",
                        file(concat(json(h), utf8(" ".repeat(pad))), data));
            }
            case "dtype-wrong" -> {
                JsonNode[] types = {text("F64"), text("I8"), text("U8"), text("BOOL"), text("f32"),
                    text(""), text("BF16"), text("F16"), text("I64"), text("I32"), text("F32"),
                    NODES.numberNode(1), NODES.nullNode(), NODES.arrayNode(), NODES.objectNode()};
                JsonNode v = types[r.nextInt(types.length)];
                e.set("dtype", v);
                d = "tensor `" + t + "` dtype " + v;
            }
            case "dtype-missing" -> {
                e.remove("dtype");
                d = "tensor `" + t + "` has no dtype";
            }
            case "offsets-out-of-range" -> {
                long[] ends = {data.length + 1L, data.length + 8L, 1L << 31, 1L << 40, Long.MAX_VALUE};
                long end = ends[r.nextInt(ends.length)];
                long begin = r.nextBoolean() ? off[0] : end - (off[1] - off[0]);
                d = offsets(e, t, begin, end);
            }
            case "offsets-reversed" -> d = offsets(e, t, off[1], off[0] == off[1] ? off[0] - 1 : off[0]);
            case "offsets-negative" -> {
                long shift = r.nextBoolean() ? off[0] + 4 : Long.MAX_VALUE / 2 + off[0];
                d = offsets(e, t, off[0] - shift, off[1] - shift);
            }
            case "offsets-overlap" -> {
                String other = names.get(r.nextInt(names.size()));
                long begin = ((ObjectNode) h.get(other)).get("data_offsets").get(0).longValue()
                        + (r.nextBoolean() ? 0 : 4);
                long len = off[1] - off[0];
                d = offsets(e, t, begin, begin + len) + " (over `" + other + "`)";
            }
            case "offsets-malformed" -> {
                JsonNode[] bad = {NODES.arrayNode().add(off[0]), NODES.arrayNode().add(off[0]).add(off[1]).add(0),
                    NODES.arrayNode().add(String.valueOf(off[0])).add(off[1]),
                    NODES.arrayNode().add(off[0] + 0.5).add(off[1]), NODES.nullNode(), NODES.objectNode(),
                    NODES.arrayNode().add(new BigInteger("18446744073709551616")).add(off[1]),
                    NODES.textNode(off[0] + "," + off[1])};
                JsonNode v = bad[r.nextInt(bad.length)];
                e.set("data_offsets", v);
                d = "tensor `" + t + "` data_offsets " + v;
            }
            case "shape-huge", "shape-negative", "shape-mismatch", "shape-reshaped", "shape-malformed",
                 "shape-huge-empty" -> d = ShapeEdits.apply(kind, e, t, r);
            case "tensor-missing" -> {
                h.remove(t);
                d = "tensor `" + t + "` removed";
            }
            case "tensor-renamed" -> d = rename(h, t, r);
            case "tensor-duplicated" -> {
                String other = names.get(r.nextInt(names.size()));
                String dup = "\"" + t + "\":" + h.get(other) + ",";
                String json = new String(json(h), StandardCharsets.UTF_8);
                String withDup = "{" + dup + json.substring(1);
                return m(index, kind, "tensor `" + t + "` appears twice (second entry from `" + other
                        + "`)", file(utf8(withDup), data));
            }
            case "tensor-extra" -> {
                ObjectNode x = h.putObject("zz.extra." + r.nextInt(100));
                x.put("dtype", "F32");
                x.putArray("shape").add(0);
                x.putArray("data_offsets").add(data.length).add(data.length);
                d = "an extra empty tensor";
            }
            case "entry-not-object" -> {
                JsonNode[] bad = {text("x"), NODES.numberNode(1), NODES.arrayNode(), NODES.nullNode()};
                JsonNode v = bad[r.nextInt(bad.length)];
                h.set(t, v);
                d = "tensor `" + t + "` entry is " + v;
            }
            case "metadata-non-string", "metadata-not-object", "metadata-bad-value",
                 "metadata-missing-key" -> d = MetadataEdits.apply(kind, h, r);
            case "values-nan-inf", "int-values-bad" -> {
                return ValueEdits.apply(index, kind, original, headerEnd, header, names, r);
            }
            case "data-truncated" -> {
                int cut = headerEnd + (data.length == 0 ? 0 : r.nextInt(data.length));
                return m(index, kind, "file cut inside the data section at " + cut,
                        Arrays.copyOf(original, cut));
            }
            case "data-extended" -> {
                int n = 1 + r.nextInt(64);
                return m(index, kind, n + " bytes appended after the data (allowed)",
                        Arrays.copyOf(original, original.length + n));
            }
            case "file-tiny" -> {
                int n = r.nextInt(9);
                return m(index, kind, "file of " + n + " bytes", Arrays.copyOf(original, n));
            }
            case "bytes-header" -> {
                return bytes(index, kind, ByteMutations.any(r, original, 0, headerEnd));
            }
            case "bytes-data" -> {
                return bytes(index, kind, ByteMutations.any(r, original, headerEnd, original.length));
            }
            default -> throw new IllegalArgumentException("unknown safetensors mutation kind " + kind);
        }
        return m(index, kind, d, file(json(h), data));
    }

    private static String offsets(ObjectNode e, String t, long begin, long end) {
        e.set("data_offsets", NODES.arrayNode().add(begin).add(end));
        return "tensor `" + t + "` data_offsets [" + begin + ", " + end + "]";
    }

    private String rename(ObjectNode h, String t, SplittableRandom r) {
        String other = names.get(r.nextInt(names.size()));
        if (r.nextBoolean() && !other.equals(t)) {
            JsonNode a = h.get(t);
            h.set(t, h.get(other));
            h.set(other, a);
            return "tensors `" + t + "` and `" + other + "` swap names";
        }
        String[] suffixes = {"x", "", ".", "\u00e9", " "};
        String to = r.nextBoolean() ? t + suffixes[r.nextInt(suffixes.length)] : t.toUpperCase();
        JsonNode v = h.remove(t);
        h.set(to.equals(t) ? t + "_" : to, v);
        return "tensor `" + t + "` renamed to `" + to + "`";
    }

    private static Mutant bytes(int index, String kind, ByteMutations.Result b) {
        return new Mutant(index, kind, b.detail(), b.bytes());
    }

    private static Mutant m(int index, String kind, String detail, byte[] bytes) {
        return new Mutant(index, kind, detail, bytes);
    }

    private static JsonNode text(String s) {
        return NODES.textNode(s);
    }

    static byte[] json(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** A file whose length field is the JSON's true length. */
    static byte[] file(byte[] json, byte[] data) {
        return file(json.length, json, data);
    }

    /** A file with an arbitrary length field. */
    static byte[] file(long lengthField, byte[] json, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + json.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(lengthField).put(json).put(data);
        return b.array();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Names of the tensors, header order (excluding metadata). */
    List<String> names() {
        return List.copyOf(names);
    }

    /** The original header's metadata entries, for tests. */
    Map<String, JsonNode> metadata() {
        Map<String, JsonNode> out = new java.util.LinkedHashMap<>();
        JsonNode md = header.get(META);
        if (md != null) {
            md.properties().forEach(en -> out.put(en.getKey(), en.getValue()));
        }
        return out;
    }

    static ArrayNode longs(long... values) {
        ArrayNode a = NODES.arrayNode();
        for (long v : values) {
            a.add(v);
        }
        return a;
    }
}
