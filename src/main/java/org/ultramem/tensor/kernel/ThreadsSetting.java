package org.ultramem.tensor.kernel;

/**
 * The kernel thread count, {@code -Dultramem.threads=N} (the launcher passes
 * {@code ULTRAMEM_THREADS} as it), default all cores. Parsed apart from {@link Parallel} so the
 * CLI can refuse a bad value in one line before anything starts the pool: a failure inside
 * Parallel's class initialisation would surface as an ExceptionInInitializerError.
 */
public final class ThreadsSetting {

    /** The system property. */
    public static final String PROPERTY = "ultramem.threads";

    private ThreadsSetting() {
    }

    /** The configured thread count; a bad value throws, naming the property and the fix. */
    public static int configured() {
        String p = System.getProperty(PROPERTY);
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int t = Integer.parseInt(p.trim());
            if (t >= 1) {
                return t;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("kernel threads (ULTRAMEM_THREADS or -D" + PROPERTY + ") is `" + p
                + "`; it must be an integer >= 1, e.g. ULTRAMEM_THREADS=2, or unset for all cores");
    }
}
