package org.ultramem.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.ultramem.io.ConfigException;

class ModelConfigTest {

    private static final String MINIMAL = """
            {"vocab_size": 37, "hidden_size": 16, "num_hidden_layers": 2, "num_attention_heads": 2,
             "intermediate_size": 24, "max_position_embeddings": 16%s}""";

    private static ModelConfig parse(String extra) {
        return ModelConfig.fromJson(MINIMAL.formatted(extra), "test");
    }

    private static String failure(String json) {
        return assertThrows(ConfigException.class, () -> ModelConfig.fromJson(json, "test"))
                .getMessage();
    }

    @Test
    void appliesDefaultsForOptionalKeys() {
        ModelConfig c = parse("");
        assertEquals(ModelConfig.of(37, 16, 2, 2, 24, 16), c);
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(10000, c.ropeTheta());
        assertEquals(0.02, c.initializerRange());
        assertTrue(c.tieWordEmbeddings());
        assertEquals("ultramem", c.modelType());
        assertEquals(8, c.headDim());
    }

    @Test
    void readsPresetsIgnoringTrainingObject() {
        ModelConfig big = ModelConfig.load(Path.of("configs/dense-256x6.json"));
        assertEquals(new ModelConfig(8192, 256, 6, 4, 683, 256, 1e-5, 10000, true, 0.02,
                "ultramem"), big);
        ModelConfig small = ModelConfig.load(Path.of("configs/dense-128x4.json"));
        assertEquals(128, small.hiddenSize());
        assertEquals(341, small.intermediateSize());
        assertEquals(4, small.numLayers());
        ModelConfig tiny = ModelConfig.load(Path.of("configs/tiny.json"));
        assertEquals(ModelConfig.of(37, 16, 2, 2, 24, 16), tiny);
    }

    @Test
    void roundTripsThroughToJson() {
        ModelConfig c = parse(
                ", \"rope_theta\": 500000, \"rms_norm_eps\": 1e-6, \"initializer_range\": 0.01");
        assertEquals(c, ModelConfig.fromJson(c.toJson(), "round trip"));
        assertTrue(c.toJson().contains("\"num_hidden_layers\" : 2"), c.toJson());
    }

    @Test
    void rejectsUnknownConfigKeyWithSuggestion() {
        String m = failure("{\"hiden_size\": 16}");
        assertTrue(m.contains("`hiden_size`") && m.contains("did you mean `hidden_size`"), m);
    }

    @Test
    void rejectsInconsistentHeads() {
        String m = failure(MINIMAL.formatted("").replace("\"hidden_size\": 16",
                "\"hidden_size\": 250")
                .replace("\"num_attention_heads\": 2", "\"num_attention_heads\": 4"));
        assertTrue(m.contains("`hidden_size` (250)") && m.contains("`num_attention_heads` (4)"), m);
    }

    @Test
    void rejectsOddHeadDimension() {
        String m = failure(MINIMAL.formatted("").replace("\"hidden_size\": 16",
                "\"hidden_size\": 6"));
        assertTrue(m.contains("head dim 3") && m.contains("even"), m);
    }

    @Test
    void rejectsBadValuesNamingTheKey() {
        assertTrue(failure(MINIMAL.formatted("").replace("\"num_hidden_layers\": 2",
                "\"num_hidden_layers\": 0"))
                .contains("`num_hidden_layers` (0) must be > 0"));
        assertTrue(failure(MINIMAL.formatted("").replace("\"vocab_size\": 37",
                "\"vocab_size\": 37.5"))
                .contains("`vocab_size`"));
        assertTrue(failure(MINIMAL.formatted(", \"rms_norm_eps\": -1")).contains("`rms_norm_eps`"));
        assertTrue(failure(MINIMAL.formatted(", \"rope_theta\": \"big\""))
                .contains("`rope_theta`"));
        assertTrue(failure(MINIMAL.formatted(", \"model_type\": \"llama\""))
                .contains("`model_type`"));
        assertTrue(failure(MINIMAL.formatted(", \"data\": 3")).contains("`data`"));
        assertTrue(failure("{\"vocab_size\": 37}").contains("`hidden_size` is required"));
    }

    @Test
    void rejectsUntiedEmbeddings() {
        String m = failure(MINIMAL.formatted(", \"tie_word_embeddings\": false"));
        assertTrue(m.contains("`tie_word_embeddings`") && m.contains("not supported yet"), m);
    }

    @Test
    void parsesMoeAndMemoryLayersAndRoundTrips() {
        ModelConfig c = TinySparse.config();
        assertEquals(4, c.moe().numExperts());
        assertTrue(c.isMoeBlock(1) && !c.isMoeBlock(0));
        assertEquals(2, c.memoryLayers().size());
        assertEquals("ultramem", c.memoryLayers().get(0).type());
        assertEquals(0, c.memoryLayers().get(0).sourceBlock());
        assertEquals(1, c.memoryLayers().get(1).targetBlock());
        assertEquals(0.02, c.memoryLayers().get(1).pkm().valueLr());
        assertTrue(c.memoryAllowOverlap());
        assertEquals(c, ModelConfig.fromJson(c.toJson(), "round trip"));
        assertTrue(c.parameterCount() > ModelConfig.of(32, 16, 2, 2, 32, 16).parameterCount());
    }

    @Test
    void expandsMemoryPlacementShorthand() {
        ModelConfig c = ModelConfig.fromJson(MINIMAL.formatted("").replace("\"num_hidden_layers\": 2",
                "\"num_hidden_layers\": 5") .replace("}", ", \"memory_placement\": \"1:2/3:4\","
                + " \"memory_layers\": [{\"mem_type\": \"pkm\", \"pkm_knum\": 4, \"pkm_kdim\": 8,"
                + " \"pkm_topk\": 2}]}"), "test");
        assertEquals(2, c.memoryLayers().size());
        assertEquals("1:2", c.memoryLayers().get(0).placement());
        assertEquals("3:4", c.memoryLayers().get(1).placement());
        assertEquals(c, ModelConfig.fromJson(c.toJson(), "round trip"));
        assertTrue(!c.toJson().contains("memory_placement"), c.toJson());
    }

    @Test
    void rejectsUnknownKeysInsideSparseObjects() {
        String ultra = TinySparse.json(0.02, ", \"mem_knumm\": 3");
        String m = failure(ultra);
        assertTrue(m.contains("memory_layers[0]") && m.contains("`mem_knumm`"), m);
        m = failure(TinySparse.json(0.02, "").replace("\"pkm_topk\": 2", "\"pkm_topk\": 2, \"knum\": 2"));
        assertTrue(m.contains("memory_layers[1]") && m.contains("`knum`"), m);
        m = failure(TinySparse.json(0.02, "").replace("\"pkm_topk\": 2", "\"pkm_topkk\": 2"));
        assertTrue(m.contains("memory_layers[1]") && m.contains("`pkm_topkk`"), m);
        m = failure(TinySparse.json(0.02, "").replace("\"moe_top_k\": 2", "\"moe_topk\": 2"));
        assertTrue(m.contains("`moe`") && m.contains("`moe_topk`"), m);
    }

    @Test
    void rejectsMissingOrUnknownMemType() {
        String m = failure(TinySparse.json(0.02, "").replace("\"mem_type\": \"pkm\"",
                "\"mem_type\": \"hash\""));
        assertTrue(m.contains("memory_layers[1]") && m.contains("`mem_type` (\"hash\")")
                && m.contains("\"ultramem\", \"pkm\" or \"ultramem_v2\""), m);
        m = failure(TinySparse.json(0.02, "").replace("\"mem_type\": \"pkm\",", ""));
        assertTrue(m.contains("memory_layers[1]") && m.contains("`mem_type` is missing"), m);
    }

    @Test
    void rejectsOverlapAndOutOfRangePlacements() {
        String m = failure(TinySparse.json(0.02, "").replace("\"memory_allow_overlap\": true",
                "\"memory_allow_overlap\": false"));
        assertTrue(m.contains("memory_layers[1]") && m.contains("overlaps"), m);
        m = failure(TinySparse.json(0.02, "").replace("\"placement\": \"1:1\"",
                "\"placement\": \"1:2\""));
        assertTrue(m.contains("memory_layers[1]") && m.contains("outside [0, num_hidden_layers = 2)"), m);
        m = failure(TinySparse.json(0.02, "").replace("\"moe_layers\": [1]", "\"moe_layers\": [2]"));
        assertTrue(m.contains("moe_layers") && m.contains("only 2 blocks"), m);
    }

    @Test
    void acceptsTrainingAndDataObjects() {
        ModelConfig c = parse(", \"training\": {\"lr\": 1}, \"data\": {\"dir\": \"x\"}");
        assertEquals(16, c.hiddenSize());
    }

    @Test
    void countsParameters() {
        ModelConfig c = ModelConfig.of(37, 16, 2, 2, 24, 16);
        Transformer t = new Transformer(c, 1, 4, 1);
        long n = t.parameters().stream().mapToLong(p -> p.numel()).sum();
        assertEquals(n, c.parameterCount());
    }
}
