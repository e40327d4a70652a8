package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class UltraMemConfigTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String rejection(String json) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> UltraMemConfig.fromJson(JSON.readTree(json)));
        return e.getMessage();
    }

    @Test
    void roundTripsThroughJson() throws Exception {
        UltraMemConfig c = new UltraMemConfig(64, 32, 96, 12, 16, 2, 3, 3, 9, "2:5", false, true,
                false, true, true, true, "paper", 4, 10.0, 0.5, "lazy_adamw", 0.001, 0.15, 1e-6f);
        ObjectNode json = c.toJson();
        assertEquals(c, UltraMemConfig.fromJson(JSON.readTree(json.toString())));
    }

    @Test
    void knnSetsBothCandidatesAndTopKAndDefaultsAreV1() throws Exception {
        UltraMemConfig c = UltraMemConfig.fromJson(JSON.readTree(
                "{\"hidden_size\":256,\"mem_knum\":64,\"mem_kdim\":64,\"mem_vdim\":128,\"mem_knn\":16}"));
        assertEquals(16, c.candidates());
        assertEquals(16, c.topK());
        assertEquals(4, c.valueExpand());
        assertEquals(128, c.keysPerSide());
        assertEquals(4096, c.valueNum());
        assertEquals(0.0, c.tuckerAuxAlpha());
    }

    @Test
    void rejectsUnknownConfigKey() {
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,\"mem_kum\":1}")
                .contains("`mem_kum`"));
    }

    @Test
    void rejectsNonSquareExpansion() {
        String m = rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,\"value_expand\":2}");
        assertTrue(m.contains("`value_expand` (2)"), m);
    }

    @Test
    void rejectsValueDimNotDivisibleByCores() {
        String m = rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":5,\"mem_knn\":2}");
        assertTrue(m.contains("`mem_vdim` (5)") && m.contains("tucker_cores"), m);
    }

    @Test
    void rejectsMoreCandidatesThanKeysAndTopKBeyondGrid() {
        String m = rejection("{\"mem_knum\":2,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":5,\"value_expand\":1}");
        assertTrue(m.contains("`mem_candidates` (5)"), m);
        m = rejection("{\"mem_knum\":8,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_candidates\":2,\"mem_topk\":5}");
        assertTrue(m.contains("`mem_topk` (5)"), m);
    }

    @Test
    void rejectsZeroHeadsAndMissingKnn() {
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,\"mem_heads\":0}")
                .contains("`mem_heads` (0)"));
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4}").contains("`mem_knn`"));
    }

    @Test
    void rejectsInconsistentLadderSwitches() {
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,\"tdqkr\":false}")
                .contains("`tdqkr`"));
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,\"mcs\":false}")
                .contains("`tucker_cores` (2)"));
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,"
                + "\"output_projection\":false}").contains("`output_projection`"));
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,"
                + "\"placement\":\"5:2\"}").contains("`placement`"));
        assertTrue(rejection("{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2,"
                + "\"value_optimizer\":\"sgd\"}").contains("`value_optimizer`"));
    }
}
