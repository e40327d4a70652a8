package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.Parallel;
import org.ultramem.tensor.kernel.SegmentKernels;

/**
 * The last block goes on with only the rows whose logits are wanted ({@link
 * InferenceModel#pruneLastBlock}, the default) and gives the bits of running it over every row
 * of the pass: checked on {@link TinySparse} with a longer context (an UltraMem layer sourced at
 * block 0 whose output is added in the last block, so its pending rows move too; PKM sourced in
 * the last block; MoE as the last block's FFN), for passes that mix prompt chunks and decode
 * tokens under both fixed GEMM row paths and for a prompt prefilled in several chunks under the
 * row-count-dependent one. A pass with prompt rows reads less (the meter), so the pruning is
 * seen to happen.
 */
class LastBlockPruningTest {

    private static final int CONTEXT = 160;

    private static ModelConfig model() {
        return ModelConfig.fromJson(TinySparse.json(0.3, "").replace(
                "\"max_position_embeddings\": 16", "\"max_position_embeddings\": " + CONTEXT),
                "TinySparse, context " + CONTEXT);
    }

    private static int[] tokens(int count, int seed) {
        int[] t = new int[count];
        for (int i = 0; i < count; i++) {
            t[i] = (i * 7 + seed * 13 + 1) % TinySparse.VOCAB;
        }
        return t;
    }

    @ParameterizedTest
    @CsvSource({"DOT, 1", "DOT, 2", "TRANSPOSED, 1", "TRANSPOSED, 2"})
    void mixedPassesGiveTheBitsOfEveryRow(SegmentKernels.RowPath path, int threads) {
        Transformer t = new Transformer(model(), 1, 16, 9);
        SegmentKernels.RowPath before = SegmentKernels.setRowPath(path);
        try (InferenceModel pruned = InferenceModel.of(t, Precision.F32);
             InferenceModel full = InferenceModel.of(t, Precision.F32)) {
            full.pruneLastBlock(false);
            Parallel.withThreads(threads, () -> {
                DecodeState a = pruned.newState(3, CONTEXT, Precision.F32, 3 + 64);
                DecodeState b = full.newState(3, CONTEXT, Precision.F32, 3 + 64);
                int[] p0 = tokens(20, 0);
                int[] p1 = tokens(9, 1);
                int[] p2 = tokens(41, 2);
                // prompts of sequences 0 and 1 whole; then both decode while 2's prompt rides
                // in two chunks; then all three decode
                same(pruned, a, full, b, "two prompts", true,
                        new int[] {0, 1}, new int[][] {p0, p1}, new int[] {0, 0}, new int[] {20, 9});
                same(pruned, a, full, b, "decode beside a chunk", true,
                        new int[] {0, 1, 2}, new int[][] {{3}, {5}, p2}, new int[] {0, 0, 0},
                        new int[] {1, 1, 30});
                same(pruned, a, full, b, "decode beside the last chunk", true,
                        new int[] {0, 1, 2}, new int[][] {{4}, {6}, p2}, new int[] {0, 0, 30},
                        new int[] {1, 1, 11});
                same(pruned, a, full, b, "decode only", false,
                        new int[] {0, 1, 2}, new int[][] {{7}, {8}, {9}}, new int[] {0, 0, 0},
                        new int[] {1, 1, 1});
            });
        } finally {
            SegmentKernels.setRowPath(before);
        }
    }

    /** One extend pass on both engines: the same logits bit for bit; fewer bytes with prompts. */
    private static void same(InferenceModel pruned, DecodeState a, InferenceModel full,
                             DecodeState b, String what, boolean promptRows, int[] slots,
                             int[][] tokens, int[] from, int[] count) {
        int n = slots.length;
        int vocab = TinySparse.VOCAB;
        pruned.meter().reset();
        float[] got = Arrays.copyOf(pruned.extend(a, slots, tokens, from, count, n), n * vocab);
        long prunedBytes = pruned.meter().total();
        full.meter().reset();
        float[] want = Arrays.copyOf(full.extend(b, slots, tokens, from, count, n), n * vocab);
        long fullBytes = full.meter().total();
        bitwise(want, got, what);
        if (promptRows) {
            assertTrue(prunedBytes < fullBytes, what + ": pruned pass read " + prunedBytes
                    + " bytes, the full one " + fullBytes);
        } else {
            assertEquals(fullBytes, prunedBytes, what + ": nothing to prune");
        }
    }

    @Test
    void promptPrefilledInChunksGivesTheBitsOfEveryRow() {
        Transformer t = new Transformer(model(), 1, 16, 4);
        SegmentKernels.RowPath before = SegmentKernels.setRowPath(SegmentKernels.RowPath.BY_ROWS);
        try (InferenceModel pruned = InferenceModel.of(t, Precision.F32);
             InferenceModel full = InferenceModel.of(t, Precision.F32)) {
            full.pruneLastBlock(false);
            DecodeState a = pruned.newState(1, CONTEXT);
            DecodeState b = full.newState(1, CONTEXT);
            int[] prompt = tokens(2 * DecodeState.PREFILL_CHUNK + 9, 5);
            bitwise(full.prefill(b, 0, prompt), pruned.prefill(a, 0, prompt), "prefill");
            for (int step = 0; step < 3; step++) {
                int[] next = {(step * 11 + 2) % TinySparse.VOCAB};
                bitwise(full.decode(b, next).clone(), pruned.decode(a, next), "step " + step);
            }
        } finally {
            SegmentKernels.setRowPath(before);
        }
    }

    private static void bitwise(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                throw new AssertionError(what + ", logit " + i + ": " + got[i] + " pruned, "
                        + want[i] + " every row");
            }
        }
    }
}
