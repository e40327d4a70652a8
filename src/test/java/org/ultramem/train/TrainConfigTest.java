package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;

class TrainConfigTest {

    private static ObjectNode minimal() {
        return ConfigJson.parse("{\"batch_size\": 8, \"seq_len\": 64, \"lr\": 3e-4, \"max_steps\": 100}", "test");
    }

    @Test
    void appliesDocumentedDefaults() {
        TrainConfig c = TrainConfig.fromJson(minimal());
        assertEquals(0.1, c.minLrRatio());
        assertEquals(0.1, c.weightDecay());
        assertEquals(0.9, c.beta1());
        assertEquals(0.95, c.beta2());
        assertEquals(1e-8, c.eps());
        assertEquals(1.0, c.gradClip());
        assertEquals(1, c.gradAccum());
        assertEquals(131072, c.evalTokens());
        assertEquals("data", c.dataDir());
        assertEquals(4.0, c.valueLrMult());
        assertEquals(1.0, c.valueLrDecayFrac());
        assertEquals("dense", c.valuesOptimizer());
        assertNull(c.noDecay());
        assertEquals(8L * 64, c.tokensPerStep());
    }

    @Test
    void roundTripsThroughJson() {
        ObjectNode o = minimal();
        o.putArray("no_decay").add("*norm*");
        o.put("values_optimizer", "lazy");
        TrainConfig c = TrainConfig.fromJson(o);
        assertEquals(c, TrainConfig.fromJson(c.toJson()));
    }

    @Test
    void rejectsUnknownKeyWithDidYouMean() {
        ObjectNode o = minimal();
        o.put("warmup_step", 10);
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.fromJson(o));
        assertTrue(e.getMessage().contains("`warmup_step`") && e.getMessage().contains("`warmup_steps`"),
                e.getMessage());
    }

    @Test
    void rejectsOutOfRangeValuesNamingTheKey() {
        ObjectNode o = minimal();
        o.put("beta2", 1.5);
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.fromJson(o));
        assertTrue(e.getMessage().contains("training.beta2"), e.getMessage());
        ObjectNode m = minimal();
        m.remove("lr");
        assertThrows(ConfigException.class, () -> TrainConfig.fromJson(m));
        ObjectNode v = minimal();
        v.put("values_optimizer", "sparse");
        assertThrows(ConfigException.class, () -> TrainConfig.fromJson(v));
    }

    @Test
    void collapseWarnSlotFracDefaultsToHalfAndMustBeAFraction() {
        assertEquals(0.5, TrainConfig.fromJson(minimal()).collapseWarnSlotFrac());
        ObjectNode o = minimal();
        o.put("collapse_warn_slot_frac", 0.8);
        TrainConfig c = TrainConfig.fromJson(o);
        assertEquals(0.8, c.collapseWarnSlotFrac());
        assertEquals(c, TrainConfig.fromJson(c.toJson()));
        ObjectNode bad = minimal();
        bad.put("collapse_warn_slot_frac", 1.5);
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.fromJson(bad));
        assertTrue(e.getMessage().contains("training.collapse_warn_slot_frac"), e.getMessage());
    }

    @Test
    void rejectsADataDirThatIsNotAPath() {
        ObjectNode o = minimal();
        o.put("data_dir", "data\u0000");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.fromJson(o));
        assertTrue(e.getMessage().startsWith("config key `data_dir`")
                && e.getMessage().contains("is not a valid path"), e.getMessage());
    }
}
