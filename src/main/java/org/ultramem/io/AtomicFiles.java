package org.ultramem.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;

/**
 * Crash-safe replacement of files and directories: write beside the target, fsync, then rename.
 *
 * <p><b>Files</b> ({@link #write}, {@link #writeString}, {@link #writeStream},
 * {@link #writeChannel}): the content goes to {@code .<name>.tmp-<random>} in the target's
 * directory, is fsynced, renamed over the target with {@code ATOMIC_MOVE}, and the directory is
 * fsynced. Guarantee: after a crash at any point the target holds either the complete old content
 * or the complete new content, never a mix; a crash before the rename may leave a stale
 * {@code .<name>.tmp-*} file (harmless; {@link #deleteStaleTemps} removes them). If the body
 * throws, the temp file is deleted and the target is untouched; an I/O error that names no file
 * (a full disk) is rethrown naming the target. The steps report themselves to {@link CrashPoints}
 * so tests can check every crash window.
 *
 * <p><b>Directories</b> ({@link #replaceDirectory}): Java cannot swap two directories atomically,
 * so the steps are (1) fill {@code <name>.tmp-<r>}, (2) fsync every file in it and the directory,
 * (3) rename it to {@code <name>.ready-<r>} (now known complete), (4) rename the old target to
 * {@code <name>.old-<r>}, (5) rename {@code .ready-<r>} to the target, (6) fsync the parent and
 * delete {@code .old-<r>}. Crash windows: during (1)-(3) the old target is intact and a stale
 * {@code .tmp-*} may remain; between (4) and (5) the target is <em>missing</em> while both the
 * complete old ({@code .old-*}) and complete new ({@code .ready-*}) exist; after (5) a stale
 * {@code .old-*} may remain. {@link #recoverDirectory} repairs every case (promotes a
 * {@code .ready-*}, else restores an {@code .old-*}, then removes leftovers); call it before
 * reading a directory written this way. The previous content is kept until the new one is complete.
 *
 * <p>Atomic rename needs the temp and the target on one file system, which holds because they are
 * siblings. Directory fsync is skipped where the platform refuses it (Windows).
 */
public final class AtomicFiles {

    /** A body that writes to a resource and may throw {@link IOException}. */
    @FunctionalInterface
    public interface IoConsumer<T> {
        void accept(T t) throws IOException;
    }

    /** Infix of a temp file's name: {@code .<name>.tmp-<hex>}. */
    private static final String TEMP_MARK = ".tmp-";
    private static final java.util.regex.Pattern STALE_TEMP =
            java.util.regex.Pattern.compile("\\..+\\.tmp-[0-9a-f]+");

    private AtomicFiles() {
    }

    /** Atomically replaces {@code target} with {@code bytes}. */
    public static void write(Path target, byte[] bytes) throws IOException {
        writeStream(target, out -> out.write(bytes));
    }

    /** Atomically replaces {@code target} with {@code text} in UTF-8. */
    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Atomically replaces {@code target} with what {@code body} writes to the stream. */
    public static void writeStream(Path target, IoConsumer<OutputStream> body) throws IOException {
        writeChannel(target, ch -> {
            OutputStream out = Channels.newOutputStream(ch);
            var buffered = new java.io.BufferedOutputStream(out, 1 << 16);
            body.accept(buffered);
            buffered.flush(); // do not close: writeChannel forces and closes the channel
        });
    }

    /** Atomically replaces {@code target} with what {@code body} writes to the channel. */
    public static void writeChannel(Path target, IoConsumer<FileChannel> body) throws IOException {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        String name = abs.getFileName().toString();
        Path tmp = dir.resolve("." + name + TEMP_MARK + randomSuffix());
        boolean done = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                CrashPoints.reached("created temp file of " + name);
                body.accept(ch);
                ch.force(true);
            }
            CrashPoints.reached("wrote temp file of " + name);
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            done = true;
            fsyncDirectory(dir);
            CrashPoints.reached("renamed " + name + " into place");
        } catch (IOException e) {
            throw namingTheFile(abs, e);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * {@code e} itself when its message names the file (a {@code FileSystemException} does),
     * else an IOException that does: a bare "No space left on device" from a write names nothing.
     */
    private static IOException namingTheFile(Path file, IOException e) {
        String m = e.getMessage();
        if (m != null && m.contains(file.getFileName().toString())) {
            return e;
        }
        String hint = m != null && m.contains("No space left")
                ? "; free space on that file system or write somewhere else" : "";
        return new IOException("cannot write " + file + ": " + m + hint, e);
    }

    /**
     * Deletes the temp files that writes into {@code dir} interrupted by a crash leave behind
     * ({@code .<name>.tmp-<hex>}, see the class comment); returns their names. Only call it while
     * no other thread or process writes into {@code dir}: their temp files look the same.
     */
    public static List<String> deleteStaleTemps(Path dir) throws IOException {
        List<String> deleted = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return deleted;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p ->
                STALE_TEMP.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p))) {
            for (Path p : ds) {
                Files.deleteIfExists(p);
                deleted.add(p.getFileName().toString());
            }
        }
        if (!deleted.isEmpty()) {
            fsyncDirectory(dir);
        }
        deleted.sort(null);
        return deleted;
    }

    /**
     * Replaces directory {@code target} with one that {@code fill} populates (it receives an empty
     * staging directory). See the class comment for the steps and crash windows. If {@code fill}
     * throws, the staging directory is removed and the target is untouched.
     */
    public static void replaceDirectory(Path target, IoConsumer<Path> fill) throws IOException {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        Files.createDirectories(parent);
        recoverDirectory(abs);
        String name = abs.getFileName().toString();
        String r = randomSuffix();
        Path staging = parent.resolve(name + ".tmp-" + r);
        Path ready = parent.resolve(name + ".ready-" + r);
        Path old = parent.resolve(name + ".old-" + r);
        Files.createDirectory(staging);
        try {
            fill.accept(staging);
            fsyncTree(staging);
        } catch (IOException | RuntimeException | Error e) {
            deleteTree(staging);
            throw e;
        }
        Files.move(staging, ready, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(parent);
        boolean hadOld = Files.exists(abs);
        if (hadOld) {
            Files.move(abs, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(ready, abs, StandardCopyOption.ATOMIC_MOVE);
        fsyncDirectory(parent);
        if (hadOld) {
            deleteTree(old);
        }
    }

    /**
     * Repairs what a crash inside {@link #replaceDirectory} may leave beside {@code target}: when
     * the target is missing, the newest complete {@code .ready-*} is promoted, else an
     * {@code .old-*} is restored; then stale {@code .tmp-*}, {@code .ready-*} and {@code .old-*}
     * siblings are deleted. Returns true when the target was missing and has been restored.
     */
    public static boolean recoverDirectory(Path target) throws IOException {
        Path abs = target.toAbsolutePath();
        Path parent = abs.getParent();
        if (!Files.isDirectory(parent)) {
            return false;
        }
        String name = abs.getFileName().toString();
        List<Path> ready = siblings(parent, name + ".ready-");
        List<Path> old = siblings(parent, name + ".old-");
        boolean restored = false;
        if (!Files.exists(abs)) {
            Path source = !ready.isEmpty() ? newest(ready) : !old.isEmpty() ? newest(old) : null;
            if (source != null) {
                Files.move(source, abs, StandardCopyOption.ATOMIC_MOVE);
                fsyncDirectory(parent);
                restored = true;
            }
        }
        for (String kind : List.of(".tmp-", ".ready-", ".old-")) {
            for (Path p : siblings(parent, name + kind)) {
                deleteTree(p);
            }
        }
        return restored;
    }

    /** Deletes a file or a directory tree; no-op when absent. */
    public static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static List<Path> siblings(Path parent, String prefix) throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, p ->
                p.getFileName().toString().startsWith(prefix))) {
            ds.forEach(out::add);
        }
        return out;
    }

    private static Path newest(List<Path> paths) {
        return paths.stream().max(Comparator.comparing(p -> {
            try {
                return Files.getLastModifiedTime(p);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        })).orElseThrow();
    }

    private static void fsyncTree(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                        ch.force(true);
                    }
                } else if (Files.isDirectory(p)) {
                    fsyncDirectory(p);
                }
            }
        }
    }

    /** Makes a rename inside {@code dir} durable (best effort where directories cannot sync). */
    public static void fsyncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some platforms (Windows) cannot open or sync a directory; the rename is still atomic.
        }
    }

    private static String randomSuffix() {
        return Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1);
    }
}
