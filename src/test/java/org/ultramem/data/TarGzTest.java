package org.ultramem.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarGzTest {

    @Test
    void readsTheWantedFilesIncludingLongPaths(@TempDir Path dir) throws IOException {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        entries.put("package/a.txt", "alpha\n".getBytes(StandardCharsets.UTF_8));
        entries.put("package/skip.js", "x".getBytes(StandardCharsets.UTF_8));
        String longName = "package/" + "d/".repeat(60) + "long.txt";
        entries.put(longName, new byte[1300]);
        entries.put("package/empty.txt", new byte[0]);
        Path tgz = TgzFixture.write(dir.resolve("p.tgz"), entries);
        Map<String, byte[]> got = TarGz.read(tgz, p -> p.endsWith(".txt"));
        assertEquals(3, got.size());
        assertArrayEquals(entries.get("package/a.txt"), got.get("package/a.txt"));
        assertArrayEquals(new byte[1300], got.get(longName));
        assertArrayEquals(new byte[0], got.get("package/empty.txt"));
    }

    @Test
    void rejectsATruncatedArchive(@TempDir Path dir) throws IOException {
        Path tgz = TgzFixture.write(dir.resolve("p.tgz"),
                Map.of("package/a.txt", new byte[5000]));
        byte[] all = Files.readAllBytes(tgz);
        Files.write(tgz, java.util.Arrays.copyOf(all, all.length - 20));
        DataException e = assertThrows(DataException.class, () -> TarGz.read(tgz, p -> true));
        assertTrue(e.getMessage().contains(tgz.toString()) && e.getMessage().contains("delete"),
                e.getMessage());
    }

    @Test
    void rejectsAHeaderWithABadChecksum(@TempDir Path dir) throws IOException {
        Path tar = dir.resolve("raw.tgz");
        TgzFixture.write(tar, Map.of("package/a.txt", "abc".getBytes(StandardCharsets.UTF_8)));
        // Rebuild with one header byte changed after the checksum was computed.
        byte[] raw;
        try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(tar))) {
            raw = in.readAllBytes();
        }
        raw[0] = 'q';
        try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(tar))) {
            out.write(raw);
        }
        DataException e = assertThrows(DataException.class, () -> TarGz.read(tar, p -> true));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }
}
