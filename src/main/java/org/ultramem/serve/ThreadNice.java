package org.ultramem.serve;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The nice values of this process's threads, on Linux: {@code /proc/self/task} lists the threads
 * with their names ({@code comm}, the Java name cut to 15 bytes) and nice values ({@code stat});
 * {@code setpriority(PRIO_PROCESS, tid, nice)} sets one thread's, since under Linux's threads
 * the nice value belongs to each thread (man 2 setpriority, "Bugs"). Raising a priority (a lower
 * nice value) needs root or CAP_SYS_NICE; lowering one is always allowed.
 */
final class ThreadNice {

    /** One thread of this process. */
    record Task(int tid, String name, int nice) {
    }

    static final Path TASKS = Path.of("/proc/self/task");

    private static final int PRIO_PROCESS = 0;
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CALL_STATE.varHandle(
            MemoryLayout.PathElement.groupElement("errno"));
    /** setpriority, or null where there is none (not Linux, or no /proc). */
    private static final MethodHandle SET_PRIORITY = bind();

    private ThreadNice() {
    }

    /** True where thread nice values can be read and set (Linux with /proc). */
    static boolean supported() {
        return SET_PRIORITY != null;
    }

    /**
     * The process's threads now. A thread that ends while it is read is left out, so the list
     * is a snapshot that may already be stale.
     */
    static List<Task> tasks() {
        List<Task> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(TASKS)) {
            for (Path dir : dirs) {
                read(dir).ifPresent(out::add);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + TASKS + ": " + e.getMessage(), e);
        }
        return out;
    }

    /** The calling platform thread's id ({@code /proc/thread-self} links to its task). */
    static int currentTid() {
        try {
            return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self"))
                    .getFileName().toString());
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read /proc/thread-self: " + e.getMessage(), e);
        }
    }

    /** Sets thread {@code tid}'s nice value; returns 0, or the errno (EPERM or EACCES: not allowed; ESRCH: no such thread). */
    static int set(int tid, int nice) {
        if (SET_PRIORITY == null) {
            throw new IllegalStateException("thread priorities are only set on Linux");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CALL_STATE);
            int rc = (int) SET_PRIORITY.invokeExact(state, PRIO_PROCESS, tid, nice);
            return rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
        } catch (Throwable t) {
            throw new IllegalStateException("setpriority(" + tid + ", " + nice + ") failed: " + t,
                    t);
        }
    }

    private static Optional<Task> read(Path dir) {
        try {
            int tid = Integer.parseInt(dir.getFileName().toString());
            String name = Files.readString(dir.resolve("comm")).strip();
            String stat = Files.readString(dir.resolve("stat"));
            // After the name's closing parenthesis: state (field 3) ... nice (field 19).
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Optional.of(new Task(tid, name, Integer.parseInt(fields[16])));
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    private static MethodHandle bind() {
        if (!Files.isDirectory(TASKS)) {
            return null;
        }
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find("setpriority").map(symbol -> linker.downcallHandle(
                symbol, FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"))).orElse(null);
    }
}
