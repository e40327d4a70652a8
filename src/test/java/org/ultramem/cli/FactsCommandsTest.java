package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.data.facts.Attribute;
import org.ultramem.data.facts.FactsFiles;
import org.ultramem.testing.FactsFixture;
import org.ultramem.testing.SyntheticTokens;
import picocli.CommandLine;

/** {@code data facts} and {@code eval --facts} through the real command line (Main's error handler). */
@Tag("slow")
class FactsCommandsTest {

    private static final int PEOPLE = 20;

    @TempDir
    static Path dir;
    static Path facts;
    static Path model;

    record Run(int code, String out, String err) {
    }

    static Run ultramem(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @BeforeAll
    static void prepare() throws Exception {
        facts = dir.resolve("facts");
        Run r = ultramem("data", "facts", "--people", "" + PEOPLE, "--seed", "4", "--vocab", "400",
                "--bios", "2", "--out", facts.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(PEOPLE + " people in"), r.out());
        model = FactsFixture.train(facts, dir.resolve("run"), 20);
    }

    @Test
    void dataFactsIsDeterministicThroughTheCommandLine() throws Exception {
        Path again = dir.resolve("again");
        assertEquals(0, ultramem("data", "facts", "--people", "" + PEOPLE, "--seed", "4", "--vocab", "400",
                "--bios", "2", "--out", again.toString()).code());
        for (String f : List.of("train.bin", "val.bin", "meta.json", FactsFiles.PEOPLE, FactsFiles.PROMPTS)) {
            assertArrayEquals(Files.readAllBytes(facts.resolve(f)), Files.readAllBytes(again.resolve(f)), f);
        }
    }

    @Test
    void evalFactsRunsOnAnUltraMemV2Model() throws Exception {
        Path v2 = org.ultramem.testing.CheckpointMutants.write(dir.resolve("v2"),
                org.ultramem.model.ModelConfig.fromJson(org.ultramem.model.TinyV2.json(0.02, "")
                        .replace("\"vocab_size\": 32", "\"vocab_size\": 400")
                        .replace("\"max_position_embeddings\": 16",
                                "\"max_position_embeddings\": 64"), "v2"), null);
        Run r = ultramem("eval", "--model", v2.toString(), "--facts", facts.toString(), "--people",
                "3", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        assertEquals(3, j.get("people").asInt(), r.out());
        assertTrue(j.get("accuracy").isNumber(), r.out());
    }

    @Test
    void evalFactsPrintsJsonWithEveryKey() throws Exception {
        Run r = ultramem("eval", "--model", model.toString(), "--facts", facts.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode j = new ObjectMapper().readTree(r.out());
        for (String k : List.of("bits", "bits_raw", "bits_max", "accuracy", "accuracy_train_template",
                "bits_train_template", "bits_train_template_raw", "total_params", "active_params",
                "flops_per_token", "bits_per_param", "bits_per_active_param", "bits_per_flop_per_token",
                "headline", "seconds", "samples")) {
            assertTrue(j.has(k), k + " missing: " + j);
        }
        assertEquals(PEOPLE, j.get("people").asInt());
        assertEquals(PEOPLE * Attribute.values().length * 2, j.get("prompts").asInt());
        for (Attribute a : Attribute.values()) {
            JsonNode x = j.get("attributes").get(a.key);
            assertEquals(a.choices, x.get("choices").asInt());
            assertTrue(x.get("accuracy").asDouble() >= 0 && x.get("accuracy").asDouble() <= 1);
        }
        assertTrue(j.get("bits").asDouble() >= 0 && j.get("bits").asDouble() <= j.get("bits_max").asDouble());
        double maxBits = 0;
        for (Attribute a : Attribute.values()) {
            maxBits += a.bitsPerValue() * PEOPLE;
        }
        assertEquals(maxBits, j.get("bits_max").asDouble(), 1e-6);
    }

    @Test
    void evalFactsOnTheFirstPeoplePrintsTheSummary() {
        Run r = ultramem("eval", "--model", model.toString(), "--facts", facts.toString(), "--people", "3",
                "--batch", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 of " + PEOPLE + " people, 36 prompts"), r.out());
        assertTrue(r.out().contains("bits stored:") && r.out().contains("per parameter:"), r.out());
    }

    @Test
    void peopleOutOfRangeIsOneLineAndExitCode2() {
        for (String k : List.of("0", "" + (PEOPLE + 1))) {
            Run r = ultramem("eval", "--model", model.toString(), "--facts", facts.toString(), "--people", k);
            assertOneLineError(r, "ultramem eval: --people " + k + " is out of range");
        }
    }

    @Test
    void missingFactsFilesAreOneLineAndExitCode2() throws Exception {
        Path partial = Files.createDirectories(dir.resolve("partial"));
        for (String f : List.of("train.bin", "val.bin", "meta.json", "tokenizer.json", FactsFiles.PEOPLE)) {
            Files.copy(facts.resolve(f), partial.resolve(f));
        }
        assertOneLineError(ultramem("eval", "--model", model.toString(), "--facts", partial.toString()),
                "ultramem eval: no " + partial.resolve(FactsFiles.PROMPTS));
        Path plain = SyntheticTokens.writeDataDir(dir.resolve("plain"), 100, 50);
        assertOneLineError(ultramem("eval", "--model", model.toString(), "--facts", plain.toString()),
                "ultramem eval: " + plain + " is not a facts corpus");
        assertOneLineError(ultramem("eval", "--model", model.toString(), "--facts", dir.resolve("none").toString()),
                "ultramem eval: no " + dir.resolve("none").resolve("meta.json"));
    }

    @Test
    void aModelTrainedOnOtherDataIsOneLineAndExitCode2() throws Exception {
        Path otherSeed = FactsFixture.facts(dir.resolve("other-seed"), PEOPLE, 9, 400);
        assertOneLineError(ultramem("eval", "--model", model.toString(), "--facts", otherSeed.toString()),
                "ultramem eval: model/tokenizer mismatch: " + model.resolve("tokenizer.json") + " differs");
        Path bigger = FactsFixture.facts(dir.resolve("bigger"), PEOPLE, 4, 500);
        assertOneLineError(ultramem("eval", "--model", model.toString(), "--facts", bigger.toString()),
                "ultramem eval: model/tokenizer mismatch: " + model + " has vocab_size 400");
    }

    @Test
    void badGeneratorOptionsAreOneLineAndExitCode2() {
        assertOneLineError(ultramem("data", "facts", "--people", "0", "--out", dir.resolve("x").toString()),
                "ultramem data facts: --people 0 must be in [1, ");
        assertOneLineError(ultramem("data", "facts", "--people", "5", "--bios", "0", "--out",
                dir.resolve("x").toString()), "ultramem data facts: --bios 0 must be in [1, 16]");
        assertOneLineError(ultramem("eval", "--model", model.toString(), "--json"),
                "ultramem eval: --json needs --facts DATA_DIR");
    }

    private static void assertOneLineError(Run r, String start) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith(start), "expected `" + start + "...`, got: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }
}
