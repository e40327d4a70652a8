package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KernelBenchTest {

    private static final List<String> KEYS = List.of("gemm1024_t1_gflops", "gemm1024_t2_gflops",
            "gemm2048_t1_gflops", "gemm2048_t2_gflops", "bandwidth_t1_gbs", "bandwidth_t2_gbs",
            "fma_peak_t1_gflops", "fma_peak_t2_gflops", "isa", "vector_bits",
            "gemm2048_t1_alloc_bytes");

    @Test
    void jsonModePrintsTheSixFiguresThenTheCeilingsAndIsa() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Object> r = KernelBench.run(true, new PrintStream(bytes, true,
                StandardCharsets.UTF_8), new KernelBench.Config(64, 96, 1 << 20, 3, 1 << 16, 0));
        assertEquals(KEYS, List.copyOf(r.keySet()));
        for (String key : KEYS.subList(0, 8)) {
            assertTrue((Double) r.get(key) > 0, key + " positive: " + r.get(key));
        }
        int bits = (Integer) r.get("vector_bits");
        assertTrue(bits == 128 || bits == 256 || bits == 512, "vector_bits " + bits);
        assertTrue(((String) r.get("isa")).contains(bits + "-bit"), (String) r.get("isa"));
        String json = bytes.toString(StandardCharsets.UTF_8).trim();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertTrue(json.contains("\"vector_bits\": " + bits + ","), json);
        assertTrue((Long) r.get("gemm2048_t1_alloc_bytes") >= 0, json);
        assertTrue(json.contains("\"isa\": \""), json);
        for (String key : KEYS) {
            assertTrue(json.contains("\"" + key + "\": "), json);
        }
    }

    @Test
    void humanModeNamesTheReferencePoints() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        KernelBench.run(false, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                new KernelBench.Config(32, 48, 1 << 20, 1, 1 << 16, 0));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("PyTorch (125)"), text);
        assertTrue(text.contains("of 37 GB/s"), text);
        assertTrue(text.contains("340 GFLOP/s"), text);
        assertTrue(text.contains("FMA-loop peak, 1 thread"), text);
        assertTrue(text.contains("of the FMA peak"), text);
        assertTrue(text.contains("-bit vectors"), text);
        assertTrue(text.contains("bytes allocated per call"), text);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, KernelBench.median(new double[] {3, 1, 2}));
        assertEquals(2.5, KernelBench.median(new double[] {4, 1, 3, 2}));
    }
}
