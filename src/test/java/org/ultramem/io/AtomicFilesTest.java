package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

    @TempDir
    Path dir;

    private List<String> listing() throws IOException {
        try (var s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void writesAndReplacesFilesLeavingNoTemps() throws IOException {
        Path p = dir.resolve("a/b/config.json");
        AtomicFiles.writeString(p, "first");
        AtomicFiles.writeString(p, "second ✓");
        assertEquals("second ✓", Files.readString(p));
        AtomicFiles.writeStream(p, out -> out.write("streamed".getBytes(StandardCharsets.UTF_8)));
        assertEquals("streamed", Files.readString(p));
        AtomicFiles.write(p, new byte[] {1, 2});
        assertEquals(2, Files.size(p));
        try (var s = Files.list(p.getParent())) {
            assertEquals(List.of(p), s.toList());
        }
    }

    @Test
    void failingBodyKeepsTheOldFileAndRemovesTheTemp() throws IOException {
        Path p = dir.resolve("x.txt");
        AtomicFiles.writeString(p, "old");
        var e = assertThrows(IOException.class, () -> AtomicFiles.writeStream(p, out -> {
            out.write("partial".getBytes(StandardCharsets.UTF_8));
            throw new IOException("disk full");
        }));
        // a write error names no file; the rethrown one does, and keeps the cause
        assertEquals("cannot write " + p.toAbsolutePath() + ": disk full", e.getMessage());
        assertEquals("disk full", e.getCause().getMessage());
        assertEquals("old", Files.readString(p));
        assertEquals(List.of("x.txt"), listing());
    }

    @Test
    void aFullDiskIsReportedNamingTheFileAndTheFix() throws IOException {
        Path p = dir.resolve("model.safetensors");
        IOException e;
        try (var hook = CrashPoints.install(point -> {
            if (point.startsWith("created temp file")) {
                throw new IOException("No space left on device");
            }
        })) {
            e = assertThrows(IOException.class, () -> AtomicFiles.writeString(p, "x"));
        }
        assertTrue(e.getMessage().contains(p.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("free space"), e.getMessage());
        assertEquals(List.of(), listing(), "the temp file is removed");
    }

    @Test
    void crashPointsFollowTheWriteAndStaleTempsAreDeleted() throws IOException {
        Path p = dir.resolve("c.json");
        List<String> points = new java.util.ArrayList<>();
        List<List<String>> seen = new java.util.ArrayList<>();
        try (var hook = CrashPoints.install(point -> {
            points.add(point);
            seen.add(listing());
        })) {
            AtomicFiles.writeString(p, "new");
        }
        assertEquals(List.of("created temp file of c.json", "wrote temp file of c.json",
                "renamed c.json into place"), points);
        // what a kill at the first two points leaves: only the temp file
        assertTrue(seen.get(1).size() == 1 && seen.get(1).get(0).startsWith(".c.json.tmp-"), seen.toString());
        assertEquals(List.of("c.json"), seen.get(2));

        Files.writeString(dir.resolve(".c.json.tmp-1f"), "stale");
        Files.writeString(dir.resolve(".keep.tmp-notHex"), "not ours");
        assertEquals(List.of(".c.json.tmp-1f"), AtomicFiles.deleteStaleTemps(dir));
        assertEquals(List.of(".keep.tmp-notHex", "c.json"), listing());
    }

    @Test
    void replacesDirectoryAndKeepsOldOneWhenFillFails() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        AtomicFiles.replaceDirectory(ckpt, d -> Files.writeString(d.resolve("v"), "1"));
        assertEquals("1", Files.readString(ckpt.resolve("v")));
        AtomicFiles.replaceDirectory(ckpt, d -> {
            Files.createDirectory(d.resolve("sub"));
            Files.writeString(d.resolve("sub/w"), "2");
        });
        assertFalse(Files.exists(ckpt.resolve("v")));
        assertEquals("2", Files.readString(ckpt.resolve("sub/w")));
        assertThrows(IllegalStateException.class, () -> AtomicFiles.replaceDirectory(ckpt, d -> {
            Files.writeString(d.resolve("half"), "x");
            throw new IllegalStateException("crash in fill");
        }));
        assertEquals("2", Files.readString(ckpt.resolve("sub/w")));
        assertEquals(List.of("ckpt"), listing());
    }

    @Test
    void recoverPromotesACompleteNewDirectoryAfterACrashBetweenRenames() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        // State after a crash between steps (4) and (5): target missing, old and ready both
        // complete.
        Files.createDirectories(dir.resolve("ckpt.old-1"));
        Files.writeString(dir.resolve("ckpt.old-1/v"), "old");
        Files.createDirectories(dir.resolve("ckpt.ready-2"));
        Files.writeString(dir.resolve("ckpt.ready-2/v"), "new");
        Files.createDirectories(dir.resolve("ckpt.tmp-3"));
        assertTrue(AtomicFiles.recoverDirectory(ckpt));
        assertEquals("new", Files.readString(ckpt.resolve("v")));
        assertEquals(List.of("ckpt"), listing());
    }

    @Test
    void recoverRestoresTheOldDirectoryWhenNoCompleteNewOneExists() throws IOException {
        Path ckpt = dir.resolve("ckpt");
        Files.createDirectories(dir.resolve("ckpt.old-1"));
        Files.writeString(dir.resolve("ckpt.old-1/v"), "old");
        Files.createDirectories(dir.resolve("ckpt.tmp-3"));
        Files.writeString(dir.resolve("ckpt.tmp-3/v"), "half");
        assertTrue(AtomicFiles.recoverDirectory(ckpt));
        assertEquals("old", Files.readString(ckpt.resolve("v")));
        assertEquals(List.of("ckpt"), listing());
        assertFalse(AtomicFiles.recoverDirectory(ckpt));
        assertFalse(AtomicFiles.recoverDirectory(dir.resolve("never")));
    }
}
