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

    private static final String BASE = "{\"mem_knum\":4,\"mem_kdim\":4,\"mem_vdim\":4,\"mem_knn\":2";

    @Test
    void remediesRoundTripThroughJsonAndDefaultToOff() throws Exception {
        UltraMemConfig off = UltraMemConfig.fromJson(JSON.readTree(BASE + "}"));
        assertEquals(RetrievalRemedies.OFF, off.remedies());
        for (String key : RetrievalRemedies.KEYS) {
            assertTrue(!off.toJson().has(key), key + " is written although off");
        }
        UltraMemConfig on = UltraMemConfig.fromJson(JSON.readTree(BASE + ",\"query_batchnorm\":true,"
                + "\"key_balance_coef\":0.001,\"retrieval_lr_mult\":0.5,\"retrieval_warmup_steps\":400,"
                + "\"value_grad_clip\":0.25,\"value_weight_decay\":false,\"dead_key_restart_steps\":100,"
                + "\"output_gate\":\"scale\",\"output_gate_init\":0.05}"));
        assertEquals(new RetrievalRemedies(true, 0.001, 0.5, 400, 0.25, false, 100, "scale", 0.05),
                on.remedies());
        assertEquals(on, UltraMemConfig.fromJson(JSON.readTree(on.toJson().toString())));
        UltraMemConfig silu = UltraMemConfig.fromJson(JSON.readTree(BASE + ",\"output_gate\":\"silu\"}"));
        assertEquals(silu, UltraMemConfig.fromJson(JSON.readTree(silu.toJson().toString())));
    }

    @Test
    void rejectsBadRemedyValuesNamingTheKey() {
        for (String[] c : new String[][] {
                {"\"key_balance_coef\":-1", "`key_balance_coef` (-1.0)"},
                {"\"retrieval_lr_mult\":0", "`retrieval_lr_mult` (0.0)"},
                {"\"retrieval_warmup_steps\":-5", "`retrieval_warmup_steps` (-5)"},
                {"\"value_grad_clip\":-0.5", "`value_grad_clip` (-0.5)"},
                {"\"dead_key_restart_steps\":-1", "`dead_key_restart_steps` (-1)"},
                {"\"output_gate\":\"sigmoid\"", "`output_gate` (\"sigmoid\")"},
                {"\"output_gate\":\"silu\",\"output_gate_init\":0.2", "`output_gate_init`"},
                {"\"output_gate_init\":0.2", "only used by output_gate \"scale\""},
                {"\"query_batchnorm\":1", "`query_batchnorm` (1) must be true or false"},
                {"\"value_weight_decay\":\"no\"", "`value_weight_decay`"}}) {
            String m = rejection(BASE + "," + c[0] + "}");
            assertTrue(m.contains(c[1]), c[0] + " -> " + m);
        }
    }

    @Test
    void unknownKeyGetsADidYouMean() {
        String m = rejection(BASE + ",\"query_batch_norm\":true}");
        assertTrue(m.contains("`query_batch_norm`") && m.contains("did you mean `query_batchnorm`"), m);
    }
}
