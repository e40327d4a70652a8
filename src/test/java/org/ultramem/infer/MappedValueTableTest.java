package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.SafeTensorsWriter;

/**
 * A value table larger than the heap: a model whose UltraMem value table is ~1.5 GB decodes in a
 * forked JVM limited to {@code -Xmx512m} (the table stays mapped, paging in on demand), and gives
 * the same logits as in this JVM.
 */
@Tag("slow")
class MappedValueTableTest {

    private static final int K0 = 1400;
    private static final int DV = 192;
    private static final int D = 32;
    private static final int V = 50;

    @Test
    void valueTableBiggerThanTheHeapDecodesFromTheMapping(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model");
        Files.createDirectories(model);
        writeModel(model, dir.resolve("values.raw"));
        double here = MappedModelProbe.checksum(model);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "--add-modules", "jdk.incubator.vector", "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), MappedModelProbe.class.getName(),
                model.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        // Bit-exact: lane sums and exp are tier-independent (Lanes, VectorExp), so a cold JVM that
        // runs the kernels interpreted must print the same checksum as this warm one.
        Matcher m = Pattern.compile("checksum (\\S+)")
                .matcher(out);
        assertTrue(m.find(), "forked JVM printed no checksum:\n" + out);
        double there = Double.parseDouble(m.group(1));
        assertEquals(here, there, "forked JVM printed:\n" + out);
        long table = (long) K0 * K0 * DV * 4;
        assertTrue(table > 3L * 512 * 1024 * 1024 / 2, "the table (" + table + " B) must exceed the"
                + " forked heap");
    }

    private static void writeModel(Path model, Path rawFile) throws Exception {
        Files.writeString(model.resolve("config.json"), """
                {"vocab_size": %d, "hidden_size": %d, "num_hidden_layers": 1,
                 "num_attention_heads": 2, "intermediate_size": 48,
                 "max_position_embeddings": 16,
                 "memory_layers": [{"mem_type": "ultramem", "mem_knum": %d, "mem_kdim": 16,
                   "mem_vdim": %d, "mem_knn": 4, "value_expand": 1, "placement": "0:0"}]}
                """.formatted(V, D, K0, DV));
        SplittableRandom rnd = new SplittableRandom(3);
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.addF32("model.embed_tokens.weight", random(rnd, V * D), V, D);
        w.addF32("model.norm.weight", ones(D), D);
        String p = "model.layers.0.";
        w.addF32(p + "input_layernorm.weight", ones(D), D);
        w.addF32(p + "post_attention_layernorm.weight", ones(D), D);
        for (String x : new String[] {"q", "k", "v", "o"}) {
            w.addF32(p + "self_attn." + x + "_proj.weight", random(rnd, D * D), D, D);
        }
        w.addF32(p + "mlp.gate_proj.weight", random(rnd, 48 * D), 48, D);
        w.addF32(p + "mlp.up_proj.weight", random(rnd, 48 * D), 48, D);
        w.addF32(p + "mlp.down_proj.weight", random(rnd, 48 * D), D, 48);
        String m = "model.memory_layers.0.";
        w.addF32(m + "query_proj.weight", random(rnd, 32 * D), 32, D);
        w.addF32(m + "query_norm.weight", ones(16), 16);
        w.addF32(m + "keys_norm.weight", ones(16), 16);
        w.addF32(m + "keys", random(rnd, 2 * 2 * K0 * 16 * 2), 2, 2, K0, 16, 2);
        w.addF32(m + "tucker_core.0", random(rnd, 8), 2, 2, 2);
        w.addF32(m + "tucker_core.1", random(rnd, 8), 2, 2, 2);
        w.addF32(m + "tucker_u", random(rnd, 4), 2, 2);
        w.addF32(m + "tucker_v", random(rnd, 4), 2, 2);
        w.addF32(m + "values_proj.weight", random(rnd, D * DV), D, DV);
        int n = K0 * K0;
        int[] pi = new int[n];
        for (int i = 0; i < n; i++) {
            pi[i] = (int) ((i * 7919L) % n);   // a permutation: 7919 is prime, n = 1400² is not a multiple
        }
        w.addI32(m + "shuffle_index", pi, n);
        long bytes = (long) n * DV * 4;
        try (RandomAccessFile raf = new RandomAccessFile(rawFile.toFile(), "rw");
             Arena arena = Arena.ofShared()) {
            raf.setLength(bytes);   // sparse: zeros cost no disk until written
            MemorySegment table = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, bytes,
                    arena);
            for (long row = 0; row < n; row += 997) {
                for (int c = 0; c < DV; c++) {
                    table.setAtIndex(SafeTensorsFile.F32_LE, row * DV + c,
                            (float) rnd.nextGaussian());
                }
            }
            w.addRaw(m + "values", DType.F32, table, new long[] {n, DV});
            w.write(model.resolve("model.safetensors"));
        }
        Files.delete(rawFile);
    }

    private static float[] random(SplittableRandom rnd, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (0.3 * rnd.nextGaussian());
        }
        return x;
    }

    private static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return x;
    }
}
