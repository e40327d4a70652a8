package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The paper init meets its stated aim on the scores the layer really computes (spec §D.2). */
class UltraMemInitTest {

    static final int HIDDEN = 64;

    /** K0 64, D_k 16, D_v 32, m = k = 8, H 2, E 4, L 2; TDQKR r 2 with two cores (MCS). */
    static UltraMemConfig tdqkr() {
        return new UltraMemConfig(64, 16, 32, 8, 8, 2, 2, 2, 4, null, false, true, true, true, true, true,
                "paper", 2, 4.0, 1.0, "dense_adamw", 0, 0.15, 1e-5f);
    }

    /** Summed halves (no TDQKR), one core, no q/k norm: the query projection carries the scale. */
    static UltraMemConfig summedHalvesNoNorm() {
        return new UltraMemConfig(64, 16, 32, 8, 8, 2, 1, 1, 4, null, false, true, true, false, false, false,
                "paper", 2, 4.0, 1.0, "dense_adamw", 0, 0.15, 1e-5f);
    }

    static Stream<UltraMemConfig> configs() {
        return Stream.of(tdqkr(), summedHalvesNoNorm());
    }

    @ParameterizedTest
    @MethodSource("configs")
    void meanSelectedScorePerCoreIsOneAfterInit(UltraMemConfig cfg) {
        UltraMemLayer layer = new UltraMemLayer(cfg, HIDDEN, 256, 11);
        // on the calibration input itself the scaling is exact (scores are homogeneous in the query)
        assertEquals(1.0, UltraMemInit.calibrateScores(layer, cfg, 11), 1e-4);
        // on fresh unit-variance input it holds up to sampling noise
        int tokens = 256;
        float[] x = new float[tokens * HIDDEN];
        UltraMemInit.normal(x, new SplittableRandom(99), 1.0);
        float[] y = new float[tokens * HIDDEN];
        layer.forward(y, x, tokens);
        double perCore = layer.diagnostics().topKMeanScore() / cfg.tuckerCores();
        assertEquals(1.0, perCore, 0.03, "mean selected score per core"); // measured 1.000 and 1.003
        // output std near √(1/(2L)) (measured 0.52 and 0.50); the V2 paper's (1 + σ_s²) variance factor allows
        // somewhat more, not 1.5x more
        double target = Math.sqrt(1.0 / (2 * cfg.memLayers()));
        double std = layer.diagnostics().outputStd();
        assertTrue(std > 0.8 * target && std < 1.5 * target, "output std " + std + " vs target " + target);
    }

    @ParameterizedTest
    @MethodSource("configs")
    void codeInitIsNotCalibrated(UltraMemConfig paper) {
        UltraMemConfig code = new UltraMemConfig(paper.keyNum(), paper.keyDim(), paper.valueDim(),
                paper.candidates(), paper.topK(), paper.heads(), paper.tuckerRank(), paper.tuckerCores(),
                paper.valueExpand(), null, false, true, true, paper.qkNorm(), paper.tdqkr(), paper.mcs(), "code",
                1, 4.0, 1.0, "dense_adamw", 0, 0.15, 1e-5f);
        UltraMemLayer layer = new UltraMemLayer(code, HIDDEN, 256, 11);
        if (code.qkNorm()) {
            float w = layer.parameter("query_norm.weight").data[0];
            assertEquals((float) Math.pow(code.keyDim(), -0.33), w, 0f); // the released constant, untouched
        }
        assertTrue(Math.abs(UltraMemInit.calibrateScores(layer, code, 11) - 1) > 0.2,
                "code init happens to sit at score 1; the test would not tell calibration apart");
    }
}
