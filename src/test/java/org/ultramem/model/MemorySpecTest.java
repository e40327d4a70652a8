package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigException;

/** The {@code "ultramem_v2"} entry of {@code memory_layers}: expansion and errors naming keys. */
class MemorySpecTest {

    private static String failure(String json) {
        return assertThrows(ConfigException.class, () -> ModelConfig.fromJson(json, "test"))
                .getMessage();
    }

    @Test
    void v2LayersTakeConsecutiveIndicesBetweenOtherEntries() {
        String json = TinyV2.json(0.02, ", \"mem_insert_way\": \"0:0/2:2\"").replace(
                "\"memory_layers\": [", "\"memory_layers\": [{\"mem_type\": \"pkm\", \"placement\":"
                        + " \"1:1\", \"pkm_heads\": 2, \"pkm_knum\": 4, \"pkm_kdim\": 8,"
                        + " \"pkm_topk\": 2, \"pkm_value_lr\": 0.02},");
        ModelConfig cfg = ModelConfig.fromJson(json, "test");
        assertEquals(List.of("pkm", "ultramem_v2", "ultramem_v2"),
                cfg.memoryLayers().stream().map(MemorySpec::type).toList());
        assertEquals(List.of(1, 2), cfg.memoryLayers().stream().skip(1)
                .map(MemorySpec::index).toList());
        assertEquals(1, cfg.memoryLayers().get(2).ultraMemV2().layerId());
        assertEquals(cfg, ModelConfig.fromJson(cfg.toJson(), "round trip"));
    }

    @Test
    void rejectsBadV2KeysNamingTheEntryAndKey() {
        String m = failure(TinyV2.json(0.02, ", \"mem_insert_way\": \"every\""));
        assertTrue(m.contains("memory_layers[0]") && m.contains("`mem_insert_way`"), m);
        m = failure(TinyV2.json(0.02, ", \"mem_insert_way\": \"0:3\""));
        assertTrue(m.contains("outside [0, num_hidden_layers = 3)"), m);
        m = failure(TinyV2.json(0.02, ", \"mem_insert_way\": \"0:1/1:2\""));
        assertTrue(m.contains("overlaps") && m.contains("ultramem_v2"), m);
        m = failure(TinyV2.json(0.02, ", \"mem_knnn\": 3"));
        assertTrue(m.contains("`mem_knnn`"), m);
        m = failure(TinyV2.json(0.02, "").replace("\"mem_knn\": 3", "\"mem_knn\": 9"));
        assertTrue(m.contains("`mem_knn` (9)") && m.contains("3 layers"), m);
        // An entry after the V2 one is named by its position in the list, not its layer index.
        m = failure(TinyV2.json(0.02, "").replace("}]}", "}, {\"mem_type\": \"pkm\","
                + " \"placement\": \"1:1\", \"pkm_heads\": 2, \"pkm_knum\": 4,"
                + " \"pkm_kdim\": 8, \"pkm_topkk\": 2}]}"));
        assertTrue(m.contains("memory_layers[1]") && m.contains("`pkm_topkk`"), m);
    }

    @Test
    void rejectsASecondV2EntryAndMemoryPlacement() {
        String entry = "{\"mem_type\": \"ultramem_v2\", \"mem_knum\": 4, \"mem_kdim\": 8,"
                + " \"mem_vdim\": 8, \"mem_knn\": 2, \"mem_insert_way\": \"2:2\"}";
        String m = failure(TinyV2.json(0.02, ", \"mem_insert_way\": \"0:0\"")
                .replace("}]}", "}, " + entry + "]}"));
        assertTrue(m.contains("memory_layers[1]") && m.contains("second"), m);
        m = failure(TinyV2.json(0.02, "").replace("\"initializer_range\"",
                "\"memory_placement\": \"0:0\", \"initializer_range\""));
        assertTrue(m.contains("`memory_placement`") && m.contains("mem_insert_way"), m);
    }

    @Test
    void refusesFullOverAHostileBlockCountBeforeExpanding() {
        String m = failure(TinyV2.json(0.02, "").replace("\"num_hidden_layers\": 3",
                "\"num_hidden_layers\": 2147483647"));
        assertTrue(m.contains("`mem_insert_way`") && m.contains("2147483647"), m);
    }
}
