package org.ultramem.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ultramem.io.AtomicFiles;

/**
 * Training metrics as JSON lines ({@code metrics.jsonl}): one object per line, flushed as written,
 * so a crashed run keeps everything logged before the crash. Every entry has {@code "type"}
 * ({@code "train"} or {@code "eval"}) and {@code "step"}. Non-finite numbers are written as
 * strings ({@code "NaN"}, {@code "Infinity"}) so every line stays valid JSON.
 */
public final class MetricsLog implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final BufferedWriter out;

    private MetricsLog(Path file, BufferedWriter out) {
        this.file = file;
        this.out = out;
    }

    /** Starts a fresh log at {@code file} (replacing an old one). */
    public static MetricsLog create(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
    }

    /**
     * Continues the log of a run resumed after {@code step}: entries with a larger step (written by
     * the interrupted run after its last checkpoint) are dropped, then new entries are appended.
     * Unparseable lines (a torn last line after a crash) are dropped too.
     */
    public static MetricsLog resume(Path file, long step) throws IOException {
        if (!Files.exists(file)) {
            return create(file);
        }
        List<String> kept = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            try {
                JsonNode node = JSON.readTree(line);
                if (node != null && node.isObject() && node.path("step").asLong(Long.MAX_VALUE) <= step) {
                    kept.add(line);
                }
            } catch (JsonProcessingException torn) {
                // a torn line from a crash: drop it
            }
        }
        AtomicFiles.writeString(file, kept.isEmpty() ? "" : String.join("\n", kept) + "\n");
        return new MetricsLog(file, Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND));
    }

    /** Appends one entry (insertion order kept) and flushes. */
    public void write(Map<String, ?> entry) throws IOException {
        Map<String, Object> clean = new LinkedHashMap<>();
        for (Map.Entry<String, ?> e : entry.entrySet()) {
            Object v = e.getValue();
            if (v instanceof Double d && !Double.isFinite(d)) {
                v = d.toString();
            } else if (v instanceof Float f && !Float.isFinite(f)) {
                v = f.toString();
            }
            clean.put(e.getKey(), v);
        }
        try {
            out.write(JSON.writeValueAsString(clean));
            out.write('\n');
            out.flush();
        } catch (IOException e) { // a full disk says "No space left on device" and names no file
            throw new IOException("cannot append to " + file + ": " + e.getMessage()
                    + "; free space on that file system, then continue with --resume", e);
        }
    }

    /** Reads every entry of a metrics file (for tests and plots). */
    public static List<JsonNode> read(Path file) throws IOException {
        List<JsonNode> entries = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                entries.add(JSON.readTree(line));
            }
        }
        return entries;
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
