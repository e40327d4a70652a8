package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.testing.CheckpointMutants;
import org.ultramem.testing.CheckpointMutants.Tensor;
import org.ultramem.train.Checkpoints;

/**
 * {@link CheckpointValidator} on a TinySparse checkpoint (MoE, UltraMem "memory_layers.0", PKM
 * "memory_layers.1") and one mutant per rule: each must be refused with a message naming the
 * tensor and what is wrong with it.
 */
class CheckpointValidatorTest {

    private static final String U = "model.memory_layers.0.";
    private static final String P = "model.memory_layers.1.";

    @TempDir
    Path dir;

    private String refusal(Consumer<Map<String, Tensor>> change) throws IOException {
        CheckpointMutants.write(dir);
        CheckpointMutants.edit(dir, change);
        return validationError();
    }

    private String validationError() throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(dir.resolve(Checkpoints.MODEL))) {
            return assertThrows(CheckpointException.class,
                    () -> CheckpointValidator.validate(st, TinySparse.config())).getMessage();
        }
    }

    private static void assertMentions(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), "expected `" + p + "` in: " + message);
        }
    }

    @Test
    void acceptsTheCheckpointTheModelWrote() throws IOException {
        CheckpointMutants.write(dir);
        try (SafeTensorsFile st = SafeTensorsFile.open(dir.resolve(Checkpoints.MODEL))) {
            assertDoesNotThrow(() -> CheckpointValidator.validate(st, TinySparse.config()));
        }
    }

    @Test
    void rejectsMissingTensorByName() throws IOException {
        assertMentions(refusal(m -> m.remove(U + "keys_norm.weight")), "has no tensor",
                U + "keys_norm.weight", "config.json");
    }

    @Test
    void rejectsTensorTheConfigDoesNotDescribe() throws IOException {
        assertMentions(refusal(m -> m.put("model.layers.7.extra", new Tensor(DType.F32,
                new long[] {1}, new byte[4]))), "model.layers.7.extra", "does not describe");
    }

    @Test
    void rejectsWrongShapesOfNormsCoresAndTuckerFactors() throws IOException {
        for (String name : new String[] {U + "query_norm.weight", U + "keys_norm.weight",
                U + "tucker_core.1", U + "tucker_u", U + "tucker_v"}) {
            CheckpointMutants.write(dir);
            CheckpointMutants.edit(dir, m -> {
                Tensor t = m.get(name);
                int half = t.bytes().length / 2;
                m.put(name, new Tensor(t.dtype(), new long[] {half / 4},
                        java.util.Arrays.copyOf(t.bytes(), half)));
            });
            assertMentions(validationError(), name, "has shape", "needs");
        }
    }

    @Test
    void rejectsFloatStoredWhereAnIndexIsExpected() throws IOException {
        assertMentions(refusal(m -> {
            Tensor t = m.get(U + "shuffle_index");
            m.put(U + "shuffle_index", new Tensor(DType.F32, t.shape(), t.bytes()));
        }), U + "shuffle_index", "is F32", "I32 or I64");
    }

    @Test
    void rejectsWeightsInF16() throws IOException {
        assertMentions(refusal(m -> {
            Tensor t = m.get("model.norm.weight");
            m.put("model.norm.weight", new Tensor(DType.F16, t.shape(),
                    java.util.Arrays.copyOf(t.bytes(), t.bytes().length / 2)));
        }), "model.norm.weight", "is F16", "F32 or BF16");
    }

    @Test
    void rejectsShuffleThatIsNotAPermutation() throws IOException {
        assertMentions(refusal(m -> {
            Tensor t = m.get(U + "shuffle_index");
            ByteBuffer b = ByteBuffer.wrap(t.bytes()).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(4, b.getInt(0));
        }), U + "shuffle_index", "element 1 repeats slot", "permutation");
    }

    @Test
    void rejectsI64IndexAbove2To31() throws IOException {
        assertMentions(refusal(m -> {
            int[] pi = CheckpointMutants.i32(m.get(U + "shuffle_index"));
            long[] wide = new long[pi.length];
            for (int i = 0; i < pi.length; i++) {
                wide[i] = pi[i];
            }
            wide[3] = (1L << 31) + 5;
            m.put(U + "shuffle_index", new Tensor(DType.I64, new long[] {pi.length},
                    CheckpointMutants.i64(wide)));
        }), U + "shuffle_index", "element 3 is 2147483653", "outside [0, ");
    }

    @Test
    void rejectsNaNAndInfinityNamingTheFirstBadIndex() throws IOException {
        String name = "model.layers.0.mlp.up_proj.weight";
        CheckpointMutants.write(dir);
        CheckpointMutants.setF32(dir, name, 11, Float.NaN);
        CheckpointMutants.setF32(dir, name, 40, Float.POSITIVE_INFINITY);
        assertMentions(validationError(), name, "element 11 is NaN", "finite");
        CheckpointMutants.setF32(dir, name, 11, 0.5f);
        assertMentions(validationError(), name, "element 40 is Infinity");
    }

    @Test
    void rejectsNegativeRunningVariance() throws IOException {
        CheckpointMutants.write(dir);
        CheckpointMutants.setF32(dir, P + "query_bn.running_var", 2, -1f);
        assertMentions(validationError(), P + "query_bn.running_var", "element 2 is -1.0", ">= 0");
    }

    @Test
    @Timeout(20)
    void refusesAMillionLayerConfigWithoutListingItsTensors() throws IOException {
        CheckpointMutants.write(dir);
        ModelConfig huge = ModelConfig.of(32, 16, 1_000_000, 2, 32, 16);
        try (SafeTensorsFile st = SafeTensorsFile.open(dir.resolve(Checkpoints.MODEL))) {
            String m = assertThrows(CheckpointException.class,
                    () -> CheckpointValidator.validate(st, huge)).getMessage();
            assertMentions(m, "describes 9000002", "num_hidden_layers 1000000");
        }
    }
}
