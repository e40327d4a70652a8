package org.ultramem.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Strict typed reads of JSON config objects, for config records' {@code fromJson} factories.
 * Every failure is a {@link ConfigException} naming the key, its value and the rule:
 * {@code "config key `hidden_size` ("128.5") must be an integer"}. An explicit JSON {@code null}
 * counts as absent for the {@code opt*} readers. Integers must be written without a fraction
 * ({@code 128}, not {@code 128.0}); doubles accept any JSON number; booleans only
 * {@code true}/{@code false}; strings only JSON strings.
 */
public final class KeyReader {

    private KeyReader() {
    }

    /** The int at {@code key}; fails when missing or not an integer in int range. */
    public static int requireInt(JsonNode node, String key) {
        JsonNode v = present(node, key);
        if (v == null) {
            throw new ConfigException("config key `" + key + "` is required but missing");
        }
        return asInt(key, v);
    }

    /** The int at {@code key}, or {@code dflt} when absent. */
    public static int optInt(JsonNode node, String key, int dflt) {
        JsonNode v = present(node, key);
        return v == null ? dflt : asInt(key, v);
    }

    /** The long at {@code key}, or {@code dflt} when absent. */
    public static long optLong(JsonNode node, String key, long dflt) {
        JsonNode v = present(node, key);
        if (v == null) {
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw new ConfigException("config key `" + key + "` (" + show(v) + ") must be an integer");
        }
        return v.longValue();
    }

    /** The double at {@code key}; fails when missing or not a number. */
    public static double requireDouble(JsonNode node, String key) {
        JsonNode v = present(node, key);
        if (v == null) {
            throw new ConfigException("config key `" + key + "` is required but missing");
        }
        return asDouble(key, v);
    }

    /** The double at {@code key}, or {@code dflt} when absent. */
    public static double optDouble(JsonNode node, String key, double dflt) {
        JsonNode v = present(node, key);
        return v == null ? dflt : asDouble(key, v);
    }

    /** The boolean at {@code key}, or {@code dflt} when absent. */
    public static boolean optBool(JsonNode node, String key, boolean dflt) {
        JsonNode v = present(node, key);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new ConfigException("config key `" + key + "` (" + show(v) + ") must be true or false");
        }
        return v.booleanValue();
    }

    /** The string at {@code key}; fails when missing or not a string. */
    public static String requireString(JsonNode node, String key) {
        JsonNode v = present(node, key);
        if (v == null) {
            throw new ConfigException("config key `" + key + "` is required but missing");
        }
        return asString(key, v);
    }

    /** The string at {@code key}, or {@code dflt} when absent. */
    public static String optString(JsonNode node, String key, String dflt) {
        JsonNode v = present(node, key);
        return v == null ? dflt : asString(key, v);
    }

    /**
     * The string at {@code key} (or {@code dflt} when absent), checked to be a path this system
     * accepts: a NUL character or similar fails here, naming the key, not later as a bare
     * {@link java.nio.file.InvalidPathException}.
     */
    public static String optPath(JsonNode node, String key, String dflt) {
        String s = optString(node, key, dflt);
        try {
            java.nio.file.Path.of(s);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ConfigException("config key `" + key + "` (" + show(TextNode.valueOf(s))
                    + ") is not a valid path: " + e.getReason());
        }
        return s;
    }

    /**
     * Fails on the first key of {@code node} not in {@code known}, naming it, {@code where}
     * (e.g. "model config") and close matches among the known keys.
     */
    public static void rejectUnknown(JsonNode node, Set<String> known, String where) {
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!known.contains(key)) {
                String shown = key.length() <= 60 ? key : key.substring(0, 60) + "...";
                throw new ConfigException("config key `" + shown + "` is not known in " + where
                        + suggestion(key, known));
            }
        }
    }

    /** Fails with "config key `key` (value) must be > 0" unless {@code value > 0}. */
    public static void requirePositive(String key, double value) {
        if (!(value > 0)) {
            throw new ConfigException("config key `" + key + "` (" + format(value)
                    + ") must be > 0");
        }
    }

    /**
     * Fails with "config key `divisorKey` (d) must divide `key` (n)" unless {@code d} divides
     * {@code n} (and {@code d > 0}).
     */
    public static void requireDivides(String divisorKey, long divisor, String key, long value) {
        if (divisor <= 0 || value % divisor != 0) {
            throw new ConfigException("config key `" + divisorKey + "` (" + divisor
                    + ") must divide `" + key + "` (" + value + ")");
        }
    }

    /**
     * "; did you mean `a`, `b`?" for the close matches of {@code key} in {@code candidates},
     * else "; known keys: ..." listing them all (sorted) when there are few, else "".
     */
    public static String suggestion(String key, Collection<String> candidates) {
        List<String> close = closeMatches(key, candidates);
        if (!close.isEmpty()) {
            List<String> quoted = close.stream().map(s -> "`" + s + "`").toList();
            return "; did you mean " + String.join(", ", quoted) + "?";
        }
        if (candidates.size() <= 40) {
            return "; known keys: " + String.join(", ", candidates.stream().sorted().toList());
        }
        return "";
    }

    /**
     * Up to three candidates within edit distance {@code max(2, key.length() / 3)} of {@code key}
     * (case-insensitive Levenshtein), closest first.
     */
    public static List<String> closeMatches(String key, Collection<String> candidates) {
        int limit = Math.max(2, key.length() / 3);
        record Scored(String name, int dist) {
        }
        List<Scored> scored = new ArrayList<>();
        for (String c : candidates) {
            int d = editDistance(key.toLowerCase(), c.toLowerCase());
            if (d <= limit) {
                scored.add(new Scored(c, d));
            }
        }
        scored.sort(Comparator.comparingInt(Scored::dist).thenComparing(Scored::name));
        return scored.stream().limit(3).map(Scored::name).toList();
    }

    /** Levenshtein distance (insert, delete, substitute each cost 1). */
    public static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    private static JsonNode present(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() ? null : v;
    }

    private static int asInt(String key, JsonNode v) {
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new ConfigException("config key `" + key + "` (" + show(v)
                    + ") must be an integer in [" + Integer.MIN_VALUE + ", " + Integer.MAX_VALUE
                    + "]");
        }
        return v.intValue();
    }

    private static double asDouble(String key, JsonNode v) {
        if (!v.isNumber()) {
            throw new ConfigException("config key `" + key + "` (" + show(v) + ") must be a number");
        }
        return v.doubleValue();
    }

    private static String asString(String key, JsonNode v) {
        if (!v.isTextual()) {
            throw new ConfigException("config key `" + key + "` (" + show(v) + ") must be a string");
        }
        return v.textValue();
    }

    /** A JSON value as shown in a message: its JSON text, cut to 60 characters. */
    public static String show(JsonNode v) {
        String s = v.toString();
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    private static String format(double v) {
        boolean integral = v == Math.rint(v) && Math.abs(v) < 1e15;
        return integral ? Long.toString((long) v) : Double.toString(v);
    }
}
