package org.ultramem.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parsed and validated JSON header of a safetensors file: tensor entries in header order and
 * the {@code __metadata__} strings. Package-private; {@link SafeTensorsFile} is the public face.
 *
 * <p>Validation rules (each failure names the file, the tensor and the value): the header is one
 * JSON object without duplicate keys; every entry other than {@code __metadata__} is an object with
 * a known {@code dtype}, a {@code shape} of non-negative integers and {@code data_offsets}
 * {@code [begin, end]} with {@code 0 <= begin <= end <= dataSize}; {@code end - begin} equals
 * {@code numel * dtype size}; non-empty byte ranges do not overlap; metadata values are strings.
 */
record SafeTensorsHeader(Map<String, TensorInfo> tensors, Map<String, String> metadata) {

    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper STRICT = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    static SafeTensorsHeader parse(Path file, byte[] json, long dataSize)
            throws SafeTensorsFormatException {
        String text;
        try {
            var decoder = StandardCharsets.UTF_8.newDecoder(); // reports malformed input
            text = decoder.decode(java.nio.ByteBuffer.wrap(json)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new SafeTensorsFormatException(file, "header is not valid UTF-8 JSON", e);
        }
        JsonNode root;
        try {
            root = STRICT.readTree(text);
        } catch (JsonProcessingException e) {
            throw new SafeTensorsFormatException(file, "header is not valid JSON: "
                    + ConfigJson.describe(e) + locationOf(e), e);
        }
        if (root == null || !root.isObject()) {
            throw new SafeTensorsFormatException(file, "header must be a JSON object, found "
                    + (root == null ? "nothing" : root.getNodeType()));
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = parseMetadata(file, e.getValue());
            } else {
                tensors.put(e.getKey(), parseEntry(file, e.getKey(), e.getValue(), dataSize));
            }
        }
        checkNoOverlap(file, tensors);
        return new SafeTensorsHeader(Collections.unmodifiableMap(tensors), metadata);
    }

    private static String locationOf(JsonProcessingException e) {
        var loc = e.getLocation();
        return loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr()
                + ")";
    }

    private static Map<String, String> parseMetadata(Path file, JsonNode node)
            throws SafeTensorsFormatException {
        if (!node.isObject()) {
            throw new SafeTensorsFormatException(file, "`" + METADATA_KEY
                    + "` must be a JSON object of strings, found " + node.getNodeType());
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual()) {
                throw new SafeTensorsFormatException(file, "`" + METADATA_KEY + "` value for `"
                        + e.getKey() + "` must be a string, found " + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return Collections.unmodifiableMap(out);
    }

    private static TensorInfo parseEntry(Path file, String name, JsonNode node, long dataSize)
            throws SafeTensorsFormatException {
        String where = "tensor `" + name + "`";
        if (!node.isObject()) {
            throw new SafeTensorsFormatException(file, where
                    + " entry must be a JSON object, found " + node.getNodeType());
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new SafeTensorsFormatException(file, where + " has no string `dtype`");
        }
        DType dtype;
        try {
            dtype = DType.fromHeaderName(dt.textValue());
        } catch (IllegalArgumentException e) {
            throw new SafeTensorsFormatException(file, where + ": " + e.getMessage());
        }
        long[] shape = longArray(file, where, "shape", node.get("shape"), -1);
        long[] offsets = longArray(file, where, "data_offsets", node.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new SafeTensorsFormatException(file, where + " shape dimension " + i + " ("
                        + shape[i] + ") is negative");
            }
        }
        if (begin < 0 || end < begin) {
            throw new SafeTensorsFormatException(file, where + " data_offsets [" + begin + ", "
                    + end + "] must satisfy 0 <= begin <= end");
        }
        if (end > dataSize) {
            throw new SafeTensorsFormatException(file, where + " data_offsets [" + begin + ", "
                    + end + "] reach beyond the data section (" + dataSize
                    + " bytes); the file is truncated or damaged");
        }
        long expected;
        try {
            expected = Math.multiplyExact(new TensorInfo(name, dtype, shape, 0, 0).numel(),
                    (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new SafeTensorsFormatException(file, where + " shape "
                    + java.util.Arrays.toString(shape) + " overflows a 64-bit byte count");
        }
        if (expected != end - begin) {
            throw new SafeTensorsFormatException(file, where + " shape "
                    + java.util.Arrays.toString(shape) + " x " + dtype + " needs " + expected
                    + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long[] longArray(Path file, String where, String key, JsonNode node, int length)
            throws SafeTensorsFormatException {
        if (node == null || !node.isArray()) {
            throw new SafeTensorsFormatException(file, where + " has no array `" + key + "`");
        }
        if (length >= 0 && node.size() != length) {
            throw new SafeTensorsFormatException(file, where + " `" + key + "` must have " + length
                    + " elements, found " + node.size());
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong()) {
                throw new SafeTensorsFormatException(file, where + " `" + key + "` element " + i
                        + " (" + v + ") must be an integer in 64-bit range");
            }
            out[i] = v.longValue();
        }
        return out;
    }

    private static void checkNoOverlap(Path file, Map<String, TensorInfo> tensors)
            throws SafeTensorsFormatException {
        List<TensorInfo> byBegin = new ArrayList<>();
        for (TensorInfo t : tensors.values()) {
            if (t.byteSize() > 0) {
                byBegin.add(t);
            }
        }
        byBegin.sort(Comparator.comparingLong(TensorInfo::begin));
        for (int i = 1; i < byBegin.size(); i++) {
            TensorInfo prev = byBegin.get(i - 1);
            TensorInfo cur = byBegin.get(i);
            if (cur.begin() < prev.end()) {
                throw new SafeTensorsFormatException(file, "tensors `" + prev.name() + "` ["
                        + prev.begin()
                        + ", " + prev.end() + ") and `" + cur.name() + "` [" + cur.begin() + ", "
                        + cur.end() + ") overlap");
            }
        }
    }

    /** Serializes a header as compact JSON; used by the writer. */
    static byte[] toJson(List<TensorInfo> tensors, Map<String, String> metadata) {
        var root = STRICT.createObjectNode();
        if (!metadata.isEmpty()) {
            var md = root.putObject(METADATA_KEY);
            metadata.forEach(md::put);
        }
        for (TensorInfo t : tensors) {
            var e = root.putObject(t.name());
            e.put("dtype", t.dtype().name());
            var shape = e.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            e.putArray("data_offsets").add(t.begin()).add(t.end());
        }
        try {
            return STRICT.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize safetensors header", e);
        }
    }
}
