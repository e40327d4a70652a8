package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigException;

class RunConfigTest {

    @TempDir
    Path dir;

    static final String MODEL = """
            "vocab_size": 64, "hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2,
            "num_attention_heads": 2, "max_position_embeddings": 16""";
    static final String MEMORY = """
            "memory_layers": [{"mem_type": "ultramem", "placement": "0:1", "mem_knum": 16, "mem_kdim": 8,
              "mem_vdim": 16, "mem_knn": 4, "mem_heads": 2, "tucker_rank": 2, "tucker_cores": 2,
              "value_expand": 4}]""";
    static final String TRAINING = """
            "training": {"batch_size": 2, "seq_len": 8, "lr": 1e-2, "max_steps": 10}""";

    private Path file(String... parts) throws IOException {
        return Files.writeString(dir.resolve("run.json"), "{" + String.join(",\n", parts) + "}");
    }

    private String refused(Path f, String... sets) {
        return assertThrows(ConfigException.class, () -> RunConfig.load(f, List.of(sets))).getMessage();
    }

    @Test
    void overridesMaySetExistingKeysAndAddKeysTheParsersRead() throws IOException {
        Path f = file(MODEL, MEMORY, TRAINING);
        RunConfig r = RunConfig.load(f, List.of("hidden_size=32", "rope_theta=500", "training.lr=3e-3",
                "training.warmup_steps=3", "memory_layers.0.mem_knum=8", "memory_layers.0.mem_topk=2"));
        assertEquals(32, r.model().hiddenSize());
        assertEquals(500, r.model().ropeTheta());
        assertEquals(3e-3, r.training().lr());
        assertEquals(3, r.training().warmupSteps());
        assertEquals(8, r.root().at("/memory_layers/0/mem_knum").asInt());
        assertEquals(f.toString(), r.source());
    }

    @Test
    void overridesMayAddUltraMemV2Keys() {
        RunConfig r = RunConfig.load(Path.of("configs/family-ultramem-v2.json"),
                List.of("memory_layers.0.mem_key_balance_reg_coef=0.001"));
        assertEquals(0.001, r.root().at("/memory_layers/0/mem_key_balance_reg_coef").asDouble());
        assertEquals(0.001, r.model().memoryLayers().getFirst().ultraMemV2().config().balanceCoef());
    }

    @Test
    void unknownNewKeysAreNamedWithADidYouMean() throws IOException {
        Path f = file(MODEL, MEMORY, TRAINING);
        String top = refused(f, "hiden_size=32");
        assertTrue(top.contains("`hiden_size`") && top.contains("did you mean `hidden_size`"), top);
        String training = refused(f, "training.warmup_stepz=3");
        assertTrue(training.contains("`training.warmup_stepz`") && training.contains("`training.warmup_steps`"), training);
        String section = refused(f, "trainin.lr=1e-3");
        assertTrue(section.contains("`trainin.lr`") && section.contains("`training.lr`"), section);
        String layer = refused(f, "memory_layers.0.mem_knnn=2");
        assertTrue(layer.contains("`memory_layers.0.mem_knnn`") && layer.contains("`memory_layers.0.mem_knn`"), layer);
        String moe = refused(f, "moe.moe_num_expertz=4");
        assertTrue(moe.contains("`moe.moe_num_experts`"), moe);
        // nothing reads a `data` object, so nothing may be added to it
        String data = refused(f, "data.tokenizer=x");
        assertTrue(data.contains("`data.tokenizer`") && data.contains("not a run config key"), data);
    }

    @Test
    void parseErrorsNameTheFileAndTheKey() throws IOException {
        Path f = file(MODEL, TRAINING);
        String value = refused(f, "vocab_size=0");
        assertTrue(value.startsWith(f + ": ") && value.contains("`vocab_size`"), value);
        String type = refused(f, "training.lr=fast");
        assertTrue(type.contains("training.lr"), type);
        Path unknownInFile = file(MODEL, "\"hidden_sise\": 3", TRAINING);
        String inFile = assertThrows(ConfigException.class, () -> RunConfig.load(unknownInFile, List.of())).getMessage();
        assertTrue(inFile.contains("`hidden_sise`") && inFile.contains("hidden_size"), inFile);
    }

    @Test
    void aModelOnlyConfigLoadsButCannotTrain() throws IOException {
        Path f = file(MODEL);
        RunConfig r = RunConfig.load(f, List.of());
        assertNull(r.training());
        String e = assertThrows(ConfigException.class, r::requireTraining).getMessage();
        assertTrue(e.startsWith(f + ": ") && e.contains("`training`"), e);
        // a training object, when present, is checked even where only the model is needed
        String bad = refused(file(MODEL, "\"training\": {\"batch_size\": 2}"));
        assertTrue(bad.contains("training") || bad.contains("max_steps"), bad);
    }
}
