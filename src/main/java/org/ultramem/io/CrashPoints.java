package org.ultramem.io;

import java.io.IOException;

/**
 * Named points inside crash-safe write sequences ({@link AtomicFiles}, checkpoint saves), where a
 * test can look at the file system exactly as a kill at that moment would leave it, or make the
 * write fail there (a full disk). Production code calls {@link #reached}; nothing happens unless a
 * test has installed a hook on the current thread with {@link #install}.
 *
 * <p>Points are reached in the order the bytes and renames happen, so a hook that copies the
 * directory at point k sees what a crash after point k leaves behind (temp files included: unlike
 * a thrown exception, copying runs no cleanup). The hook is per thread, so tests running writes on
 * other threads are not affected.
 */
public final class CrashPoints {

    /** What a test does at each point: observe the directory, or throw to make the write fail. */
    @FunctionalInterface
    public interface Hook {
        void at(String point) throws IOException;
    }

    /** Removes the hook when closed. */
    public interface Installed extends AutoCloseable {
        @Override
        void close();
    }

    private static final ThreadLocal<Hook> HOOK = new ThreadLocal<>();

    private CrashPoints() {
    }

    /** Calls the current thread's hook, if any, with {@code point} (e.g. "renamed model.safetensors"). */
    public static void reached(String point) throws IOException {
        Hook h = HOOK.get();
        if (h != null) {
            h.at(point);
        }
    }

    /** Installs {@code hook} on the current thread until the returned handle is closed. */
    public static Installed install(Hook hook) {
        Hook previous = HOOK.get();
        HOOK.set(hook);
        return () -> {
            if (previous == null) {
                HOOK.remove();
            } else {
                HOOK.set(previous);
            }
        };
    }
}
