package org.ultramem.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.ultramem.infer.StageClock.Stage;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;

class StageClockTest {

    private static final ModelConfig CFG = ModelConfig.of(67, 48, 2, 4, 80, 64);

    @Test
    void lapsChargeTheTimeAndBytesSinceThePreviousLap() throws Exception {
        StageClock c = new StageClock();
        c.start(100);
        c.lap(Stage.ATTENTION, 100);   // nothing is charged before enable
        assertEquals(0, c.nanos(Stage.ATTENTION));
        c.enable(true);
        c.start(100);
        Thread.sleep(2);
        c.lap(Stage.ATTENTION, 400);
        c.lap(Stage.FFN, 1000);
        c.lap(Stage.ATTENTION, 1100);
        assertEquals(400, c.bytes(Stage.ATTENTION), "300 + 100: laps of one stage add up");
        assertEquals(600, c.bytes(Stage.FFN));
        assertTrue(c.nanos(Stage.ATTENTION) >= 2_000_000, "the sleep lands in the first lap");
        assertEquals(0, c.bytes(Stage.MEMORY));
        c.reset();
        assertEquals(0, c.bytes(Stage.ATTENTION));
        assertEquals(0, c.nanos(Stage.ATTENTION));
    }

    /** On the engine: the stages' bytes add up to the meter's count of the step, by component. */
    @Test
    void engineStagesSplitTheMetersBytesOfAStep() {
        Transformer t = new Transformer(CFG, 1, 16, 2);
        MemoryWeightStore store = new MemoryWeightStore();
        InferenceFixtures.put(store, "", t.parameters());
        try (InferenceModel m = new InferenceModel(DecodeArchitecture.dense(CFG), store,
                Precision.F32)) {
            DecodeState s = m.newState(4, 8);
            s.fillRandom(3, 1);
            m.stages().enable(true);
            m.meter().reset();
            m.decode(s, new int[] {1, 2, 3, 4});
            long sum = 0;
            for (Stage st : Stage.values()) {
                sum += m.stages().bytes(st);
            }
            assertEquals(m.meter().total(), sum);
            long d = CFG.hiddenSize();
            long kv = CFG.numLayers() * 4L * 2 * 4 * d * 4;
            assertEquals(CFG.numLayers() * 4 * d * d * 4 + kv, m.stages().bytes(Stage.ATTENTION));
            assertEquals(CFG.numLayers() * 3 * d * CFG.intermediateSize() * 4,
                    m.stages().bytes(Stage.FFN));
            assertEquals(m.meter().bytes(TrafficMeter.Component.EMBEDDING),
                    m.stages().bytes(Stage.EMBEDDING) + m.stages().bytes(Stage.LOGITS));
            assertEquals(0, m.stages().bytes(Stage.MEMORY), "a dense model has no memory layer");
            assertTrue(m.stages().nanos(Stage.LOGITS) > 0);
        }
    }
}
