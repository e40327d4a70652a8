package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;

/**
 * With every retrieval remedy off (the defaults), the layer computes exactly what it computed
 * before the remedies existed: a CRC32 over the bits of y, dx and every parameter gradient of one
 * forward + backward, on tiny shapes (every dimension under 16, so no vector body runs) with the
 * scalar kernels, equals the value recorded at commit 5667e7f (before the remedies). Two forwards
 * (the second after an SGD step) also cover the Tucker refresh.
 */
class RemediesOffFingerprintTest {

    @ParameterizedTest
    @CsvSource({"tiny, 914560532", "pkm, 3767491199", "unshared, 2217999452"})
    void defaultsReproduceThePreRemedyBits(String name, long expected) {
        UltraMemConfig cfg = switch (name) {
            case "tiny" -> UltraMemLayerTest.tiny();
            case "pkm" -> UltraMemLayerTest.pkm();
            default -> UltraMemLayerTest.unshared();
        };
        assertEquals(expected, fingerprint(cfg), name);
    }

    static long fingerprint(UltraMemConfig cfg) {
        int hidden = UltraMemLayerTest.HIDDEN;
        int tokens = UltraMemLayerTest.TOKENS;
        UltraMemLayer l = new UltraMemLayer(cfg, hidden, tokens, 7, KernelProvider.scalar());
        SplittableRandom rnd = new SplittableRandom(3);
        for (Parameter p : l.parameters()) {
            for (int i = 0; i < p.data.length; i++) {
                p.data[i] += (float) (0.3 * rnd.nextGaussian());
            }
        }
        l.refreshTucker();
        CRC32 crc = new CRC32();
        for (int round = 0; round < 2; round++) {
            float[] x = new float[tokens * hidden];
            float[] g = new float[tokens * hidden];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) rnd.nextGaussian();
                g[i] = (float) rnd.nextGaussian();
            }
            float[] y = new float[x.length];
            float[] dx = new float[x.length];
            l.forward(y, x, tokens);
            l.backward(dx, g, tokens);
            update(crc, y);
            update(crc, dx);
            for (Parameter p : l.parameters()) {
                update(crc, p.grad);
                for (int i = 0; i < p.data.length; i++) {
                    p.data[i] -= 0.1f * p.grad[i];
                }
                p.zeroGrad();
            }
            l.refreshTucker();
        }
        return crc.getValue();
    }

    private static void update(CRC32 crc, float[] a) {
        for (float v : a) {
            int bits = Float.floatToRawIntBits(v);
            crc.update(bits);
            crc.update(bits >>> 8);
            crc.update(bits >>> 16);
            crc.update(bits >>> 24);
        }
    }
}
