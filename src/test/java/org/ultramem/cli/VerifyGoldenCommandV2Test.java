package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.testing.Goldens;
import picocli.CommandLine;

/** {@code verify-golden} on UltraMemV2 files: detection by metadata, per-case worst errors. */
class VerifyGoldenCommandV2Test {

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine cl = new CommandLine(new VerifyGoldenCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        cl.setExecutionExceptionHandler((e, c, p) -> {
            c.getErr().println(e.getMessage());
            return Main.isUserError(e) ? 2 : 70;
        });
        return cl.execute(args);
    }

    @Test
    void passesEveryV2CaseBesideAV1FileAndPrintsWorstErrors() {
        List<String> args = new ArrayList<>();
        Goldens.v2Files().forEach(p -> args.add(p.toString()));
        args.add(Goldens.file("ultramem_v1_tiny.safetensors").toString());
        StringWriter out = new StringWriter();
        int code = run(out, new StringWriter(), args.toArray(String[]::new));
        String text = out.toString();
        assertEquals(0, code, text);
        assertEquals(9, text.split("\\(UltraMemV2\\)", -1).length - 1, text);
        assertTrue(text.contains("(UltraMem V1)"), text);
        assertEquals(10, text.split("  worst: forward ", -1).length - 1, text);
        assertTrue(text.contains("grad.full.pre_values_for_look_up"), text);
        assertTrue(text.contains("layer1.selected_row"), text);
        assertTrue(text.contains("layer0.balance_loss"), text);
        assertTrue(text.contains("selections 0 mismatches"), text);
    }

    @Test
    void reportsAWrongOutputAsFailure(@TempDir Path dir) throws Exception {
        Path bad = rewrite(Goldens.v2File("ultramem_v2_base.safetensors"), dir, h -> { },
                "layer0.output");
        StringWriter out = new StringWriter();
        int code = run(out, new StringWriter(), bad.toString());
        assertEquals(1, code, out.toString());
        assertTrue(out.toString().contains("layer0.output") && out.toString().contains("FAIL"),
                out.toString());
    }

    @Test
    void rejectsMetadataThatContradictsTheConfig(@TempDir Path dir) throws Exception {
        Path bad = rewrite(Goldens.v2File("ultramem_v2_shared2.safetensors"), dir,
                h -> ((ObjectNode) h.get("__metadata__")).put("knum_real", "4"), null);
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, bad.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("`knum_real` (4) disagrees"), err.toString());
    }

    @Test
    void aHugeTokenCountIsAMismatchNotAnAllocation(@TempDir Path dir) throws Exception {
        // Before the check, tokens 3e7 sized every layer's buffers first (out of memory).
        Path bad = rewrite(Goldens.v2File("ultramem_v2_base.safetensors"), dir,
                h -> ((ObjectNode) h.get("__metadata__")).put("tokens", "30000000"), null);
        StringWriter err = new StringWriter();
        int code = run(new StringWriter(), err, bad.toString());
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("tensor `layer0.input` has")
                && err.toString().contains("from the metadata"), err.toString());
    }

    /**
     * A copy of {@code src} with its header edited and, when {@code negate} names a float
     * tensor, that tensor's first element negated.
     */
    private static Path rewrite(Path src, Path dir, Consumer<ObjectNode> edit, String negate)
            throws Exception {
        byte[] bytes = Files.readAllBytes(src);
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int headerLen = (int) in.getLong();
        ObjectNode header = (ObjectNode) new ObjectMapper().readTree(
                new String(bytes, 8, headerLen, StandardCharsets.UTF_8));
        edit.accept(header);
        byte[] data = java.util.Arrays.copyOfRange(bytes, 8 + headerLen, bytes.length);
        if (negate != null) {
            int at = header.get(negate).get("data_offsets").get(0).asInt();
            ByteBuffer d = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
            d.putFloat(at, -d.getFloat(at) - 1f);
        }
        byte[] h = new ObjectMapper().writeValueAsBytes(header);
        ByteBuffer out = ByteBuffer.allocate(8 + h.length + data.length)
                .order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(h.length).put(h).put(data);
        Path dst = dir.resolve(src.getFileName());
        Files.write(dst, out.array());
        return dst;
    }
}
