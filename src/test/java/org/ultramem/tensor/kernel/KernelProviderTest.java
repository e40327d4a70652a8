package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KernelProviderTest {

    @Test
    void choosesVectorKernelsWhenTheModuleIsPresent() {
        // Surefire passes --add-modules jdk.incubator.vector; -Dultramem.kernels=scalar would
        // override.
        if ("scalar".equals(System.getProperty("ultramem.kernels"))) {
            assertInstanceOf(ScalarKernels.class, KernelProvider.get());
            assertFalse(KernelProvider.vectorized());
        } else {
            assertInstanceOf(VectorKernels.class, KernelProvider.get());
            assertTrue(KernelProvider.vectorized());
        }
        assertSame(KernelProvider.get(), KernelProvider.get(), "chosen once");
    }

    @Test
    void handsOutBothTwinsWhateverTheChoice() {
        assertInstanceOf(ScalarKernels.class, KernelProvider.scalar());
        assertTrue(KernelProvider.vectorAvailable());
        assertInstanceOf(VectorKernels.class, KernelProvider.vector());
        assertSame(KernelProvider.vector(), KernelProvider.vector(), "one vector twin per JVM");
        Kernels chosen = KernelProvider.get();
        assertTrue(chosen == KernelProvider.scalar() || chosen == KernelProvider.vector(),
                "get() is one of the twins: " + chosen);
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
        assertTrue(KernelProvider.vector().toString().contains(expected + "-bit"),
                KernelProvider.vector().toString());
    }

    @Test
    void parsesTheKernelsChoice() {
        assertTrue(KernelProvider.parseWantsVector(null));
        assertTrue(KernelProvider.parseWantsVector("  "));
        assertTrue(KernelProvider.parseWantsVector(" Vector "));
        assertFalse(KernelProvider.parseWantsVector("SCALAR"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"simd", "avx2", "scalar,vector", "0"})
    void rejectsABadKernelsValueNamingKeyValueAndChoices(String value) {
        String m = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.parseWantsVector(value)).getMessage();
        assertTrue(m.contains("ultramem.kernels (" + value + ")"), m);
        assertTrue(m.contains("'vector' or 'scalar'"), m);
    }

    @Test
    void parsesTheVectorWidth() {
        assertEquals(0, KernelProvider.parseVectorBits(null));
        assertEquals(0, KernelProvider.parseVectorBits(""));
        assertEquals(128, KernelProvider.parseVectorBits("128"));
        assertEquals(256, KernelProvider.parseVectorBits(" 256 "));
        assertEquals(512, KernelProvider.parseVectorBits("512"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"384", "1024", "wide", "256bits", "-256"})
    void rejectsABadVectorWidthNamingKeyValueAndChoices(String value) {
        String m = assertThrows(IllegalArgumentException.class,
                () -> KernelProvider.parseVectorBits(value)).getMessage();
        assertTrue(m.contains("ultramem.vectorBits (" + value + ")"), m);
        assertTrue(m.contains("128, 256 or 512"), m);
    }

    /**
     * The two properties are parsed in {@link KernelProvider} only, and only it probes for the
     * Vector API module: no kernel keeps a switch of its own (issue 14 found four).
     */
    @Test
    void onlyTheProviderReadsTheKernelProperties() throws IOException {
        List<String> offenders = new ArrayList<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                if (f.endsWith("KernelProvider.java")) {
                    continue;
                }
                String src = Files.readString(f);
                if (src.contains("\"ultramem.kernels\"") || src.contains("\"ultramem.vectorBits\"")
                        || src.contains("findModule(\"jdk.incubator.vector\")")) {
                    offenders.add(f.toString());
                }
            }
        }
        assertEquals(List.of(), offenders);
    }
    /**
     * Every method of {@link Kernels} has a differential test in this package that calls the
     * vector twin as {@code VECTOR.method(} (the tests compare it with the scalar twin over awkward
     * sizes; the pom runs them at 256 and 512 bits): a kernel added without one fails here.
     */
    @Test
    void everyKernelHasADifferentialTest() throws IOException {
        StringBuilder tests = new StringBuilder();
        try (Stream<Path> files = Files.list(Path.of("src/test/java/org/ultramem/tensor/kernel"))) {
            for (Path f : files.filter(p -> p.toString().endsWith("Test.java")).toList()) {
                tests.append(Files.readString(f));
            }
        }
        List<String> missing = new ArrayList<>();
        for (java.lang.reflect.Method m : Kernels.class.getMethods()) {
            if (!tests.toString().contains("VECTOR." + m.getName() + "(")) {
                missing.add(m.getName());
            }
        }
        assertEquals(List.of(), missing);
    }
}
