package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The {@code bench kernels --case} cases run and print what the code comments quote (tiny sizes
 * here; the figures themselves are not checked: tests never assert on time).
 */
class KernelCasesTest {

    private static final KernelCases.Size TINY =
            new KernelCases.Size(64, 1 << 16, 4, 1 << 16, 10, 1, 0);

    private static String run(String name) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        KernelCases.run(name, new PrintStream(bytes, true, StandardCharsets.UTF_8), TINY);
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void gemmShapesPrintsEveryTrainingShapeAsAFractionOfThePeak() {
        String text = run("gemm-shapes");
        for (String shape : new String[] {"A·B 1024³", "A·Bᵀ 2048×8192×256 (logits)",
                "Aᵀ·B 256×256×2048 (dW)", "Aᵀ·B 8192×256×2048", "A·B 2048×256×8192"}) {
            assertTrue(text.contains(shape), text);
        }
        assertTrue(text.contains("of the FMA peak") && text.contains("-bit vectors"), text);
    }

    @Test
    void topKComparesBothTwinsInCacheAndStreamed() {
        String text = run("topk");
        assertTrue(text.contains("top-16 of 512 scores, rows in cache: scalar"), text);
        assertTrue(text.contains("top-16 of 128 scores, rows streamed:  scalar"), text);
        assertTrue(text.contains("ns per row"), text);
    }

    @Test
    void parallelRegionPrintsMicroseconds() {
        assertTrue(run("parallel-region").contains("empty 2-thread Parallel.forRange region"));
    }

    @Test
    void decodeAttentionTimesBothTwinsForBothCachePrecisions() {
        String text = run("decode-attention");
        assertTrue(text.contains("fp32 KV, span  32, head dim 64: scalar"), text);
        assertTrue(text.contains("bf16 KV, span 256, head dim 64: scalar"), text);
        assertTrue(text.contains("ns per call") && text.contains("GFLOP/s"), text);
    }

    @Test
    void decodeGemmPrintsEveryShapeAndRowCountOnOneAndTwoThreads() {
        String text = run("decode-gemm");
        assertTrue(text.contains("FMA-loop peak:"), text);
        assertTrue(text.contains("down 2016->256     73 rows:  1 thread "), text);
        assertTrue(text.contains("logits 256->4096  128 rows:"), text);
        assertTrue(text.contains("2 threads") && text.contains("of peak"), text);
    }

    @Test
    void rejectsAnUnknownCaseListingTheKnownOnes() {
        String m = assertThrows(IllegalArgumentException.class, () -> run("gemm")).getMessage();
        assertTrue(m.contains("--case gemm") && m.contains("gemm-shapes, topk, parallel-region,"
                + " decode-attention, decode-gemm"),
                m);
    }
}
