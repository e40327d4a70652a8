package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;

class UltraMemV2ConfigTest {

    private static ObjectNode json(String text) {
        return ConfigJson.parse(text, "test");
    }

    private static String rejection(String text) {
        return assertThrows(ConfigException.class, () -> UltraMemV2Config.fromJson(json(text)))
                .getMessage();
    }

    @Test
    void readsOfficialKeysWithReleasedDefaults() {
        UltraMemV2Config c = UltraMemV2Config.fromJson(json("""
                {"mem_type": "ultramem_v2", "mem_knum": 128, "mem_kdim": 64, "mem_vdim": 256,
                 "mem_knn": 16, "mem_key_expand_time": 2, "mem_share_ratio": 0.0625}"""));
        assertEquals(512, c.preValueDim());
        assertEquals(1, c.heads());
        assertEquals(2, c.tuckerRank());
        assertEquals(2, c.tuckerCores());
        assertEquals(1, c.valueExpand());
        assertEquals(4, c.virtualBlocks());
        assertEquals(0.0, c.balanceCoef());
        assertEquals("full", c.insertWay());
        assertEquals(4.0, c.valueLrTimes());
        assertEquals(c, UltraMemV2Config.fromJson(c.toJson()));
        assertEquals("ultramem_v2", c.toJson().get("mem_type").asText());
    }

    @Test
    void rejectsUnknownKeyWithCloseMatch() {
        String m = rejection("{\"mem_knum\": 4, \"mem_kdim\": 8, \"mem_vdim\": 8, \"mem_knn\": 2,"
                + " \"mem_heads\": 2}");
        assertTrue(m.contains("`mem_heads`") && m.contains("did you mean `mem_head`"), m);
    }

    @Test
    void rejectsKeysTheReleasedLayerIgnores() {
        String m = rejection("{\"mem_knum\": 4, \"mem_kdim\": 8, \"mem_vdim\": 8, \"mem_knn\": 2,"
                + " \"mem_final_top_expand_time\": 2}");
        assertTrue(m.contains("`mem_final_top_expand_time`") && m.contains("never read"), m);
    }

    @Test
    void rejectsConfigsTheReferenceCannotRun() {
        String base = "{\"mem_knum\": 4, \"mem_kdim\": 8, \"mem_vdim\": 8, \"mem_knn\": 2, ";
        assertTrue(rejection(base + "\"tucker_rank\": 3}").contains("`tucker_rank` (3) must be 2"));
        assertTrue(rejection(base + "\"mem_q_for_each_tucker_rank\": false}")
                .contains("`mem_q_for_each_tucker_rank`"));
        assertTrue(rejection(base + "\"mem_head\": 5}").contains("`mem_head` (5) must be in 1..4"));
        assertTrue(rejection(base + "\"mem_key_expand_time\": 2, \"mem_value_expand_time\": 2}")
                .contains("`mem_value_expand_time` (2) must be 1"));
        assertTrue(rejection(base + "\"tucker_multihead\": 3}").contains("`mem_vdim` (8)"));
        assertTrue(rejection(base + "\"mem_share_ratio\": 1.5}").contains("`mem_share_ratio`"));
        assertTrue(rejection(base + "\"mem_output_dropout_rate\": 0.1}").contains("must be 0"));
        assertTrue(rejection(base + "\"mem_insert_way\": \"2-5\"}").contains("`mem_insert_way`"));
        assertTrue(rejection(base + "\"mem_key_balance_reg_coef\": -1}").contains(">= 0"));
        assertTrue(rejection(base + "\"mem_type\": \"ultramem\"}").contains("`mem_type`"));
        assertTrue(rejection("{\"mem_kdim\": 8, \"mem_vdim\": 8, \"mem_knn\": 2}")
                .contains("`mem_knum` is required"));
        assertTrue(rejection(base + "\"mem_pre_vdim\": 1.5}").contains("`mem_pre_vdim`"));
    }

    /** The shared-table sizes of spec §2.1 and §7 for the run script, README and golden shapes. */
    @Test
    void geometryFollowsTheReferenceFormulas() {
        UltraMemV2Config script = UltraMemV2Config.of(128, 64, 256, 64, 16).withShape(1, 2, 2, 1)
                .withRetrieval(1.0 / 16, 0, false);
        UltraMemV2Geometry g = script.geometry(16);
        assertEquals(128 * 128 * 16, g.allValueNum());
        assertEquals(128, g.realKeyNum());
        assertEquals(256, g.keysPerSide());
        assertEquals(4 * 16384, g.virtualValueNum());
        assertEquals(15 * 16384, g.offset(15));

        UltraMemV2Config readme = UltraMemV2Config.of(360, 8, 8, 0, 16)
                .withRetrieval(0.5, 0, false);
        assertEquals(1138, readme.geometry(20).realKeyNum());
        assertEquals(1_295_044, readme.geometry(20).valueNum());

        UltraMemV2Geometry shared2 = UltraMemV2Config.of(4, 8, 16, 8, 4).withShape(1, 2, 2, 1)
                .geometry(2);
        assertEquals(32, shared2.allValueNum());
        assertEquals(5, shared2.realKeyNum());
        assertEquals(25, shared2.valueNum());
        assertEquals(10, shared2.keysPerSide());
        assertEquals(16, shared2.offset(1));
    }

    @Test
    void geometryRejectsImpossibleSizes() {
        UltraMemV2Config c = UltraMemV2Config.of(2, 4, 4, 0, 3);
        ConfigException knn = assertThrows(ConfigException.class, () -> c.geometry(1));
        assertTrue(knn.getMessage().contains("`mem_knn` (3) must be <= keys per side n"),
                knn.getMessage());
        UltraMemV2Config tiny = UltraMemV2Config.of(1, 4, 4, 0, 1).withRetrieval(0.1, 0, false);
        assertThrows(ConfigException.class, () -> tiny.geometry(1));
        assertThrows(IllegalArgumentException.class, () -> c.geometry(0));
        UltraMemV2Config huge = UltraMemV2Config.of(30000, 4, 4096, 0, 4);
        assertTrue(assertThrows(ConfigException.class, () -> huge.geometry(4)).getMessage()
                .contains("more than one array holds"));
    }
}
