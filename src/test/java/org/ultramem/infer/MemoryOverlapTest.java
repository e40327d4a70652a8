package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Memory layers run beside their source block's FFN ({@link InferenceModel#overlapMemory}, the
 * default) give the bits of running them before it: the memory task only reads the FFN's input,
 * and every kernel's result is independent of which thread runs it. Checked on a model whose
 * dense FFN is wide enough for its gate/up region to split over two threads (an UltraMem layer
 * sourced at block 0, added after block 1) and on {@link TinySparse} (UltraMem beside a dense
 * FFN, PKM beside an MoE one), prefill and decode, 1 and 2 threads.
 */
class MemoryOverlapTest {

    private static final String WIDE = """
            {"vocab_size": 40, "hidden_size": 32, "num_hidden_layers": 2,
             "num_attention_heads": 2, "intermediate_size": 1024, "max_position_embeddings": 16,
             "memory_layers": [
               {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 8, "mem_kdim": 8,
                "mem_vdim": 16, "mem_knn": 4, "mem_heads": 2, "tucker_rank": 2,
                "tucker_cores": 2, "value_expand": 4}]}
            """;

    @ParameterizedTest
    @CsvSource({"wide, 1, 1", "wide, 1, 2", "wide, 3, 2", "tiny, 1, 2", "tiny, 3, 1"})
    void overlappedMemoryGivesTheSequentialBits(String model, int batch, int threads) {
        ModelConfig cfg = model.equals("wide") ? ModelConfig.fromJson(WIDE, "wide")
                : TinySparse.config(0.3, "");
        Transformer t = new Transformer(cfg, 1, 16, 5);
        int vocab = cfg.vocabSize();
        try (InferenceModel overlapped = InferenceModel.of(t, Precision.F32);
             InferenceModel sequential = InferenceModel.of(t, Precision.F32)) {
            sequential.overlapMemory(false);
            Parallel.withThreads(threads, () -> {
                DecodeState a = overlapped.newState(batch, 16);
                DecodeState b = sequential.newState(batch, 16);
                SplittableRandom rnd = new SplittableRandom(batch);
                for (int s = 0; s < batch; s++) {
                    int[] prompt = {1 + s, 7, 3 + s};
                    assertArrayEquals(sequential.prefill(b, s, prompt),
                            overlapped.prefill(a, s, prompt), "prefill of sequence " + s);
                }
                for (int step = 0; step < 4; step++) {
                    int[] next = new int[batch];
                    for (int s = 0; s < batch; s++) {
                        next[s] = rnd.nextInt(vocab);
                    }
                    float[] want = sequential.decode(b, next).clone();
                    float[] got = overlapped.decode(a, next);
                    for (int r = 0; r < batch * vocab; r++) {
                        if (Float.floatToRawIntBits(want[r]) != Float.floatToRawIntBits(got[r])) {
                            throw new AssertionError("step " + step + " logit " + r + ": "
                                    + got[r] + " overlapped, " + want[r] + " sequential");
                        }
                    }
                }
            });
        }
    }
}
