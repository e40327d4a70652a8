package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.model.LanguageModel;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;

class DivergenceStopTest {

    @TempDir
    Path out;

    /** Delegates to a real model but poisons one gradient (or the loss) on a chosen call. */
    private static final class Poisoned implements LanguageModel {
        final Transformer inner = TinyRuns.model();
        final int badCall;
        final boolean poisonLoss;
        int calls;

        Poisoned(int badCall, boolean poisonLoss) {
            this.badCall = badCall;
            this.poisonLoss = poisonLoss;
        }

        @Override
        public ModelConfig config() {
            return inner.config();
        }

        @Override
        public List<Parameter> parameters() {
            return inner.parameters();
        }

        @Override
        public StepLoss forwardBackward(int[] tokens, int[] targets, int batch, int seq, float lossScale) {
            StepLoss l = inner.forwardBackward(tokens, targets, batch, seq, lossScale);
            if (++calls == badCall) {
                if (poisonLoss) {
                    return new StepLoss(Double.NaN, l.tokens(), Map.of());
                }
                parameters().get(1).grad[0] = Float.POSITIVE_INFINITY;
            }
            return l;
        }

        @Override
        public StepLoss forwardLoss(int[] tokens, int[] targets, int batch, int seq) {
            return inner.forwardLoss(tokens, targets, batch, seq);
        }
    }

    @Test
    void nanLossStopsNamingTheStepAndKeepsTheLastCheckpoint() throws Exception {
        // grad_accum 2: step 3 runs calls 5 and 6
        Poisoned model = new Poisoned(6, true);
        Trainer t = new Trainer(model, TinyRuns.config(10, 10, 2), TinyRuns.data(), KernelProvider.get(),
                new Trainer.Options(out, false, null, false, null, Map.of(), -1));
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::run);
        assertEquals(3, e.step());
        assertTrue(e.getMessage().contains("step 3") && e.getMessage().contains("lower training.lr"), e.getMessage());
        assertTrue(e.getMessage().contains("last good checkpoint"), e.getMessage());
        try (SafeTensorsFile f = SafeTensorsFile.open(out.resolve(Checkpoints.MODEL))) {
            assertEquals("2", f.metadata().get("step"));
        }
    }

    @Test
    void infiniteGradientStopsBeforeTheUpdate() throws Exception {
        Poisoned model = new Poisoned(1, false);
        float before = model.parameters().get(1).data[0];
        Trainer t = new Trainer(model, TinyRuns.config(10, 10, 2), TinyRuns.data(), KernelProvider.get(),
                new Trainer.Options(out, false, null, false, null, Map.of(), -1));
        TrainingDivergedException e = assertThrows(TrainingDivergedException.class, t::run);
        assertEquals(1, e.step());
        assertTrue(e.getMessage().contains("gradient norm is Infinity"), e.getMessage());
        assertTrue(e.getMessage().contains("no checkpoint"), e.getMessage());
        assertEquals(before, model.parameters().get(1).data[0]);
    }
}
