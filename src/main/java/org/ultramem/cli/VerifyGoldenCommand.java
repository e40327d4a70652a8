package org.ultramem.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.ultramem.io.MemoryBudget;
import org.ultramem.model.ModelMemory;
import org.ultramem.nn.memory.UltraMemGolden;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ultramem verify-golden FILE...}: replays golden vector files of the official UltraMem V1
 * layer through the Java layer and prints one line per tensor with its error
 * (max|a − b| / max|b|; mismatch count for the grid selection). Exit code 0 when every tensor of
 * every file is within 1e-4 and the selection matches exactly, 1 otherwise; a file missing tensors
 * or metadata is a user error (exit 2) naming what is missing.
 */
@Command(name = "verify-golden", mixinStandardHelpOptions = true,
        description = "Check the UltraMem layer against golden forward/backward vectors "
                + "(shared/golden/*.safetensors format).")
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
            requireMemory(file);
            out.println(file);
            for (UltraMemGolden.Comparison c : UltraMemGolden.verify(file)) {
                String verdict = c.passes() ? "ok" : "FAIL";
                if (c.exact()) {
                    out.printf("  %-28s mismatches %-10d %s%n", c.tensor(), (long) c.error(), verdict);
                } else {
                    out.printf("  %-28s max rel err %.3e  %s%n", c.tensor(), c.error(), verdict);
                }
                allPass &= c.passes();
            }
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
}
