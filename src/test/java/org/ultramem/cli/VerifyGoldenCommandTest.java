package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.testing.Goldens;
import org.ultramem.testing.CheckpointMutants;
import picocli.CommandLine;

class VerifyGoldenCommandTest {

    private static final Path TINY = Goldens.file("ultramem_v1_tiny.safetensors");

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new VerifyGoldenCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println(e.getMessage());
            return 2;
        });
        return cl.execute(args);
    }

    @Test
    void printsOneLinePerTensorAndPassesOnGolden() {
        StringWriter out = new StringWriter();
        int code = run(out, new StringWriter(), TINY.toString());
        assertEquals(0, code, out.toString());
        assertTrue(out.toString().contains("grad.keys"), out.toString());
        assertTrue(out.toString().contains("selected_grid_index"), out.toString());
    }

    @Test
    void rejectsFileMissingMetadata(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.safetensors");
        String header = "{\"input\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        byte[] h = header.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(8 + h.length + 4)
                .order(java.nio.ByteOrder.LITTLE_ENDIAN);
        buf.putLong(h.length).put(h).putFloat(1f);
        Files.write(bad, buf.array());
        try (SafeTensorsFile st = SafeTensorsFile.open(bad)) {
            assertEquals(Map.of(), st.metadata());
        }
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, bad.toString());
        assertEquals(2, code);
        assertTrue(err.toString().contains("__metadata__ lacks `hidden`"), err.toString());
    }

    @Test
    void rejectsADirectoryNamingItInsteadOfNoSuchDevice(@TempDir Path dir) {
        CliRuns.Run r = CliRuns.main("verify-golden", dir.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains(dir + " is a directory, not a regular file"),
                r.err());
    }

    @Test
    void rejectsMetadataTokensTheTensorsDoNotHaveBeforeAllocating(@TempDir Path dir)
            throws Exception {
        Path bad = CheckpointMutants.copyWithMetadata(TINY, dir.resolve("t.safetensors"),
                m -> m.put("tokens", "30000000"));
        CliRuns.Run r = CliRuns.main("verify-golden", bad.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("tensor `input` has shape [5, 16] but __metadata__"
                + " tokens and hidden say [30000000, 16]"), r.err());
    }

    @Test
    void namesTheKeyAndValueOfNonNumericMetadata(@TempDir Path dir) throws Exception {
        Path bad = CheckpointMutants.copyWithMetadata(TINY, dir.resolve("t.safetensors"),
                m -> m.put("rms_eps", "abc"));
        CliRuns.Run r = CliRuns.main("verify-golden", bad.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("__metadata__ `rms_eps` is \"abc\" but must be a"
                + " finite number > 0"), r.err());
    }

    @Test
    void rejectsAnIndexAboveAnIntAsAUserError(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("t.safetensors");
        Files.copy(TINY, bad);
        CheckpointMutants.editFile(bad, t -> {
            byte[] b = t.get("shuffle_index").bytes();
            java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0,
                    1L << 32);
        }, m -> { });
        CliRuns.Run r = CliRuns.main("verify-golden", bad.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("`shuffle_index` element 0 is 4294967296"),
                r.err());
    }
}
