package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.lang.foreign.Arena;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.memory.UltraMemLayer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Below {@code CandidateSearch.CHUNKED_ROWS} tokens the decode step retrieves (token, head) pairs
 * on both cores and pools a token on the thread that finishes its last head. Its output must be
 * the bits of one thread doing everything: pooling before the other head's cells were written
 * would read the previous step's cells, which differ, since every step here has new inputs.
 */
class UltraMemSmallBatchTest {

    private static final int D = 40;

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 7})
    void perHeadRetrievalOnTwoThreadsGivesTheBitsOfOneThread(int rows) {
        UltraMemConfig cfg = UltraMemConfig.of(8, 16, 24, 4);
        UltraMemLayer layer = new UltraMemLayer(cfg, D, 8, 31);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.putUltraMem(store, "m.", layer, cfg, layer.shuffleIndex());
        SplittableRandom rnd = new SplittableRandom(rows);
        try (Arena arena = Arena.ofShared(); store) {
            UltraMemDecoder oneThread = decoder(store, cfg, arena);
            UltraMemDecoder twoThreads = decoder(store, cfg, arena);
            for (int step = 0; step < 25; step++) {
                float[] x = new float[rows * D];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                }
                float[] want = new float[rows * D];
                Parallel.withThreads(1, () -> oneThread.apply(want, x, rows, new TrafficMeter()));
                float[] got = new float[rows * D];
                Parallel.withThreads(2, () -> twoThreads.apply(got, x, rows, new TrafficMeter()));
                assertArrayEquals(want, got, "step " + step + ": two threads");
            }
        }
    }

    private static UltraMemDecoder decoder(MemoryWeightStore store, UltraMemConfig cfg,
                                           Arena arena) {
        return new UltraMemDecoder(store, "m.", cfg, D, Precision.F32, arena,
                KernelProvider.get(), ValueStores.LOCAL);
    }
}
