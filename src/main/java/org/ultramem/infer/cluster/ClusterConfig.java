package org.ultramem.infer.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A cluster file ({@code CLUSTER.yaml}): which members hold the value tables and how.
 * <pre>
 *   cluster_name: ultramem          # members and clients must agree (default ultramem)
 *   members: [127.0.0.1:5701, 127.0.0.1:5702, 127.0.0.1:5703]   # explicit list, no discovery
 *   block_kb: 512                    # IMap entry size: blockId = row / R, R·D_v·4 ≈ block_kb KB
 *   backup_count: 1                  # copies besides the owner's
 *   read: sums                       # sums: owners return B × E·D_v; rows: owners return rows
 *   timeout_ms: 2000                 # an owner slower than this is retried on the new owner
 * </pre>
 * The file is a flat YAML subset (scalars, {@code [a, b]} and {@code - item} lists, # comments)
 * or JSON. Every error names the file, the key, the value and the rule.
 *
 * @param clusterName Hazelcast cluster name
 * @param members     member addresses host:port (the first member binds the first free one)
 * @param blockKb     block size in KB, 64..512
 * @param backupCount synchronous backups per block, 0..6
 * @param readRows    true to fetch rows and sum locally (exact on any data), false for sums
 * @param timeoutMs   per-owner request timeout before the share is resent
 */
public record ClusterConfig(String clusterName, List<String> members, int blockKb,
                            int backupCount, boolean readRows, int timeoutMs) {

    private static final Set<String> KEYS = Set.of("cluster_name", "members", "block_kb",
            "backup_count", "read", "timeout_ms");

    public ClusterConfig {
        members = List.copyOf(members);
    }

    /** Rows per block for a table of width D_v: R = max(1, block_kb·1024 / (4·D_v)). */
    public int blockRows(int width) {
        return Math.max(1, blockKb * 1024 / (4 * width));
    }

    /** Host of member {@code i}. */
    public String host(int i) {
        String m = members.get(i);
        return m.substring(0, m.lastIndexOf(':'));
    }

    /** Port of member {@code i}. */
    public int port(int i) {
        String m = members.get(i);
        return Integer.parseInt(m.substring(m.lastIndexOf(':') + 1));
    }

    /** Reads and validates {@code file}. */
    public static ClusterConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read cluster file " + file + ": "
                    + e.getMessage(), e);
        }
        Map<String, Object> raw = text.strip().startsWith("{") ? json(file, text)
                : yaml(file, text);
        return of(file.toString(), raw);
    }

    /** Validates the parsed keys of {@code source} (a file name, for messages). */
    static ClusterConfig of(String source, Map<String, Object> raw) {
        for (String k : raw.keySet()) {
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException(source + ": unknown key `" + k + "`; known: "
                        + String.join(", ", KEYS.stream().sorted().toList()));
            }
        }
        Object m = raw.get("members");
        if (!(m instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException(source + ": key `members` (" + m + ") must be a"
                    + " non-empty list of host:port, e.g. [127.0.0.1:5701, 127.0.0.1:5702]");
        }
        List<String> members = new ArrayList<>();
        for (Object o : list) {
            String s = String.valueOf(o).strip();
            int colon = s.lastIndexOf(':');
            int port = colon < 1 ? -1 : parseInt(s.substring(colon + 1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException(source + ": key `members` entry `" + s
                        + "` must be host:port with a port in 1..65535");
            }
            members.add(s);
        }
        String read = string(raw, "read", "sums");
        if (!read.equals("sums") && !read.equals("rows")) {
            throw new IllegalArgumentException(source + ": key `read` (" + read + ") must be"
                    + " `sums` (owners return B x D_v) or `rows` (owners return rows)");
        }
        return new ClusterConfig(string(raw, "cluster_name", "ultramem"), members,
                intIn(source, raw, "block_kb", 512, 64, 512),
                intIn(source, raw, "backup_count", 1, 0, 6), read.equals("rows"),
                intIn(source, raw, "timeout_ms", 2000, 50, 600_000));
    }

    private static String string(Map<String, Object> raw, String key, String dflt) {
        Object v = raw.get(key);
        return v == null ? dflt : String.valueOf(v).strip();
    }

    private static int intIn(String source, Map<String, Object> raw, String key, int dflt, int lo,
                             int hi) {
        Object v = raw.get(key);
        int x = v == null ? dflt : parseInt(String.valueOf(v).strip());
        if (x < lo || x > hi) {
            throw new IllegalArgumentException(source + ": key `" + key + "` (" + v + ") must be"
                    + " an integer in " + lo + ".." + hi);
        }
        return x;
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return Integer.MIN_VALUE;
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path file, String text) {
        try {
            return new ObjectMapper().readValue(text, LinkedHashMap.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: "
                    + e.getMessage());
        }
    }

    /** The flat YAML subset: key: scalar, key: [a, b], key: then "- item" lines. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> yaml(Path file, String text) {
        Map<String, Object> out = new LinkedHashMap<>();
        String listKey = null;
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            int hash = line.indexOf('#');
            String s = (hash >= 0 ? line.substring(0, hash) : line).strip();
            if (s.isEmpty()) {
                continue;
            }
            if (s.startsWith("- ") && listKey != null) {
                ((List<Object>) out.get(listKey)).add(unquote(s.substring(2)));
                continue;
            }
            int colon = s.indexOf(':');
            if (colon < 1) {
                throw new IllegalArgumentException(file + ":" + lineNo + ": `" + s + "` is not"
                        + " `key: value`; the cluster file is flat YAML or JSON");
            }
            String key = s.substring(0, colon).strip();
            String value = s.substring(colon + 1).strip();
            listKey = null;
            if (value.isEmpty()) {
                out.put(key, new ArrayList<>());
                listKey = key;
            } else if (value.startsWith("[") && value.endsWith("]")) {
                List<Object> items = new ArrayList<>();
                for (String item : value.substring(1, value.length() - 1).split(",")) {
                    if (!item.isBlank()) {
                        items.add(unquote(item.strip()));
                    }
                }
                out.put(key, items);
            } else {
                out.put(key, unquote(value));
            }
        }
        return out;
    }

    private static String unquote(String s) {
        s = s.strip();
        boolean quoted = s.length() >= 2 && (s.startsWith("\"") && s.endsWith("\"")
                || s.startsWith("'") && s.endsWith("'"));
        return quoted ? s.substring(1, s.length() - 1) : s;
    }
}
