package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link SeedStats} and {@link LineFit}. */
class StatsTest {

    @Test
    void seedStatsUseTheSampleStandardDeviationAndSkipNaN() {
        SeedStats s = SeedStats.of(1.0, 3.0, Double.NaN);
        assertEquals(2, s.n());
        assertEquals(2.0, s.mean(), 0);
        assertEquals(Math.sqrt(2), s.sd(), 1e-15);
        assertEquals(1, s.dropped());
        assertEquals("2.00 ± 1.41", s.format(2));
        assertTrue(Double.isNaN(SeedStats.of(5.0).sd()));
        assertEquals("5.000", SeedStats.of(5.0).format(3));
        assertEquals("n/a", SeedStats.of().format(3));
    }

    @Test
    void lineFitRecoversAnExactLineAndScoresNoise() {
        LineFit f = LineFit.fit(new double[] {0, 1, 2, 3}, new double[] {1, 3, 5, 7});
        assertEquals(2, f.slope(), 1e-12);
        assertEquals(1, f.intercept(), 1e-12);
        assertEquals(1, f.r2(), 1e-12);
        // y = {0, 1, 0, 1}: slope 0.2 (Sxy 1 / Sxx 5), intercept 0.2, SS_res 0.8, SS_tot 1 -> R² 0.2
        LineFit g = LineFit.fit(new double[] {0, 1, 2, 3}, new double[] {0, 1, 0, 1});
        assertEquals(0.2, g.slope(), 1e-12);
        assertEquals(0.2, g.intercept(), 1e-12);
        assertEquals(0.2, g.r2(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> LineFit.fit(new double[] {1, 1}, new double[] {0, 1}));
    }

    @Test
    void trainSecondsSumsWindowsOnceEach() throws Exception {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        java.util.List<com.fasterxml.jackson.databind.JsonNode> log = new java.util.ArrayList<>();
        for (String line : new String[] {
                "{\"type\":\"train\",\"tokens\":100,\"tokens_per_s\":50}",   // 2 s
                "{\"type\":\"eval\",\"tokens\":100,\"val_loss\":3}",         // not a window
                "{\"type\":\"train\",\"tokens\":300,\"tokens_per_s\":100}",  // 200 tokens: 2 s
                "{\"type\":\"train\",\"tokens\":200,\"tokens_per_s\":25}",   // repeated span: from 100, 4 s
                "{\"type\":\"train\",\"tokens\":400,\"tokens_per_s\":100}"}) { // from 300: 1 s
            log.add(json.readTree(line));
        }
        assertEquals(9.0, RunResult.trainSeconds(log), 1e-12);
        assertEquals(0.0, RunResult.trainSeconds(java.util.List.of()), 0);
    }
}
