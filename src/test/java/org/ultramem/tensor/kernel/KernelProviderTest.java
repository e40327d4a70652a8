package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class KernelProviderTest {

    @Test
    void choosesVectorKernelsWhenTheModuleIsPresent() {
        // Surefire passes --add-modules jdk.incubator.vector; -Dultramem.kernels=scalar would
        // override.
        if ("scalar".equals(System.getProperty("ultramem.kernels"))) {
            assertInstanceOf(ScalarKernels.class, KernelProvider.get());
        } else {
            assertInstanceOf(VectorKernels.class, KernelProvider.get());
        }
        assertSame(KernelProvider.get(), KernelProvider.get(), "chosen once");
    }

    @Test
    void scalarIsAlwaysTheReference() {
        assertInstanceOf(ScalarKernels.class, KernelProvider.scalar());
    }

    /**
     * The kernel tests run once per width (pom profile kernel-widths sets ultramem.vectorBits to
     * 256 and 512), so the species must be the one asked for, even above the CPU's width.
     */
    @Test
    void usesTheVectorWidthNamedByUltramemVectorBits() {
        String bits = System.getProperty("ultramem.vectorBits");
        int expected = bits == null || bits.isBlank()
                ? FloatVector.SPECIES_PREFERRED.vectorBitSize() : Integer.parseInt(bits.trim());
        assertEquals(expected, VectorKernels.SPECIES.vectorBitSize());
    }
}
