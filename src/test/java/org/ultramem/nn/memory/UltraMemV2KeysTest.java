package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/** The coarse scores of {@link UltraMemV2Keys} from keys packed once per prepare. */
class UltraMemV2KeysTest {

    /**
     * Each score is one fused multiply-add chain over D_k from zero (the reference loop below),
     * and for chunks of two or more tokens that is bit for bit the GEMM q̂·K_foldᵀ training used
     * before (a one-token chunk took the GEMM's GEMV path, whose order differs in the last bits;
     * the packed kernel gives it the chain every other chunk and the decode engine use). Key
     * counts below one block and with a partial last block (n = 3 to 20 per side), an odd head
     * count (a slot with one head), token counts that leave a partial register tile, a chunk
     * starting inside the batch, on the vector kernels.
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4})
    void packedCoarseScoresEqualTheGemmBitForBit(int heads) {
        Kernels kern = KernelProvider.vector();
        for (int keyNum : new int[] {3, 5, 12, 20}) {
            UltraMemV2Config cfg = UltraMemV2Config.of(keyNum, 8, 8, 0, 2).withShape(heads, 2, 1,
                    1);
            UltraMemV2Geometry geo = cfg.geometry(1);
            int n = geo.keysPerSide();
            int dk = cfg.keyDim();
            Parameter keys = new Parameter("keys", new int[] {heads, 2, n, dk, 2},
                    Parameter.Group.DECAY);
            Parameter norm = new Parameter("keys_norm.weight", new int[] {dk},
                    Parameter.Group.NO_DECAY);
            SplittableRandom r = new SplittableRandom(heads * 31L + keyNum);
            fill(keys.data, r);
            fill(norm.data, r);
            float[] u = new float[heads * 2];
            float[] v = new float[heads * 2];
            fill(u, r);
            fill(v, r);
            UltraMemV2Keys pk = new UltraMemV2Keys(geo, kern, keys, norm, 0);
            pk.prepare(u, v);
            int tokens = 11;
            int qWidth = UltraMemV2Keys.QUERY_ROWS * dk;
            float[] qHat = new float[tokens * qWidth];
            fill(qHat, r);
            int ld = heads * n;
            for (int[] chunk : new int[][] {{0, tokens}, {3, 7}, {10, 1}}) {
                int b0 = chunk[0];
                int rows = chunk[1];
                float[] actual = new float[2 * tokens * ld];
                float[] expect = new float[actual.length];
                pk.coarseScores(actual, qHat, b0, rows, tokens,
                        new float[UltraMemV2Keys.coarseScratch(rows)]);
                for (int side = 0; side < 2; side++) {
                    for (int h = 0; h < heads; h += 2) {
                        kern.matmul(false, true, rows, Math.min(2, heads - h) * n, dk, qHat,
                                b0 * qWidth + pk.queryOffset(h, side), qWidth, pk.kFold(),
                                (side * heads + h) * n * dk, dk, expect,
                                (side * tokens + b0) * ld + h * n, ld, false);
                    }
                }
                String what = "heads " + heads + " K0 " + keyNum + " tokens [" + b0 + ", "
                        + (b0 + rows) + ")";
                if (rows > 1) {
                    assertArrayEquals(expect, actual, what + " against the GEMM");
                }
                assertArrayEquals(chain(pk, qHat, tokens, b0, rows, heads, n, dk), actual,
                        what + " against the FMA chain");
            }
        }
    }

    /** coarse[side][b][h·n + i] = the FMA chain over d of q̂[b, slot(h), side, d]·K_fold. */
    private static float[] chain(UltraMemV2Keys pk, float[] qHat, int tokens, int b0, int rows,
                                 int heads, int n, int dk) {
        float[] out = new float[2 * tokens * heads * n];
        int qWidth = UltraMemV2Keys.QUERY_ROWS * dk;
        for (int side = 0; side < 2; side++) {
            for (int b = b0; b < b0 + rows; b++) {
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < n; i++) {
                        float acc = 0f;
                        int q = b * qWidth + pk.queryOffset(h, side);
                        int k = ((side * heads + h) * n + i) * dk;
                        for (int d = 0; d < dk; d++) {
                            acc = Math.fma(qHat[q + d], pk.kFold()[k + d], acc);
                        }
                        out[((side * tokens + b) * heads + h) * n + i] = acc;
                    }
                }
            }
        }
        return out;
    }

    private static void fill(float[] a, SplittableRandom r) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) r.nextGaussian();
        }
    }
}
