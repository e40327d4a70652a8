package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.ModelCost;
import picocli.CommandLine;

/** {@code ultramem inspect --config}: the JSON and the table agree with {@link ModelCost}. */
class InspectCommandTest {

    static final String TINY_MEMORY = """
            {"vocab_size": 64, "hidden_size": 16, "intermediate_size": 24, "num_hidden_layers": 3,
             "num_attention_heads": 2, "max_position_embeddings": 16,
             "moe": {"moe_num_experts": 4, "moe_top_k": 2, "moe_intermediate_size": 8,
                     "moe_layers": [2]},
             "memory_layers": [
               {"mem_type": "ultramem", "placement": "0:1", "mem_knum": 4, "mem_kdim": 8,
                "mem_vdim": 8, "mem_knn": 3},
               {"mem_type": "pkm", "placement": "2:2", "pkm_heads": 2, "pkm_knum": 5,
                "pkm_kdim": 6, "pkm_topk": 3}],
             "training": {"batch_size": 2, "seq_len": 16, "lr": 1e-3, "max_steps": 1}}
            """;

    @TempDir
    Path dir;

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new InspectCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void readsTheUltraMemV2FamilyPreset() throws Exception {
        Path file = Path.of("configs", "family-ultramem-v2.json");
        Run r = run("--config", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = ConfigJson.parse(r.out(), "inspect output");
        ModelConfig cfg = ModelConfig.load(file);
        assertEquals(cfg.parameterCount(), j.get("total_params").asLong());
        assertEquals(ModelCost.of(cfg).flopsPerToken(), j.get("flops_per_token").asDouble());
        long shared = 0;
        for (JsonNode c : j.get("components")) {
            shared += c.get("name").asText().startsWith("memory.shared.") ? 1 : 0;
        }
        assertEquals(2, shared, r.out());
        Run text = run("--config", file.toString());
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("UltraMemV2 decode bytes are what the inference engine"
                + " reads"), text.out());
    }

    @Test
    void jsonHasTheTotalsAndAConsistentBreakdown() throws Exception {
        Path file = Files.writeString(dir.resolve("tiny.json"), TINY_MEMORY);
        Run r = run("--config", file.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = ConfigJson.parse(r.out(), "inspect output");
        ModelConfig cfg = ModelConfig.load(file);
        ModelCost cost = ModelCost.of(cfg);
        assertEquals(cfg.parameterCount(), j.get("total_params").asLong());
        assertEquals(cost.activeParams(), j.get("active_params").asLong());
        assertEquals(cost.flopsPerToken(), j.get("flops_per_token").asDouble());
        assertEquals(cost.decodeBytesPerToken(), j.get("decode_bytes_per_token").asLong());
        long params = 0;
        long active = 0;
        double flops = 0;
        long bytes = 0;
        for (JsonNode c : j.get("components")) {
            params += c.get("params").asLong();
            active += c.get("active_params").asLong();
            flops += c.get("flops_per_token").asDouble();
            bytes += c.get("decode_bytes").asLong();
        }
        assertEquals(j.get("total_params").asLong(), params);
        assertEquals(j.get("active_params").asLong(), active);
        assertEquals(j.get("flops_per_token").asDouble(), flops, 1e-6 * flops);
        assertEquals(j.get("decode_bytes_per_token").asLong(), bytes);
        assertEquals(2 * active, bytes);
        JsonNode names = j.get("components");
        assertEquals("embedding", names.get(0).get("name").asText());
        assertTrue(r.out().contains("\"memory.1.values\""), r.out());
        assertTrue(r.out().contains("\"moe_experts\""), r.out());
    }

    @Test
    void tablePrintsEveryComponentAndTheTotals() throws Exception {
        Path file = Files.writeString(dir.resolve("tiny.json"), TINY_MEMORY);
        Run r = run("--config", file.toString(), "--fp32", "--context", "4");
        assertEquals(0, r.code(), r.err());
        ModelCost cost = ModelCost.of(ModelConfig.load(file), new ModelCost.Options(4, 4));
        for (ModelCost.Component c : cost.components()) {
            assertTrue(r.out().contains(c.name() + " "), c.name() + " missing in\n" + r.out());
        }
        String total = r.out().lines().filter(l -> l.startsWith("total ")).findFirst().orElseThrow();
        assertTrue(total.contains(String.format("%,d", cost.totalParams())), total);
        assertTrue(total.contains(String.format("%,d", cost.decodeBytesPerToken())), total);
        assertTrue(r.out().contains("4 B/param (fp32)"), r.out());
    }

    @Test
    void setOverridesAKeyBeforeCounting() throws Exception {
        Path file = Files.writeString(dir.resolve("tiny.json"), TINY_MEMORY);
        Run base = run("--config", file.toString(), "--json");
        Run wider = run("--config", file.toString(), "--json", "--set", "intermediate_size=32");
        assertEquals(0, wider.code(), wider.err());
        long delta = ConfigJson.parse(wider.out(), "a").get("total_params").asLong()
                - ConfigJson.parse(base.out(), "b").get("total_params").asLong();
        assertEquals(3L * 16 * 8 * 2, delta); // 3·D·ΔI over the two dense blocks
    }

    @Test
    void rejectsMissingOrConflictingSources() throws Exception {
        Run none = run("--json");
        assertNotEquals(0, none.code());
        assertTrue(none.err().contains("exactly one of --config"), none.err());
        Path file = Files.writeString(dir.resolve("tiny.json"), TINY_MEMORY);
        Run usage = run("--config", file.toString(), "--usage", "val");
        assertNotEquals(0, usage.code());
        assertTrue(usage.err().contains("needs --model"), usage.err());
    }

    @Test
    void modelWithNaNWeightsIsRefusedNotCosted() throws Exception {
        Path model = org.ultramem.testing.CheckpointMutants.write(dir.resolve("m"));
        org.ultramem.testing.CheckpointMutants.setF32(model, "model.norm.weight", 1, Float.NaN);
        CliRuns.Run r = CliRuns.main("inspect", "--model", model.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("`model.norm.weight` element 1 is NaN"), r.err());
        org.ultramem.testing.CheckpointMutants.setF32(model, "model.norm.weight", 1, 1f);
        assertEquals(0, CliRuns.main("inspect", "--model", model.toString()).code());
    }
}
