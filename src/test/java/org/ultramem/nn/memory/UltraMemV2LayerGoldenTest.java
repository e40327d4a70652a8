package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.testing.Goldens;

/**
 * Parity with the official UltraMemV2 layer: every V2 golden file ({@link Goldens#v2Files()}),
 * forward, selections, scores, balance loss, online update and every gradient, with the default
 * (vector) and the scalar kernels. Error per tensor max|a − b| / max|b| ≤ 1e-4; the four
 * selection tensors must match exactly.
 */
class UltraMemV2LayerGoldenTest {

    static Stream<Path> goldenFiles() {
        return Goldens.v2Files().stream();
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void matchesGoldenOutputsSelectionsAndGradients(Path file) throws IOException {
        check(file, UltraMemV2Golden.verify(file));
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void scalarKernelsMatchGoldenToo(Path file) throws IOException {
        check(file, UltraMemV2Golden.verify(file, KernelProvider.scalar()));
    }

    /** Every stored gradient, output and selection of the file was compared, and all pass. */
    private static void check(Path file, List<UltraMemGolden.Comparison> results)
            throws IOException {
        Set<String> compared = new HashSet<>();
        results.forEach(c -> compared.add(c.tensor()));
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            for (String name : st.names()) {
                if (name.startsWith("grad.") || name.contains("selected_")
                        || name.endsWith(".output") || name.endsWith("balance_loss")
                        || name.endsWith("pre_score")) {
                    assertTrue(compared.contains(name), file.getFileName() + ": `" + name
                            + "` was not compared");
                }
            }
        }
        StringBuilder failures = new StringBuilder();
        for (UltraMemGolden.Comparison c : results) {
            if (!c.passes()) {
                failures.append(String.format("%n  %s: %.3g", c.tensor(), c.error()));
            }
        }
        assertTrue(failures.isEmpty(), file.getFileName() + " disagrees with the reference:"
                + failures);
    }
}
