package org.ultramem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ultramem.io.MemoryBudget;
import org.ultramem.model.ModelMemory;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.nn.memory.UltraMemGolden;
import org.ultramem.nn.memory.UltraMemGolden.Comparison;
import org.ultramem.nn.memory.UltraMemV2Golden;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ultramem verify-golden FILE...}: replays golden vector files of the official UltraMem V1
 * layer or the official UltraMemV2 layer (told apart by their {@code __metadata__}, see
 * {@link UltraMemV2Golden#isV2}) through the Java layers and prints one line per tensor with its
 * error (max|a − b| / max|b|; mismatch count for selections), then one line per file with the
 * worst forward error, the worst gradient error and the selection mismatches. Exit code 0 when
 * every tensor of every file is within 1e-4 and every selection matches exactly, 1 otherwise; a
 * file missing tensors or metadata is a user error (exit 2) naming what is missing.
 */
@Command(name = "verify-golden", mixinStandardHelpOptions = true,
        description = "Check the UltraMem (V1) or UltraMemV2 layer against golden forward/backward "
                + "vectors (shared/golden/*.safetensors and shared/golden/v2/*.safetensors).")
public final class VerifyGoldenCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "golden .safetensors files")
    List<Path> files;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        boolean allPass = true;
        for (Path file : files) {
            boolean v2;
            try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
                v2 = UltraMemV2Golden.isV2(st.metadata());
            }
            if (!v2) {
                requireMemory(file);
            }
            List<Comparison> results = v2 ? UltraMemV2Golden.verify(file)
                    : UltraMemGolden.verify(file);
            out.println(file + (v2 ? " (UltraMemV2)" : " (UltraMem V1)"));
            int width = 28;
            for (Comparison c : results) {
                width = Math.max(width, c.tensor().length());
            }
            for (Comparison c : results) {
                String verdict = c.passes() ? "ok" : "FAIL";
                if (c.exact()) {
                    out.printf("  %-" + width + "s mismatches %-10d %s%n", c.tensor(),
                            (long) c.error(), verdict);
                } else {
                    out.printf("  %-" + width + "s max rel err %.3e  %s%n", c.tensor(), c.error(),
                            verdict);
                }
                allPass &= c.passes();
            }
            out.println(worstLine(results));
        }
        out.println(allPass ? "all tensors within " + UltraMemGolden.TOLERANCE
                : "some tensors exceed " + UltraMemGolden.TOLERANCE);
        out.flush();
        return allPass ? 0 : 1;
    }

    /**
     * Refuses a golden file whose metadata sizes a layer and token buffers that do not fit the
     * heap: the layer for {@code tokens} tokens plus the file's input, output and gradient
     * copies (six [tokens, hidden] arrays).
     */
    private static void requireMemory(Path file) throws IOException {
        UltraMemGolden.Shape shape = UltraMemGolden.shapeOf(file);
        String what = file + " (__metadata__ tokens " + shape.tokens() + ", hidden "
                + shape.hidden() + ")";
        long io = MemoryBudget.bytes(what, (long) shape.tokens() * shape.hidden(), 6 * 4);
        long layer = ModelMemory.ultraMemLayerBytes(shape.config(), shape.hidden(),
                shape.tokens());
        MemoryBudget.requireHeap(what, Math.addExact(io, layer), "regenerate the golden file with"
                + " fewer tokens");
    }

    /** "worst: forward e (tensor), gradients e (tensor), selections n mismatches". */
    static String worstLine(List<Comparison> results) {
        Comparison forward = null;
        Comparison gradient = null;
        long mismatches = 0;
        for (Comparison c : results) {
            if (c.exact()) {
                mismatches += (long) c.error();
            } else if (c.tensor().startsWith("grad.")) {
                gradient = worse(gradient, c);
            } else {
                forward = worse(forward, c);
            }
        }
        return String.format(Locale.ROOT,
                "  worst: forward %s, gradients %s, selections %d mismatches", describe(forward), describe(gradient), mismatches);
    }

    /** The larger error of the two; NaN counts as the worst. */
    private static Comparison worse(Comparison a, Comparison b) {
        if (a == null || Double.isNaN(b.error())) {
            return b;
        }
        return !Double.isNaN(a.error()) && b.error() > a.error() ? b : a;
    }

    private static String describe(Comparison c) {
        return c == null ? "none" : String.format(Locale.ROOT, "%.3e (%s)", c.error(), c.tensor());
    }
}
