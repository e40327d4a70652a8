package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.testing.CheckpointMutants;
import org.ultramem.testing.TinyTokenizers;
import org.ultramem.train.Checkpoints;

/**
 * {@code ultramem generate} on hostile checkpoints: a broken value shuffle used to decode into
 * wrong text with exit 0, NaN weights ended in "logit is NaN" as an internal error (exit 70), and
 * a mismatched tokenizer printed garbage; each is now exit 2 with one line naming the problem.
 */
class GenerateCommandTest {

    @TempDir
    static Path shared;
    static Path tokA;
    static Path tokB;

    @TempDir
    Path dir;

    @BeforeAll
    static void tokenizers() throws IOException {
        tokA = TinyTokenizers.save(shared.resolve("a.json"), TinyTokenizers.A, 270);
        tokB = TinyTokenizers.save(shared.resolve("b.json"), TinyTokenizers.B, 270);
    }

    private Path model() throws IOException {
        return CheckpointMutants.write(dir.resolve("m"), CliRuns.ultraMem300(), tokA);
    }

    private static CliRuns.Run generate(Path model) {
        return CliRuns.main("generate", "--model", model.toString(), "--prompt", "the cat",
                "--max-tokens", "3", "--greedy");
    }

    @Test
    void decodesASoundCheckpoint() throws IOException {
        assertEquals(0, generate(model()).code());
    }

    @Test
    void refusesABrokenShuffleInsteadOfDecodingIt() throws IOException {
        Path m = model();
        CheckpointMutants.edit(m, t -> {
            byte[] b = t.get("model.memory_layers.0.shuffle_index").bytes();
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, 1).putInt(4, 1);
        });
        CliRuns.Run r = generate(m);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("shuffle_index` element 1 repeats slot 1"), r.err());
    }

    @Test
    void decodesAnUltraMemV2CheckpointAndMetersItsTables() throws IOException {
        Path m = CheckpointMutants.write(dir.resolve("v2"), org.ultramem.model.ModelConfig.fromJson(
                org.ultramem.model.TinyV2.json(0.02, "").replace("\"vocab_size\": 32",
                        "\"vocab_size\": 300"), "v2"), tokA);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        java.io.PrintStream oldOut = System.out;
        java.io.PrintStream oldErr = System.err;
        CliRuns.Run r;
        try { // generate streams text and statistics to System.out / System.err
            System.setOut(new java.io.PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new java.io.PrintStream(err, true, StandardCharsets.UTF_8));
            r = CliRuns.main("generate", "--model", m.toString(), "--prompt", "the cat",
                    "--max-tokens", "3", "--greedy", "--stats");
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        String stats = err.toString(StandardCharsets.UTF_8);
        assertEquals(0, r.code(), r.err() + stats);
        assertTrue(out.size() > 0, "no text generated");
        assertTrue(stats.contains("value rows") && stats.contains("pre-value rows"), stats);
        assertTrue(stats.contains("time per decode step by stage") && stats.contains("attention")
                && stats.contains("ms/step"), stats);
    }

    @Test
    void refusesNaNWeightsAsAUserError() throws IOException {
        Path m = model();
        CheckpointMutants.setF32(m, "model.embed_tokens.weight", 17, Float.NaN);
        CliRuns.Run r = generate(m);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("model.embed_tokens.weight` element 17 is NaN"), r.err());
    }

    @Test
    void refusesATokenizerTheModelWasNotTrainedWith() throws IOException {
        Path m = model();
        Files.copy(tokB, m.resolve(Checkpoints.TOKENIZER), StandardCopyOption.REPLACE_EXISTING);
        CliRuns.Run r = generate(m);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("is not the tokenizer the model was trained with"), r.err());
    }
}
