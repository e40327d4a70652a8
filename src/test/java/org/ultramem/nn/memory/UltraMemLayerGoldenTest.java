package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.testing.Goldens;

/**
 * Parity with the official PyTorch layer: every V1 golden file ({@link Goldens}), forward and
 * backward, with both the default (vector) and the scalar kernels. Error measure per tensor:
 * max|a − b| / max|b| ≤ 1e-4 (README bound); the grid selection must match exactly.
 */
class UltraMemLayerGoldenTest {

    static Stream<Path> goldenFiles() {
        return Goldens.v1Files().stream();
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void matchesGoldenOutputsAndGradients(Path file) throws IOException {
        check(file, UltraMemGolden.verify(file));
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void scalarKernelsMatchGoldenToo(Path file) throws IOException {
        check(file, UltraMemGolden.verify(file, KernelProvider.scalar()));
    }

    private static void check(Path file, List<UltraMemGolden.Comparison> results) {
        assertTrue(results.size() >= 8, "too few comparisons: " + results);
        StringBuilder failures = new StringBuilder();
        for (UltraMemGolden.Comparison c : results) {
            if (!c.passes()) {
                failures.append(String.format("%n  %s: %.3g", c.tensor(), c.error()));
            }
        }
        assertTrue(failures.isEmpty(), file.getFileName() + " disagrees with the reference:" + failures);
    }
}
