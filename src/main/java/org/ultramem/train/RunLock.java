package org.ultramem.train;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Ownership of a run directory by one training at a time: an OS lock on {@code <dir>/.lock}
 * ({@link FileChannel#tryLock}), held from before the directory is read until training ends. Two
 * trainings in one directory would interleave metrics.jsonl lines and commit model and optimizer
 * files from different runs; the second is refused at once, naming the holder's pid, which the
 * holder writes into the lock file.
 *
 * <p>The OS drops the lock when its process exits in any way, kill -9 included, so a crashed run
 * never blocks the next one; the lock file itself stays (a stale pid in it means nothing). OS file
 * locks belong to the whole JVM, so a second acquisition inside one JVM (another thread, or an
 * experiment suite and a command in one test) is refused by a set of the directories this JVM
 * holds. The lock file is never deleted: deleting it would let two processes lock two different
 * files of one name. Nothing else in this JVM may open it either: on Linux, closing any descriptor
 * of a file drops the process's lock on it (POSIX record locks), so directory copies skip it.
 */
public final class RunLock implements AutoCloseable {

    /** Name of the lock file inside a run directory. */
    public static final String FILE = ".lock";

    /** Real paths of the run directories this JVM holds. */
    private static final Set<Path> HELD = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Path key;
    private final FileChannel channel;
    private final FileLock lock;

    private RunLock(Path dir, Path key, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.key = key;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} if needed and takes it, or fails at once with an {@link IOException}
     * whose one-line message names the directory, the holder's pid and the fix. Also fails
     * clearly when {@code dir} is a regular file or cannot be written.
     */
    public static RunLock acquire(Path dir) throws IOException {
        Path key = createDirectory(dir);
        if (!HELD.add(key)) {
            throw inUse(dir, "this process (pid " + ProcessHandle.current().pid() + ")");
        }
        FileChannel ch = null;
        try {
            ch = FileChannel.open(dir.resolve(FILE), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held through another channel of this JVM (not through RunLock)
            }
            if (lock == null) {
                throw inUse(dir, holder(ch));
            }
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " since " + Instant.now()
                    + "\n").getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(false);
            return new RunLock(dir, key, ch, lock);
        } catch (FileSystemException e) { // the lock file cannot be created or written
            HELD.remove(key);
            closeQuietly(ch);
            throw notWritable(dir, e);
        } catch (IOException | RuntimeException | Error e) {
            HELD.remove(key);
            closeQuietly(ch);
            throw e;
        }
    }

    /** The directory this lock owns. */
    public Path dir() {
        return dir;
    }

    /** Clears the pid and releases the lock (the OS does the same if the process dies). */
    @Override
    public void close() throws IOException {
        try {
            if (channel.isOpen()) {
                channel.truncate(0); // while still holding: the next owner writes its own pid
                lock.release();
            }
        } finally {
            channel.close();
            HELD.remove(key);
        }
    }

    private static Path createDirectory(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IOException("output directory " + dir + " is an existing file, not a directory;"
                    + " pass a directory path (e.g. --out runs/NAME) or move the file away");
        }
        try {
            Files.createDirectories(dir);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("output directory " + dir + ": " + e.getFile() + " is an existing file,"
                    + " not a directory; pass another path (e.g. --out runs/NAME)", e);
        } catch (FileSystemException e) {
            throw notWritable(dir, e);
        }
        return dir.toRealPath();
    }

    private static IOException notWritable(Path dir, FileSystemException e) {
        String why = e instanceof AccessDeniedException ? "permission denied"
                : e.getReason() != null ? e.getReason() : e.getClass().getSimpleName();
        return new IOException("output directory " + dir + " is not writable (" + why + " on " + e.getFile()
                + "); fix its permissions or pass another --out on a writable file system", e);
    }

    /** What the lock file says about its holder ("pid N since T"), or why it says nothing. */
    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(256);
            ch.read(b, 0);
            String text = new String(b.array(), 0, b.position(), StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "another process (pid not yet written: it is just starting)"
                    : "another process (" + text.lines().findFirst().orElse(text) + ")";
        } catch (IOException e) {
            return "another process (its pid could not be read: " + e.getMessage() + ")";
        }
    }

    private static IOException inUse(Path dir, String who) {
        return new IOException("run directory " + dir + " is in use by " + who + ": two trainings in"
                + " one directory would overwrite each other's checkpoints and metrics; wait for it to"
                + " finish (or stop it), or pass another --out");
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // the original failure is what matters
            }
        }
    }
}
