package org.ultramem.experiment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigJson;

/** The knowledge section of the {@code knowledge} suite's report, with its UltraMemV2 run evaluated. */
class KnowledgeTableTest {

    @TempDir
    Path dir;

    @Test
    void aV2RunIsItsOwnSeriesAtItsSharedTableRowsAndGetsATableRow() throws Exception {
        Suite suite = Suite.load(Suite.locate("knowledge", Path.of("configs/experiments")));
        List<Trial> trials = new ExperimentRunner(suite, new ExperimentRunner.Options(dir, null, null, -1)).plan();
        Map<String, Double> bits = Map.of("dense-s1", 1000.0, "pkm-s1", 1500.0, "ultramem-s1", 5000.0,
                "ultramem-k82-s1", 3000.0, "ultramem-v2-s1", 6000.0, "ultramem-v2-s2", 6400.0);
        for (Trial t : trials) {
            Double b = bits.get(t.dir().getFileName().toString());
            if (b != null) {
                Files.createDirectories(t.dir());
                var j = ConfigJson.newObject().put("bits", b).put("bits_per_param", b / 2_931_136.0);
                ConfigJson.write(t.dir().resolve(FactsTrialEval.FILE), j);
            }
        }
        List<RunFigures> runs = new ArrayList<>();
        for (RunSpec r : suite.runs()) {
            runs.add(RunFigures.of(r, trials.stream().filter(t -> t.run().name().equals(r.name())).toList()));
        }
        Map<String, RunFigures> byName = new java.util.HashMap<>();
        runs.forEach(r -> byName.put(r.run().name(), r));

        assertEquals(KnowledgeTable.V2, KnowledgeTable.family(byName.get("ultramem-v2")));
        assertEquals(KnowledgeTable.V1, KnowledgeTable.family(byName.get("ultramem")));
        assertNull(KnowledgeTable.family(byName.get("dense")));
        assertNull(KnowledgeTable.family(byName.get("pkm")));
        assertEquals(128L * 128 * 4, byName.get("ultramem-v2").memoryRows()); // shared table counted once

        Map<String, double[][]> points = KnowledgeTable.familyPoints(runs);
        assertEquals(List.of(KnowledgeTable.V1, KnowledgeTable.V2), List.copyOf(points.keySet()));
        assertArrayEquals(new double[] {65_536}, points.get(KnowledgeTable.V2)[0]);
        assertArrayEquals(new double[] {6200}, points.get(KnowledgeTable.V2)[1], 1e-9);
        assertArrayEquals(new double[] {byName.get("ultramem-k82").memoryRows(), byName.get("ultramem").memoryRows()},
                points.get(KnowledgeTable.V1)[0]);
        assertArrayEquals(new double[] {3000, 5000}, points.get(KnowledgeTable.V1)[1], 1e-9);

        StringBuilder md = new StringBuilder();
        KnowledgeTable.append(md, runs, dir);
        assertTrue(md.toString().contains("| ultramem-v2 | 2/2 | 6200.0 ± 282.8 | "), md.toString());
        assertTrue(md.toString().contains(" | 2.115e-03 | "), md.toString());
        assertTrue(md.toString().contains("| 65,536 |"), md.toString());
        assertTrue(Files.size(dir.resolve("plots").resolve("bits-vs-memory.png")) > 0);

        ClaimCheck.Result v2 = new ClaimCheck(Map.of(), Map.of(), Map.of(), KnowledgeTable.bits(runs))
                .bitsAbove("ultramem-v2", "dense", 3);
        assertEquals(ClaimCheck.Verdict.HOLDS, v2.verdict(), v2.evidence());
    }

    @Test
    void aRunThatChangesMoreThanTheKeyCountIsNotPartOfTheSizeSweep() throws Exception {
        Suite suite = Suite.load(Suite.locate("knowledge-1000-seeds", Path.of("configs/experiments")));
        List<Trial> trials = new ExperimentRunner(suite, new ExperimentRunner.Options(dir, null, null, -1)).plan();
        Map<String, Double> bits = Map.of("ultramem-wide-s3", 12000.0, "ultramem-wide-k100-s1", 13000.0,
                "ultramem-wide-k400-s1", 9000.0, "ultramem-wide-vlr10-s1", 15000.0, "dense-s3", 7000.0);
        for (Trial t : trials) {
            Double b = bits.get(t.dir().getFileName().toString());
            if (b != null) {
                Files.createDirectories(t.dir());
                ConfigJson.write(t.dir().resolve(FactsTrialEval.FILE), ConfigJson.newObject().put("bits", b));
            }
        }
        List<RunFigures> runs = new ArrayList<>();
        for (RunSpec r : suite.runs()) {
            runs.add(RunFigures.of(r, trials.stream().filter(t -> t.run().name().equals(r.name())).toList()));
        }
        Map<String, double[][]> points = KnowledgeTable.familyPoints(runs);
        String sweep = KnowledgeTable.V1 + " (ultramem-wide and its sizes)";
        String vlr = KnowledgeTable.V1 + " (ultramem-wide-vlr10)";
        assertEquals(List.of(sweep, vlr), List.copyOf(points.keySet()));
        assertArrayEquals(new double[] {10_000, 40_000, 160_000}, points.get(sweep)[0]);
        assertArrayEquals(new double[] {13000, 12000, 9000}, points.get(sweep)[1], 1e-9);
        assertArrayEquals(new double[] {40_000}, points.get(vlr)[0]);
    }
}
