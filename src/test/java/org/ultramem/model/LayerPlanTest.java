package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigException;
import org.ultramem.nn.memory.PkmConfig;

class LayerPlanTest {

    private static List<MemorySpec> specs(String... placements) {
        List<MemorySpec> s = new ArrayList<>();
        for (String p : placements) {
            s.add(new MemorySpec(s.size(), null, new PkmConfig(2, 4, 8, 2, true, 1e-3, p)));
        }
        return s;
    }

    private static String failure(int layers, boolean overlap, String... placements) {
        return assertThrows(ConfigException.class,
                () -> LayerPlan.of(specs(placements), layers, overlap)).getMessage();
    }

    @Test
    void answersWhichLayersReadAndWhichOutputsJoin() {
        LayerPlan p = LayerPlan.of(specs("1:2", "3:4", "0:0"), 5, false);
        assertArrayEquals(new int[] {2}, p.readersOf(0));
        assertArrayEquals(new int[] {0}, p.readersOf(1));
        assertArrayEquals(new int[] {}, p.readersOf(2));
        assertArrayEquals(new int[] {2}, p.addedAfter(0));
        assertArrayEquals(new int[] {0}, p.addedAfter(2));
        assertArrayEquals(new int[] {1}, p.addedAfter(4));
        LayerPlan both = LayerPlan.of(specs("0:2", "1:2"), 3, true);
        assertArrayEquals(new int[] {0, 1}, both.addedAfter(2));
    }

    @Test
    void rejectsOverlapUnlessAllowed() {
        String m = failure(4, false, "0:1", "1:1");
        assertTrue(m.contains("memory_layers[1]") && m.contains("overlaps memory_layers[0]")
                && m.contains("memory_allow_overlap"), m);
        LayerPlan.of(specs("0:1", "1:1"), 4, true);
    }

    @Test
    void rejectsOutOfRangeBlocksNamingTheEntry() {
        String m = failure(3, false, "0:0", "1:3");
        assertTrue(m.contains("memory_layers[1]") && m.contains("\"1:3\"")
                && m.contains("[0, num_hidden_layers = 3)"), m);
    }

    @Test
    void rejectsDuplicatesEvenWithOverlapAllowed() {
        String m = failure(4, true, "1:2", "1:2");
        assertTrue(m.contains("memory_layers[1]") && m.contains("duplicates"), m);
    }

    @Test
    void rejectsMalformedAndReversedPlacements() {
        String m = assertThrows(ConfigException.class, () -> ModelConfig.fromJson("""
                {"vocab_size": 8, "hidden_size": 16, "num_hidden_layers": 4,
                 "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 8,
                 "memory_layers": [{"mem_type": "ultramem", "placement": "3:1", "mem_knum": 4,
                   "mem_kdim": 8, "mem_vdim": 8, "mem_knn": 4}]}""", "t")).getMessage();
        assertTrue(m.contains("memory_layers[0]") && m.contains("placement") && m.contains("3:1"), m);
        m = assertThrows(ConfigException.class, () -> ModelConfig.fromJson("""
                {"vocab_size": 8, "hidden_size": 16, "num_hidden_layers": 4,
                 "num_attention_heads": 2, "intermediate_size": 8, "max_position_embeddings": 8,
                 "memory_layers": [{"mem_type": "pkm", "placement": "1-2"}]}""", "t")).getMessage();
        assertTrue(m.contains("memory_layers[0]") && m.contains("\"1-2\""), m);
    }
}
