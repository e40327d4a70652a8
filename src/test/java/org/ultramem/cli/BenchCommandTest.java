package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    @Test
    void anUnknownKernelCaseIsAUserErrorNamingTheCases() {
        CliRuns.Run r = CliRuns.main("bench", "kernels", "--case", "shapes");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--case shapes is not a case; use one of gemm-shapes, topk,"
                + " parallel-region, decode-attention,"
                + " decode-gemm"), r.err());
    }

    /** A child JVM running the CLI with one extra system property; returns exit code and stderr. */
    private static CliRuns.Run withProperty(String property, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", property,
                "-cp", System.getProperty("java.class.path"), "org.ultramem.cli.Main"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the child JVM did not finish: " + cmd);
        }
        return new CliRuns.Run(p.exitValue(), "", err);
    }

    /**
     * A bad kernel property is a user error (one line naming the key, value and choices; exit 2),
     * not a class-initialisation failure, whichever kernel is touched first.
     */
    @Test
    @Tag("slow") // two child JVMs
    void aBadKernelPropertyIsOneLineAndExitTwo() throws Exception {
        CliRuns.Run r = withProperty("-Dultramem.kernels=simd", "bench", "kernels", "--case",
                "parallel-region");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("ultramem kernels: system property ultramem.kernels (simd) must"
                + " be 'vector' or 'scalar'"), r.err());
        r = withProperty("-Dultramem.vectorBits=384", "bench", "kernels", "--case", "topk");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("ultramem.vectorBits (384) must be 128, 256 or 512"), r.err());
        assertTrue(!r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
