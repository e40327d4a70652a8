package org.ultramem.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/** The {@code shape-*} mutations of one safetensors header entry (edited in place). */
final class ShapeEdits {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final long[] HUGE = {1L << 31, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE};

    private ShapeEdits() {
    }

    /** Applies {@code kind} to entry {@code e} of tensor {@code t}; returns the detail. */
    static String apply(String kind, ObjectNode e, String t, SplittableRandom r) {
        List<Long> shape = new ArrayList<>();
        e.get("shape").forEach(v -> shape.add(v.longValue()));
        String before = shape.toString();
        switch (kind) {
            case "shape-huge" -> {
                if (shape.isEmpty()) {
                    shape.add(1L);
                }
                int i = r.nextInt(shape.size());
                if (r.nextInt(6) == 0) {
                    ArrayNode a = array(shape);
                    a.set(i, NODES.numberNode(new BigInteger("18446744073709551616")));
                    e.set("shape", a);
                    return "tensor `" + t + "` shape " + a;
                }
                shape.set(i, HUGE[r.nextInt(HUGE.length)]);
            }
            case "shape-huge-empty" -> {
                // Zero elements, zero bytes: valid as a file, but no model has such a tensor.
                shape.clear();
                shape.add(HUGE[r.nextInt(HUGE.length)]);
                shape.add(0L);
                long begin = e.get("data_offsets").get(0).longValue();
                e.set("data_offsets", SafeTensorsMutator.longs(begin, begin));
            }
            case "shape-negative" -> {
                if (shape.isEmpty()) {
                    shape.add(1L);
                }
                long[] neg = {-1, Integer.MIN_VALUE, Long.MIN_VALUE};
                shape.set(r.nextInt(shape.size()), neg[r.nextInt(neg.length)]);
            }
            case "shape-mismatch" -> mismatch(shape, r);
            case "shape-reshaped" -> reshape(shape, r);
            case "shape-malformed" -> {
                JsonNode[] bad = {NODES.textNode(before), NODES.numberNode(16), NODES.nullNode(),
                    NODES.arrayNode().add(1.5), NODES.arrayNode().add("16"),
                    NODES.arrayNode().add(NODES.arrayNode().add(16)), NODES.objectNode()};
                JsonNode v = bad[r.nextInt(bad.length)];
                if (r.nextInt(8) == 0) {
                    e.remove("shape");
                    return "tensor `" + t + "` has no shape";
                }
                e.set("shape", v);
                return "tensor `" + t + "` shape " + v;
            }
            default -> throw new IllegalArgumentException(kind);
        }
        e.set("shape", array(shape));
        return "tensor `" + t + "` shape " + before + " -> " + shape
                + (kind.equals("shape-huge-empty") ? " with an empty byte range" : "");
    }

    private static void mismatch(List<Long> shape, SplittableRandom r) {
        switch (r.nextInt(4)) {
            case 0 -> {
                if (shape.isEmpty()) {
                    shape.add(2L);
                } else {
                    int i = r.nextInt(shape.size());
                    shape.set(i, shape.get(i) + (r.nextBoolean() || shape.get(i) == 0 ? 1 : -1));
                }
            }
            case 1 -> {
                if (!shape.isEmpty()) {
                    shape.remove(r.nextInt(shape.size()));
                }
                shape.add(3L);
            }
            case 2 -> shape.add(2L);
            default -> {
                shape.clear();
                shape.add(7L);
            }
        }
    }

    private static void reshape(List<Long> shape, SplittableRandom r) {
        long numel = 1;
        for (long d : shape) {
            numel *= d;
        }
        switch (r.nextInt(3)) {
            case 0 -> {
                shape.clear();
                shape.add(numel);
            }
            case 1 -> shape.add(0, 1L);
            default -> Collections.reverse(shape);
        }
    }

    private static ArrayNode array(List<Long> shape) {
        ArrayNode a = NODES.arrayNode();
        shape.forEach(a::add);
        return a;
    }
}
