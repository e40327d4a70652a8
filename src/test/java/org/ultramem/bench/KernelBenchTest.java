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
            "gemm2048_t1_gflops", "gemm2048_t2_gflops", "bandwidth_t1_gbs", "bandwidth_t2_gbs");

    @Test
    void jsonModePrintsExactlyTheSixKeys() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Object> r = KernelBench.run(true, new PrintStream(bytes, true,
                StandardCharsets.UTF_8), new KernelBench.Config(64, 96, 1 << 20, 3));
        assertEquals(KEYS, List.copyOf(r.keySet()));
        for (Object v : r.values()) {
            assertTrue((Double) v > 0, "positive figure " + v);
        }
        String json = bytes.toString(StandardCharsets.UTF_8).trim();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        assertEquals(6, json.split(",").length, json);
        for (String key : KEYS) {
            assertTrue(json.contains("\"" + key + "\": "), json);
        }
    }

    @Test
    void humanModeNamesTheReferencePoints() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        KernelBench.run(false, new PrintStream(bytes, true, StandardCharsets.UTF_8),
                new KernelBench.Config(32, 48, 1 << 20, 1));
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("PyTorch (125)"), text);
        assertTrue(text.contains("of 37 GB/s"), text);
        assertTrue(text.contains("340 GFLOP/s"), text);
    }

    @Test
    void medianOfOddAndEvenCounts() {
        assertEquals(2.0, KernelBench.median(new double[] {3, 1, 2}));
        assertEquals(2.5, KernelBench.median(new double[] {4, 1, 3, 2}));
    }
}
