package org.ultramem.fuzz;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * A position in a JSON tree: the container holding it and the key (object field) or index (array
 * element) inside it. Finds positions by random descent (shallow ones often, so top-level keys
 * are hit as much as the entries of a 300-token vocabulary) or among leaves of one type.
 */
record JsonPath(JsonNode parent, String key, int index, String dotted) {

    /** The node at this position. */
    JsonNode get() {
        return key != null ? parent.get(key) : parent.get(index);
    }

    /** Replaces the node at this position. */
    void set(JsonNode value) {
        if (key != null) {
            ((ObjectNode) parent).set(key, value);
        } else {
            ((ArrayNode) parent).set(index, value);
        }
    }

    /** Removes this position from its container. */
    void remove() {
        if (key != null) {
            ((ObjectNode) parent).remove(key);
        } else {
            ((ArrayNode) parent).remove(index);
        }
    }

    /** A random position below {@code root}, or null when root is an empty container. */
    static JsonPath descend(JsonNode root, SplittableRandom r) {
        JsonPath at = null;
        JsonNode node = root;
        String prefix = "";
        while (node.isContainerNode() && !node.isEmpty()) {
            JsonPath next = child(node, prefix, r.nextInt(node.size()));
            at = next;
            node = next.get();
            prefix = next.dotted() + ".";
            if (r.nextInt(3) == 0) {
                break;
            }
        }
        return at;
    }

    /**
     * A random leaf matching {@code want}: a container holding such leaves is chosen uniformly
     * first, then a leaf in it, so a large vocabulary does not drown the few top-level keys.
     */
    static JsonPath leaf(JsonNode root, Predicate<JsonNode> want, SplittableRandom r) {
        // Identity, not equals: two memory layers with equal contents are two containers.
        Map<JsonNode, List<JsonPath>> byParent = new IdentityHashMap<>();
        List<List<JsonPath>> groups = new ArrayList<>();
        collect(root, "", want, byParent, groups);
        if (groups.isEmpty()) {
            return null;
        }
        List<JsonPath> g = groups.get(r.nextInt(groups.size()));
        return g.get(r.nextInt(g.size()));
    }

    /** A random object in the tree (the root included). */
    static ObjectNode object(JsonNode root, SplittableRandom r) {
        List<ObjectNode> objects = new ArrayList<>();
        collectObjects(root, objects);
        return objects.isEmpty() ? null : objects.get(r.nextInt(objects.size()));
    }

    private static JsonPath child(JsonNode node, String prefix, int i) {
        if (node.isObject()) {
            var it = node.fieldNames();
            for (int j = 0; j < i; j++) {
                it.next();
            }
            String k = it.next();
            return new JsonPath(node, k, -1, prefix + k);
        }
        return new JsonPath(node, null, i, prefix + i);
    }

    private static void collect(JsonNode node, String prefix, Predicate<JsonNode> want,
                                Map<JsonNode, List<JsonPath>> byParent, List<List<JsonPath>> groups) {
        List<JsonPath> children = new ArrayList<>();
        if (node.isObject()) {
            node.properties().forEach(e -> children.add(new JsonPath(node, e.getKey(), -1,
                    prefix + e.getKey())));
        } else {
            for (int i = 0; i < node.size(); i++) {
                children.add(new JsonPath(node, null, i, prefix + i));
            }
        }
        for (JsonPath p : children) {
            JsonNode v = p.get();
            if (v.isContainerNode()) {
                collect(v, p.dotted() + ".", want, byParent, groups);
            } else if (want.test(v)) {
                byParent.computeIfAbsent(node, k -> {
                    List<JsonPath> g = new ArrayList<>();
                    groups.add(g);
                    return g;
                }).add(p);
            }
        }
    }

    private static void collectObjects(JsonNode node, List<ObjectNode> out) {
        if (node.isObject()) {
            out.add((ObjectNode) node);
        }
        for (JsonNode c : node) {
            if (c.isContainerNode()) {
                collectObjects(c, out);
            }
        }
    }
}
