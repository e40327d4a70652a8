package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.foreign.Arena;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.ultramem.nn.moe.MoeConfig;
import org.ultramem.nn.moe.MoeLayer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.SegmentKernels;
import org.ultramem.tensor.kernel.SegmentKernels.RowPath;

/**
 * The MoE decode path under the server's fixed row paths: each token's output depends on that
 * token alone, bit for bit, whatever rows share its experts' calls (row counts from 1 to 70 put
 * 0 to ~25 rows on an expert, across the 8-row switch of {@code BY_ROWS} and the 2·lanes token
 * group of the transposed path); and the expert GEMMs go through
 * {@link Kernels#segmentMatmulTFewRows}, so the transposed path does not pad them.
 */
class MoeDecoderTest {

    private static final int D = 40;
    private static final MoeConfig CFG = new MoeConfig(6, 2, 24, 0.01, 0.001, true, null);

    @ParameterizedTest
    @EnumSource(value = RowPath.class, names = {"DOT", "TRANSPOSED"})
    void eachTokensOutputIsBitIdenticalWhateverElseIsInTheCall(RowPath path) {
        MoeLayer layer = new MoeLayer(CFG, D, 32, 9);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "p.", layer.parameters());
        RowPath previous = SegmentKernels.setRowPath(path);
        try (Arena arena = Arena.ofShared(); store) {
            for (Precision precision : Precision.values()) {
                MoeDecoder dec = new MoeDecoder(store, "p.", CFG, D, precision, arena,
                        KernelProvider.get());
                for (int rows : new int[] {1, 2, 9, 33, 70}) {
                    float[] x = InferenceFixtures.randomRows(rows, D, rows);
                    float[] batch = new float[rows * D];
                    dec.apply(batch, x, rows, new TrafficMeter());
                    for (int t = 0; t < rows; t++) {
                        float[] alone = new float[D];
                        dec.apply(alone, Arrays.copyOfRange(x, t * D, (t + 1) * D), 1,
                                new TrafficMeter());
                        assertArrayEquals(alone, Arrays.copyOfRange(batch, t * D, (t + 1) * D),
                                path + " " + precision + " token " + t + " of " + rows);
                    }
                }
            }
        } finally {
            SegmentKernels.setRowPath(previous);
        }
    }

    @Test
    void expertGemmsTakeTheFewRowsEntryAndOnlyTheRouterTheGeneralOne() {
        MoeLayer layer = new MoeLayer(CFG, D, 32, 9);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "p.", layer.parameters());
        Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
        Kernels target = KernelProvider.get();
        Kernels counting = (Kernels) Proxy.newProxyInstance(Kernels.class.getClassLoader(),
                new Class<?>[] {Kernels.class}, (proxy, method, args) -> {
                    calls.computeIfAbsent(method.getName(), m -> new AtomicInteger())
                            .incrementAndGet();
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        try (Arena arena = Arena.ofShared(); store) {
            MoeDecoder dec = new MoeDecoder(store, "p.", CFG, D, Precision.F32, arena, counting);
            int rows = 12;
            TrafficMeter meter = new TrafficMeter();
            dec.apply(new float[rows * D], InferenceFixtures.randomRows(rows, D, 3), rows, meter);
            long hit = meter.bytes(TrafficMeter.Component.EXPERTS) / dec.expertBytes();
            assertEquals(1, calls.get("segmentMatmulT").get(), "the router only: " + calls);
            assertEquals(3 * hit, calls.get("segmentMatmulTFewRows").get(),
                    "gate, up and down per hit expert: " + calls);
        }
    }
}
