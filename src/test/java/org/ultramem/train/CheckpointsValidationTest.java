package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.model.CheckpointException;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.testing.CheckpointMutants;

/**
 * Every {@link Checkpoints} loader runs the checkpoint validator: eval's {@code loadModel}, train
 * --resume's {@code loadParameters} and inspect's {@code validate} refuse NaN weights and a
 * broken value shuffle with a {@link CheckpointException} (eval used to print "loss NaN" and exit
 * 0 on NaN weights).
 */
class CheckpointsValidationTest {

    @TempDir
    Path dir;

    @Test
    void loadModelRefusesNaNWeights() throws IOException {
        CheckpointMutants.write(dir);
        CheckpointMutants.setF32(dir, "model.norm.weight", 3, Float.NaN);
        String m = assertThrows(CheckpointException.class, () -> Checkpoints.loadModel(dir, 2, 4))
                .getMessage();
        assertTrue(m.contains("`model.norm.weight` element 3 is NaN"), m);
    }

    @Test
    void resumeRefusesABrokenShuffle() throws IOException {
        CheckpointMutants.write(dir);
        CheckpointMutants.edit(dir, m -> {
            byte[] b = m.get("model.memory_layers.0.shuffle_index").bytes();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(8, -7);
        });
        Transformer model = new Transformer(TinySparse.config(), 1, 4, 0);
        String m = assertThrows(CheckpointException.class,
                () -> Checkpoints.loadParameters(dir, model)).getMessage();
        assertTrue(m.contains("shuffle_index` element 2 is -7"), m);
    }

    @Test
    void validateReturnsTheConfigOfASoundCheckpoint() throws IOException {
        CheckpointMutants.write(dir);
        assertEquals(TinySparse.config(), Checkpoints.validate(dir));
        CheckpointMutants.setF32(dir, "model.embed_tokens.weight", 0, Float.NEGATIVE_INFINITY);
        assertThrows(CheckpointException.class, () -> Checkpoints.validate(dir));
    }

    @Test
    void malformedStepMetadataIsNamedNotForInputString() throws IOException {
        Transformer model = TinyRuns.model();
        TrainConfig cfg = TinyRuns.config(5, 5, 5);
        AdamW opt = new AdamW(KernelProvider.scalar(), model.parametersByName(), cfg.schedule(),
                cfg.optimizerSettings(), Map.of());
        Checkpoints.save(dir, model, cfg, opt, null, new Checkpoints.TrainState(1, 8, 7, "run-a"),
                Map.of());
        CheckpointMutants.editFile(dir.resolve(Checkpoints.MODEL), t -> { },
                m -> m.put("step", "abc"));
        String m = assertThrows(IOException.class, () -> Checkpoints.loadOptimizer(dir, opt))
                .getMessage();
        assertTrue(m.contains("model.safetensors") && m.contains("`step` (\"abc\") is not an integer"), m);
    }
}
