package org.ultramem.tensor.kernel;

import java.util.Locale;

/**
 * Chooses the {@link Kernels} implementation once per JVM (Lucene's {@code Holder} idiom): the
 * Vector API kernels when module {@code jdk.incubator.vector} is present and the system property
 * {@code ultramem.kernels} is not {@code scalar}; otherwise the scalar reference, with one line on
 * stderr saying why and how to get the fast path.
 */
public final class KernelProvider {

    private KernelProvider() {
    }

    /** The kernels every layer should use. */
    public static Kernels get() {
        return Holder.INSTANCE;
    }

    /** The plain-loop reference kernels (also the fallback). */
    public static Kernels scalar() {
        return ScalarKernels.INSTANCE;
    }

    private static final class Holder {
        static final Kernels INSTANCE = lookup();
    }

    private static Kernels lookup() {
        String choice = System.getProperty("ultramem.kernels", "vector").trim()
                .toLowerCase(Locale.ROOT);
        if (choice.equals("scalar")) {
            return ScalarKernels.INSTANCE;
        }
        if (!choice.equals("vector")) {
            throw new IllegalArgumentException("system property ultramem.kernels (" + choice
                    + ") must be 'vector' or 'scalar';"
                    + " pass -Dultramem.kernels=vector or leave it unset");
        }
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            System.err.println("ultramem: Vector API module not present, using slow scalar kernels"
                    + " (pass --add-modules jdk.incubator.vector to java to enable fast kernels)");
            return ScalarKernels.INSTANCE;
        }
        try {
            // Reflection keeps this class loadable when the module is absent.
            Class<?> type = Class.forName("org.ultramem.tensor.kernel.VectorKernels");
            return (Kernels) type.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            System.err.println("ultramem: vector kernels unavailable (" + cause
                    + "), using slow scalar kernels; run on JDK 25+ with"
                    + " --add-modules jdk.incubator.vector");
            return ScalarKernels.INSTANCE;
        }
    }
}
