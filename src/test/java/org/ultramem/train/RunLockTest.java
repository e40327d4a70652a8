package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One owner per run directory; the cross-process case is in {@code cli.TrainCommandLockTest}. */
class RunLockTest {

    @TempDir
    Path dir;

    private static final String PID = "pid " + ProcessHandle.current().pid();

    @Test
    void aSecondAcquisitionInThisJvmIsRefusedNamingThePidUntilTheFirstCloses() throws Exception {
        Path run = dir.resolve("run");
        try (RunLock first = RunLock.acquire(run)) {
            assertEquals(run, first.dir());
            assertTrue(Files.readString(run.resolve(RunLock.FILE)).startsWith(PID + " since "),
                    "the holder writes its pid into the lock file");
            IOException same = assertThrows(IOException.class, () -> RunLock.acquire(run));
            assertTrue(same.getMessage().contains(run.toString()) && same.getMessage().contains(PID)
                    && same.getMessage().contains("--out"), same.getMessage());
            // another name of the same directory (a symbolic link), from another thread
            Path alias = Files.createSymbolicLink(dir.resolve("alias"), run);
            IOException other = CompletableFuture.supplyAsync(() -> assertThrows(IOException.class,
                    () -> RunLock.acquire(alias))).get();
            assertTrue(other.getMessage().contains(PID), other.getMessage());
        }
        assertEquals("", Files.readString(run.resolve(RunLock.FILE)), "a released lock names nobody");
        try (RunLock again = RunLock.acquire(run)) {
            assertTrue(Files.readString(run.resolve(RunLock.FILE)).startsWith(PID));
        }
    }

    @Test
    void differentDirectoriesAreIndependent() throws Exception {
        try (RunLock a = RunLock.acquire(dir.resolve("a")); RunLock b = RunLock.acquire(dir.resolve("b"))) {
            assertTrue(Files.isDirectory(a.dir()) && Files.isDirectory(b.dir()));
        }
    }

    @Test
    void aRegularFileAsTheDirectoryFailsNamingItAndTheFix() throws Exception {
        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        IOException e = assertThrows(IOException.class, () -> RunLock.acquire(file));
        assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("not a directory")
                && e.getMessage().contains("--out"), e.getMessage());
        IOException below = assertThrows(IOException.class, () -> RunLock.acquire(file.resolve("run")));
        assertTrue(below.getMessage().contains(file.toString()), below.getMessage());
        assertEquals("x", Files.readString(file), "the file is left alone");
    }

    @Test
    void anUnwritableParentFailsNamingItAndTheFix() throws Exception {
        // root ignores permission bits, so this check only means something for other users
        assumeTrue(!"root".equals(System.getProperty("user.name")), "running as root: permissions are not enforced");
        Path locked = Files.createDirectories(dir.resolve("ro"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            IOException e = assertThrows(IOException.class, () -> RunLock.acquire(locked.resolve("run")));
            assertTrue(e.getMessage().contains("not writable") && e.getMessage().contains("permission denied")
                    && e.getMessage().contains("--out"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }
}
