package org.ultramem.tensor.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FmaPeakTest {

    @Test
    void loopComputesTheFixedPointRecurrence() {
        // Each chain runs c <- c·0.999 + 1e-7·seed; 12 chains starting at 1..12 stay positive.
        double s = FmaPeak.chains(1000, 1f);
        assertTrue(s > 0 && s < 12 * 12 * FmaPeak.vectorBits() / 32.0, "sum " + s);
        assertTrue(FmaPeak.gflops(1, 1 << 15) > 0);
        assertTrue(FmaPeak.gflops(2, 1 << 15) > 0);
    }

    @Test
    void isaNamesTheSpeciesWidth() {
        int bits = FmaPeak.vectorBits();
        assertEquals(VectorKernels.SPECIES.vectorBitSize(), bits);
        assertTrue(FmaPeak.isa().contains(bits + "-bit species"), FmaPeak.isa());
    }

    @Test
    void cpuFlagsKeepOnlySimdOnes(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cpuinfo");
        Files.writeString(f, "processor\t: 0\nflags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw"
                + " avx512_bf16 popcnt\n\nprocessor\t: 1\nflags\t\t: fpu\n");
        assertEquals("avx avx2 fma avx512f avx512bw avx512_bf16", FmaPeak.cpuSimdFlags(f));
        assertEquals("", FmaPeak.cpuSimdFlags(dir.resolve("missing")));
    }
}
