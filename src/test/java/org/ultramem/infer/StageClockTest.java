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
        Thread.sleep(1);
        c.lap(Stage.ATTENTION, 400);
        c.lap(Stage.FFN, 1000);
        c.lap(Stage.ATTENTION, 1100);
        assertEquals(400, c.bytes(Stage.ATTENTION), "300 + 100: laps of one stage add up");
        assertEquals(600, c.bytes(Stage.FFN));
        assertTrue(c.nanos(Stage.ATTENTION) > 0, "the first lap carries the time since start");
        assertEquals(0, c.bytes(Stage.MEMORY));
        c.reset();
        assertEquals(0, c.bytes(Stage.ATTENTION));
        assertEquals(0, c.nanos(Stage.ATTENTION));
    }

    /**
     * A memory layer's bytes are in the FFN stage only where it ran beside the FFN's GEMVs: at
     * batch 1 against the sequential order, UltraMem's (sourced at TinySparse's dense block 0)
     * move from the memory stage to the FFN stage; on the batched path (transposedMinRows rows)
     * both orders run it first and charge it to the memory stage.
     */
    @Test
    void memoryIsInTheFfnStageOnlyWhereItRanBesideIt() {
        ModelConfig cfg = org.ultramem.model.TinySparse.config(0.3, "");
        Transformer t = new Transformer(cfg, 1, 16, 9);
        try (InferenceModel beside = InferenceModel.of(t, Precision.F32);
             InferenceModel first = InferenceModel.of(t, Precision.F32)) {
            first.overlapMemory(false);
            int batched = org.ultramem.tensor.kernel.SegmentKernels.transposedMinRows();
            for (int batch : new int[] {1, batched}) {
                long[][] bytes = new long[2][];
                int i = 0;
                for (InferenceModel m : new InferenceModel[] {beside, first}) {
                    DecodeState s = m.newState(batch, 8);
                    s.fillRandom(2, 3);
                    m.stages().enable(true);
                    m.stages().reset();
                    m.decode(s, new int[batch]);
                    bytes[i++] = new long[] {m.stages().bytes(Stage.MEMORY),
                            m.stages().bytes(Stage.FFN)};
                }
                if (batch == 1) {
                    assertTrue(bytes[0][0] < bytes[1][0] && bytes[0][1] > bytes[1][1],
                            "batch 1: memory " + bytes[0][0] + " / " + bytes[1][0] + ", FFN "
                                    + bytes[0][1] + " / " + bytes[1][1]);
                } else {
                    assertEquals(bytes[1][0], bytes[0][0], "batched: memory stage");
                    assertEquals(bytes[1][1], bytes[0][1], "batched: FFN stage");
                }
            }
        }
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
