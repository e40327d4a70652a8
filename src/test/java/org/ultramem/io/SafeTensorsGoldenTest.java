package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.ultramem.testing.Goldens;

/** Reads the V1 golden files ({@link Goldens}) and checks names and shapes against their README. */
class SafeTensorsGoldenTest {

    static Stream<Path> goldenFiles() {
        return Goldens.v1Files().stream();
    }

    @Test
    void allSixGoldenFilesArePresent() {
        assertEquals(6, goldenFiles().count(), "golden files in " + Goldens.dir());
    }

    @ParameterizedTest
    @MethodSource("goldenFiles")
    void namesAndShapesMatchTheReadme(Path golden) throws IOException {
        try (var f = SafeTensorsFile.open(golden)) {
            Map<String, String> md = f.metadata();
            long hidden = num(md, "hidden");
            long b = num(md, "tokens");
            long heads = num(md, "heads");
            long knn = num(md, "knn");
            long cores = num(md, "tucker_cores");
            long r = num(md, "tucker_rank");
            long kdim = num(md, "kdim");
            long vdim = num(md, "vdim");
            long e = num(md, "value_expand");
            long keyNum = num(md, "key_num");
            long valueNum = num(md, "value_num");
            assertEquals(valueNum, num(md, "knum") * num(md, "knum"));
            assertEquals("1e-05", md.get("rms_eps"));

            expect(f, "input", DType.F32, b, hidden);
            expect(f, "grad_output", DType.F32, b, hidden);
            expect(f, "output", DType.F32, b, hidden);
            expect(f, "selected_grid_index", DType.I64, b, heads * knn);
            expect(f, "selected_core_scores", DType.F32, b, heads * knn, cores);
            expect(f, "tucker_u", DType.F32, heads, r);
            expect(f, "tucker_v", DType.F32, heads, r);
            expect(f, "shuffle_index", DType.I64, e * valueNum);
            expect(f, "query_proj.weight", DType.F32, 2 * kdim, hidden);
            expect(f, "query_norm.weight", DType.F32, kdim);
            expect(f, "keys_norm.weight", DType.F32, kdim);
            expect(f, "keys", DType.F32, heads, 2, keyNum, kdim, r);
            expect(f, "values", DType.F32, valueNum, vdim);
            expect(f, "values_proj.weight", DType.F32, hidden, e * vdim);
            for (int t = 0; t < cores; t++) {
                expect(f, "tucker_core." + t, DType.F32, heads, r, r);
            }
            assertFalse(f.contains("tucker_core." + cores));
            expect(f, "grad.input", DType.F32, b, hidden);
            for (String name : f.names()) {
                if (name.startsWith("grad.") && !name.equals("grad.input")) {
                    String param = name.substring(5);
                    assertTrue(f.contains(param), name + " has no parameter " + param);
                    assertArrayEquals(f.info(param).shape(), f.info(name).shape(), name);
                }
                if (f.info(name).dtype() == DType.F32) {
                    for (float v : f.readF32(name)) {
                        assertTrue(Float.isFinite(v), name);
                    }
                }
            }
            long[] shuffle = f.readI64("shuffle_index");
            long[] sorted = shuffle.clone();
            java.util.Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i], "shuffle_index is a permutation");
            }
        }
    }

    /** Values decoded independently with Python's struct module. */
    @Test
    void tinyValuesMatchAnIndependentDecoder() throws IOException {
        try (var f = SafeTensorsFile.open(Goldens.file("ultramem_v1_tiny.safetensors"))) {
            float[] input = f.readF32("input");
            assertEquals((float) 1.0500380992889404, input[0]);
            assertEquals((float) 2.4434919357299805, input[input.length - 1]);
            long[] sel = f.readI64("selected_grid_index");
            assertArrayEquals(new long[] {35, 11, 17, 21, 27, 20}, java.util.Arrays.copyOf(sel, 6));
            assertEquals(15, sel[sel.length - 1]);
            assertArrayEquals(new int[] {35, 11, 17, 21, 27, 20},
                    java.util.Arrays.copyOf(f.readI32("selected_grid_index"), 6));
            assertEquals("16", f.metadata().get("hidden"));
        }
    }

    private static long num(Map<String, String> md, String key) {
        assertTrue(md.containsKey(key), "metadata key " + key);
        return Long.parseLong(md.get(key));
    }

    private static void expect(SafeTensorsFile f, String name, DType dtype, long... shape) {
        assertTrue(f.contains(name), f.path() + " lacks " + name);
        assertEquals(dtype, f.info(name).dtype(), name);
        assertArrayEquals(shape, f.info(name).shape(), name);
    }
}
