package org.ultramem.io;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one check every allocation sized by user input goes through before it allocates: the
 * estimated bytes against what the JVM can still give, so sizes that fit the file formats but not
 * the machine fail with one line (what needs how much, what is available, the fix) instead of an
 * {@link OutOfMemoryError} halfway through.
 *
 * <p>Two pools: the Java heap ({@link #requireHeap}: {@code Runtime.maxMemory()} minus what is in
 * use) and native memory allocated through {@link java.lang.foreign.Arena}s ({@link
 * #requireNative}: what the machine has available). Before refusing, the heap check runs one
 * garbage collection and measures again, so garbage left by an earlier phase does not count.
 *
 * <p>Sizes are counted in {@code long} with {@link Math#multiplyExact}: {@link #bytes} turns an
 * overflow into the same clear refusal, never a wrapped, negative or too small count.
 */
public final class MemoryBudget {

    /** The environment variable the launcher passes to the JVM (the {@code ultramem} script). */
    public static final String JAVA_OPTS = "ULTRAMEM_JAVA_OPTS";

    private static final long GIB = 1L << 30;
    private static final Path MEMINFO = Path.of("/proc/meminfo");

    private MemoryBudget() {
    }

    /** Heap bytes the JVM can still allocate: max heap minus what is in use now. */
    public static long availableHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    /**
     * Native bytes the machine can still give an {@link java.lang.foreign.Arena}: Linux's
     * {@code MemAvailable} (free memory plus reclaimable page cache), else the JVM's view of
     * free physical memory (container-aware). Arena memory is not bounded by {@code -Xmx} or
     * {@code -XX:MaxDirectMemorySize}; past this, the kernel's out-of-memory killer ends the
     * process without a message.
     */
    public static long availableNative() {
        try {
            for (String line : Files.readAllLines(MEMINFO)) {
                if (line.startsWith("MemAvailable:")) {
                    String kib = line.substring("MemAvailable:".length()).replace("kB", "").trim();
                    return Long.parseLong(kib) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the JVM's figure below
        }
        var os = ManagementFactory.getPlatformMXBean(
                com.sun.management.OperatingSystemMXBean.class);
        return os == null ? Long.MAX_VALUE : os.getFreeMemorySize();
    }

    /**
     * Refuses unless {@code bytes} fit the heap: throws {@link MemoryBudgetException} with
     * "{@code what} needs N GiB of Java heap but A GiB is available (max heap M GiB); {@code fix},
     * or raise the heap: ULTRAMEM_JAVA_OPTS=-XmxNg". {@code fix} names the user's other way out
     * (the option or config key that sets the size), or is null.
     */
    public static void requireHeap(String what, long bytes, String fix) {
        if (bytes <= availableHeap()) {
            return;
        }
        System.gc(); // only on the refusal path: garbage of an earlier phase is not a real use
        long available = availableHeap();
        if (bytes <= available) {
            return;
        }
        Runtime rt = Runtime.getRuntime();
        long inUse = rt.maxMemory() - available;
        throw new MemoryBudgetException(String.format(Locale.ROOT,
                "%s needs %s of Java heap but %s is available (max heap %s); %sraise the heap: %s",
                what, human(bytes), human(available), human(rt.maxMemory()),
                fix == null ? "" : fix + ", or ", xmxHint(inUse, bytes)));
    }

    /**
     * As {@link #requireHeap} for native memory allocated through arenas (KV caches, converted
     * weight copies), against {@link #availableNative()}.
     */
    public static void requireNative(String what, long bytes, String fix) {
        long available = availableNative();
        if (bytes <= available) {
            return;
        }
        throw new MemoryBudgetException(String.format(Locale.ROOT,
                "%s needs %s of native memory but the machine has %s available; %s", what,
                human(bytes), human(available), fix == null ? "use smaller sizes" : fix));
    }

    /**
     * {@code count × bytesPerElement} as an exact long; an overflow (a size no machine holds)
     * becomes a {@link MemoryBudgetException} naming {@code what}.
     */
    public static long bytes(String what, long count, long bytesPerElement) {
        try {
            return Math.multiplyExact(count, bytesPerElement);
        } catch (ArithmeticException e) {
            throw overflow(what);
        }
    }

    /** The exception for a size whose byte count overflows 64 bits. */
    public static MemoryBudgetException overflow(String what) {
        return new MemoryBudgetException(what + " needs more than 2^63 bytes (the sizes overflow"
                + " a 64-bit count); no machine holds that: use sizes that fit in memory");
    }

    /** {@code bytes} for people: "512 KiB", "3.2 GiB". */
    public static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, v < 10 ? "%.1f %s" : "%.0f %s", v, units[u]);
    }

    /** "ULTRAMEM_JAVA_OPTS=-Xmx12g": what is in use plus the need plus a quarter, whole GiB. */
    static String xmxHint(long inUse, long need) {
        double want = (Math.max(0, inUse) + (double) need) * 1.25;
        long gib = (long) Math.ceil(want / GIB);
        return JAVA_OPTS + "=-Xmx" + Math.max(1, gib) + "g";
    }
}
