package org.ultramem.tensor.kernel;

import java.util.Locale;

/**
 * The one place that chooses kernels, and hands out both twins of every kernel: {@link #get()}
 * (what layers, decoders and benches use), {@link #scalar()} (plain loops: reference and fallback)
 * and {@link #vector()} (Vector API, for differential tests whatever the choice). Every SIMD body
 * in this package (GEMM, element-wise rows, attention, top-k, gathered sums, key scores, the
 * segment kernels of decode) is reached through a {@link Kernels}, never through a switch of its
 * own.
 *
 * <p>Two system properties are read here and nowhere else, once per JVM (Lucene's
 * {@code Holder} idiom):
 * <ul>
 *   <li>{@value #KERNELS_KEY} = {@code vector} (default) or {@code scalar};</li>
 *   <li>{@value #VECTOR_BITS_KEY} = 128, 256 or 512: the species width of the vector twin
 *       (unset: the widest the CPU offers). A width above the CPU's is emulated, correct but slow,
 *       which is how the kernel tests cover 256- and 512-bit code on any machine (pom profile
 *       {@code kernel-widths}).</li>
 * </ul>
 * A bad value fails with an {@link IllegalArgumentException} naming the key, the value and the
 * allowed values, on every call (not a one-off class-initialisation error). The vector twin falls
 * back to the scalar one, with one line on stderr naming the fix, when module
 * {@code jdk.incubator.vector} is absent.
 */
public final class KernelProvider {

    /** System property choosing the implementation. */
    public static final String KERNELS_KEY = "ultramem.kernels";
    /** System property naming the vector species width in bits. */
    public static final String VECTOR_BITS_KEY = "ultramem.vectorBits";

    private KernelProvider() {
    }

    /** The kernels every layer, decoder and bench should use (chosen once). */
    public static Kernels get() {
        Settings.check();
        return Holder.CHOSEN;
    }

    /** The plain-loop reference kernels (also the fallback). */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    /**
     * The Vector API kernels at the species width of {@value #VECTOR_BITS_KEY}, even when
     * {@value #KERNELS_KEY} is {@code scalar} (differential tests compare both twins).
     *
     * @throws UnsupportedOperationException when the Vector API is not available, naming the fix
     */
    public static Kernels vector() {
        Settings.check();
        Kernels v = Holder.VECTOR;
        if (v == null) {
            throw new UnsupportedOperationException("Vector API kernels unavailable in this JVM ("
                    + Holder.WHY_NO_VECTOR + "); run on JDK 25+ with"
                    + " --add-modules jdk.incubator.vector");
        }
        return v;
    }

    /** True when {@link #vector()} can hand out the Vector API twin in this JVM. */
    public static boolean vectorAvailable() {
        Settings.check();
        return Holder.VECTOR != null;
    }

    /** True when {@link #get()} is the Vector API twin. */
    public static boolean vectorized() {
        return get() != ScalarKernels.INSTANCE;
    }

    /**
     * The species width requested by {@value #VECTOR_BITS_KEY}: 128, 256, 512, or 0 for unset.
     * Never throws (0 when a property is bad): it runs inside {@code VectorKernels}' class
     * initialisation, where an exception would become an {@link ExceptionInInitializerError};
     * the bad value is reported by {@link #get()} and {@link #vector()} instead.
     */
    static int requestedVectorBits() {
        return Settings.VECTOR_BITS;
    }

    /**
     * Parses a value of {@value #KERNELS_KEY}: true for {@code vector} (also null or blank: the
     * default), false for {@code scalar}, ignoring case and surrounding blanks.
     *
     * @throws IllegalArgumentException for anything else, naming the key, value and choices
     */
    static boolean parseWantsVector(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (v.isEmpty() || v.equals("vector")) {
            return true;
        }
        if (v.equals("scalar")) {
            return false;
        }
        throw new IllegalArgumentException("system property " + KERNELS_KEY + " (" + value.trim()
                + ") must be 'vector' or 'scalar'; pass -D" + KERNELS_KEY + "=vector (or scalar)"
                + " or leave it unset");
    }

    /**
     * Parses a value of {@value #VECTOR_BITS_KEY}: 128, 256 or 512, or 0 when null or blank.
     *
     * @throws IllegalArgumentException for anything else, naming the key, value and choices
     */
    static int parseVectorBits(String value) {
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            int b = Integer.parseInt(value.trim());
            if (b == 128 || b == 256 || b == 512) {
                return b;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the message below
        }
        throw new IllegalArgumentException("system property " + VECTOR_BITS_KEY + " ("
                + value.trim() + ") must be 128, 256 or 512; leave it unset to use the widest"
                + " the CPU offers");
    }

    /** The two properties, parsed once; a bad value is kept and rethrown on every use. */
    private static final class Settings {
        static final IllegalArgumentException ERROR;
        static final boolean WANTS_VECTOR;
        static final int VECTOR_BITS;

        static {
            IllegalArgumentException error = null;
            boolean wantsVector = true;
            int bits = 0;
            try {
                wantsVector = parseWantsVector(System.getProperty(KERNELS_KEY));
                bits = parseVectorBits(System.getProperty(VECTOR_BITS_KEY));
            } catch (IllegalArgumentException e) {
                error = e;
            }
            ERROR = error;
            WANTS_VECTOR = wantsVector;
            VECTOR_BITS = bits;
        }

        static void check() {
            if (ERROR != null) {
                throw new IllegalArgumentException(ERROR.getMessage(), ERROR);
            }
        }
    }

    /** The chosen kernels; only touched after {@link Settings#check()} passed. */
    private static final class Holder {
        static final String WHY_NO_VECTOR;
        static final Kernels VECTOR;
        static final Kernels CHOSEN;

        static {
            String why = null;
            Kernels vector = null;
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
                why = "module jdk.incubator.vector not present";
            } else {
                try {
                    // Reflection keeps this class loadable when the module is absent.
                    Class<?> type = Class.forName("org.ultramem.tensor.kernel.VectorKernels");
                    vector = (Kernels) type.getDeclaredConstructor().newInstance();
                } catch (ReflectiveOperationException | LinkageError e) {
                    Throwable cause = e.getCause() != null ? e.getCause() : e;
                    why = cause.toString();
                }
            }
            WHY_NO_VECTOR = why;
            VECTOR = vector;
            if (Settings.WANTS_VECTOR && vector == null) {
                System.err.println("ultramem: vector kernels unavailable (" + why + "), using"
                        + " slow scalar kernels; run on JDK 25+ with"
                        + " --add-modules jdk.incubator.vector");
            }
            CHOSEN = Settings.WANTS_VECTOR && vector != null ? vector : ScalarKernels.INSTANCE;
        }
    }
}
