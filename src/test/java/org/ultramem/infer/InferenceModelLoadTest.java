package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.DType;
import org.ultramem.io.MemoryBudgetException;
import org.ultramem.model.CheckpointException;
import org.ultramem.testing.CheckpointMutants;
import org.ultramem.testing.CheckpointMutants.Tensor;

/**
 * {@link InferenceModel#load} (the {@code generate} loader) refuses every corrupt checkpoint the
 * training loader refuses: before the validator it decoded a non-permutation shuffle or
 * wrongly-shaped norms, cores and Tucker factors into wrong text with exit 0, or failed with an
 * index-out-of-bounds trace. Also: a decode state that cannot fit is refused before allocating.
 */
class InferenceModelLoadTest {

    private static final String U = "model.memory_layers.0.";

    @TempDir
    Path dir;

    private String refusal(Consumer<Map<String, Tensor>> change) throws IOException {
        CheckpointMutants.write(dir);
        CheckpointMutants.edit(dir, change);
        return assertThrows(CheckpointException.class,
                () -> InferenceModel.load(dir, Precision.F32).close()).getMessage();
    }

    private static Consumer<Map<String, Tensor>> halve(String name) {
        return m -> {
            Tensor t = m.get(name);
            int half = t.bytes().length / 2;
            m.put(name, new Tensor(t.dtype(), new long[] {half / 4},
                    Arrays.copyOf(t.bytes(), half)));
        };
    }

    @Test
    void loadsASoundCheckpoint() throws IOException {
        CheckpointMutants.write(dir);
        try (InferenceModel m = InferenceModel.load(dir, Precision.F32)) {
            assertEquals(32, m.prefill(m.newState(1, 8), 0, new int[] {1, 2, 3}).length);
        }
    }

    @Test
    void refusesAShuffleThatIsNotAPermutation() throws IOException {
        String m = refusal(t -> {
            byte[] b = t.get(U + "shuffle_index").bytes();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1).putInt(4, 1);
        });
        assertTrue(m.contains(U + "shuffle_index") && m.contains("permutation"), m);
    }

    @Test
    void refusesWronglyShapedNormsCoresAndTuckerFactors() throws IOException {
        for (String name : new String[] {"query_norm.weight", "keys_norm.weight",
                "tucker_core.0", "tucker_u", "tucker_v"}) {
            String m = refusal(halve(U + name));
            assertTrue(m.contains(U + name) && m.contains("has shape"), m);
        }
    }

    @Test
    void refusesDtypeMismatchesAndIndicesBeyondAnInt() throws IOException {
        String f32 = refusal(t -> {
            Tensor s = t.get(U + "shuffle_index");
            t.put(U + "shuffle_index", new Tensor(DType.F32, s.shape(), s.bytes()));
        });
        assertTrue(f32.contains("is F32 but must be I32 or I64"), f32);
        String big = refusal(t -> {
            int[] pi = CheckpointMutants.i32(t.get(U + "shuffle_index"));
            long[] wide = Arrays.stream(pi).asLongStream().toArray();
            wide[0] = 1L << 33;
            t.put(U + "shuffle_index", new Tensor(DType.I64, new long[] {wide.length},
                    CheckpointMutants.i64(wide)));
        });
        assertTrue(big.contains("element 0 is 8589934592"), big);
    }

    @Test
    void refusesNaNWeights() throws IOException {
        CheckpointMutants.write(dir);
        CheckpointMutants.setF32(dir, U + "values", 5, Float.NaN);
        String m = assertThrows(CheckpointException.class,
                () -> InferenceModel.load(dir, Precision.BF16).close()).getMessage();
        assertTrue(m.contains(U + "values` element 5 is NaN"), m);
    }

    @Test
    void refusesADecodeStateThatCannotFit() throws IOException {
        CheckpointMutants.write(dir);
        try (InferenceModel m = InferenceModel.load(dir, Precision.F32)) {
            String msg = assertThrows(MemoryBudgetException.class,
                    () -> m.newState(50_000_000, 16)).getMessage();
            assertTrue(msg.contains("the decode state (batch 50000000 × 16 positions)"), msg);
        }
    }
}
