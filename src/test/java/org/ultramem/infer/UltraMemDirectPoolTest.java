package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.tensor.kernel.KernelProvider;

/**
 * UltraMem decode pooling each token's value rows straight from a local table (inside the
 * retrieval tasks) gives the bits and the value traffic of gathering the step's rows first
 * (what a non-local store gets), for the per-token path (3 rows) and the chunked one (17, 40),
 * with value chunks of 12 floats (axpy per selection) and 32 (sums per output block).
 */
class UltraMemDirectPoolTest {

    private static final int D = 40;

    @ParameterizedTest
    @CsvSource({"3, 24", "17, 24", "40, 24", "3, 64", "40, 64"})
    void directPoolingEqualsGatheredPoolingBitForBit(int rows, int valueDim) {
        UltraMemConfig cfg = UltraMemConfig.of(8, 16, valueDim, 4);
        UltraMemLayer layer = new UltraMemLayer(cfg, D, rows, 21);
        SplittableRandom rnd = new SplittableRandom(rows);
        float[] x = new float[rows * D];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.putUltraMem(store, "m.", layer, cfg, layer.shuffleIndex());
        try (Arena arena = Arena.ofShared(); store) {
            float[] direct = new float[rows * D];
            TrafficMeter directMeter = new TrafficMeter();
            new UltraMemDecoder(store, "m.", cfg, D, Precision.F32, arena, KernelProvider.get(),
                    ValueStores.LOCAL).apply(direct, x, rows, directMeter);
            float[] gathered = new float[rows * D];
            TrafficMeter gatherMeter = new TrafficMeter();
            new UltraMemDecoder(store, "m.", cfg, D, Precision.F32, arena, KernelProvider.get(),
                    ValueGatherTest::gathering).apply(gathered, x, rows, gatherMeter);
            assertArrayEquals(gathered, direct);
            assertEquals(gatherMeter.bytes(TrafficMeter.Component.VALUES),
                    directMeter.bytes(TrafficMeter.Component.VALUES));
        }
    }
}
