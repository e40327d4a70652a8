package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

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
}
