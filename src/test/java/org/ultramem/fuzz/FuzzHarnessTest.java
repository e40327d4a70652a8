package org.ultramem.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.ultramem.testing.Goldens;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ultramem.cli.Main;

/**
 * No input crashes the CLI: seeded mutants of every loaded file (whole cycles of every mutation
 * kind per target, 285 mutants) run through {@code Main}'s own command line in this JVM, each
 * under a deadline; each must end in a clean one-line error, a success or a declared failure.
 * A failure
 * names the mutant and the command that replays it ({@code ultramem fuzz --target T --seed 11
 * --index I}).
 */
@Tag("slow")
class FuzzHarnessTest {

    private static final long SEED = 11;
    private static final Path GOLDEN = Goldens.file("ultramem_v1_tiny.safetensors");

    @TempDir
    static Path tempDir;
    private static Path dir;

    private static CaseRunner runner;
    private static FuzzWorkspace workspace;
    private static PrintStream console;

    static final Cli CLI = (args, out, err) -> {
        var cl = Main.commandLine();
        cl.setOut(out);
        cl.setErr(err);
        return cl.execute(args);
    };

    @BeforeAll
    static void buildFixture() throws IOException {
        // Hang detection only: a case normally takes milliseconds.
        runner = new CaseRunner(CLI, Duration.ofSeconds(60));
        console = runner.console();
        // Cases that train save checkpoints with fsync; in memory (/dev/shm) that costs nothing.
        Path shm = Path.of("/dev/shm");
        dir = Files.isDirectory(shm) && Files.isWritable(shm)
                ? Files.createTempDirectory(shm, "ultramem-fuzz-test") : tempDir;
        workspace = FuzzWorkspace.create(dir, Files.isRegularFile(GOLDEN) ? GOLDEN : null, CLI);
    }

    @AfterAll
    static void close() throws IOException {
        if (runner != null) {
            runner.close();
        }
        if (dir != null && !dir.equals(tempDir)) {
            FuzzWorkspace.deleteTree(dir);
        }
    }

    @Test
    void theFixtureIsTheSameFileWhereverItIsBuilt() throws IOException {
        // Replaying `--seed S --index I` depends on it: mutants are made from these bytes.
        FuzzWorkspace other = FuzzWorkspace.create(tempDir.resolve("elsewhere/deeper"), null, CLI);
        for (FuzzTarget t : FuzzTarget.values()) {
            if (t != FuzzTarget.GOLDEN) {
                assertArrayEquals(workspace.original(t), other.original(t), t.id);
            }
        }
    }

    @ParameterizedTest
    @CsvSource({"model, 1", "optimizer, 1", "golden, 1", "tokenizer, 2", "config, 2", "run-config, 2"})
    void everyMutantEndsCleanly(String id, int cycles) throws IOException {
        FuzzTarget target = FuzzTarget.of(id);
        int cycle = target.safetensors ? SafeTensorsMutator.SCHEDULE.size() : JsonMutator.SCHEDULE.size();
        Campaign.Report r = Campaign.run(workspace, runner, new Campaign.Options(target, SEED, 0,
                cycle * cycles, 20, 1, c -> false), null, c -> { });
        console.print(r.text());
        assertTrue(r.offenders().isEmpty() && r.findings() == r.tolerated(),
                "mutants that crashed the CLI:\n" + r.text());
    }
}
