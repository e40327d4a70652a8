package org.ultramem.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.data.DataMeta;
import org.ultramem.io.ConfigJson;
import org.ultramem.testing.CheckpointMutants;
import org.ultramem.testing.SyntheticTokens;
import org.ultramem.testing.TinyTokenizers;
import org.ultramem.text.TokenizerJson;
import org.ultramem.train.Checkpoints;

/**
 * {@code ultramem eval} on hostile input, as the campaign ran it: each case used to end in an
 * internal error, a hang or a meaningless number with exit 0, and now gives exit 2 (or, for an
 * oversized --batch, a normal run) with one line naming what is wrong.
 */
class EvalCommandTest {

    @TempDir
    Path dir;

    private Path data() throws IOException {
        return SyntheticTokens.writeDataDir(dir.resolve("data"), 2000, 400);
    }

    @Test
    void batchBeyondTheSplitIsClampedNotAnInternalError() throws IOException {
        Path model = CheckpointMutants.write(dir.resolve("m"));
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data().toString(), "--batch", "100000000");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tokens scored"), r.out());
    }

    @Test
    void nanWeightsAreRefusedNotScored() throws IOException {
        Path model = CheckpointMutants.write(dir.resolve("m"));
        CheckpointMutants.setF32(model, "model.layers.1.self_attn.v_proj.weight", 9, Float.NaN);
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data().toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("v_proj.weight` element 9 is NaN"), r.err());
        assertTrue(!r.out().contains("loss"), r.out());
    }

    @Test
    void dataMadeByAnotherTokenizerIsRefusedNamingBothHashes() throws IOException {
        Path tokA = TinyTokenizers.save(dir.resolve("a.json"), TinyTokenizers.A, 270);
        Path tokB = TinyTokenizers.save(dir.resolve("b.json"), TinyTokenizers.B, 270);
        String shaB = TokenizerJson.sha256(TokenizerJson.load(tokB));
        Path model = CheckpointMutants.write(dir.resolve("m"), CliRuns.ultraMem300(), tokA);
        Path data = data();
        DataMeta m = DataMeta.read(data);
        new DataMeta(m.format(), m.tokenDtype(), m.vocabSize(), m.vocabRequested(),
                m.endOfTextId(), m.tokenizer(), shaB, m.corpusSha256(), m.sources(), m.splits())
                .write(data);
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains(shaB.substring(0, 12)) && r.err().contains("was tokenized"
                + " with tokenizer sha256") && r.err().contains("pass --data"), r.err());
    }

    @Test
    @Timeout(60)
    void aFifoAsWeightsIsRefusedWithoutBlocking() throws Exception {
        Path model = CheckpointMutants.write(dir.resolve("m"));
        Files.delete(model.resolve(Checkpoints.MODEL));
        int made = new ProcessBuilder("mkfifo", model.resolve(Checkpoints.MODEL).toString())
                .start().waitFor();
        org.junit.jupiter.api.Assumptions.assumeTrue(made == 0, "mkfifo unavailable");
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data().toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("is a FIFO"), r.err());
    }

    @Test
    @Timeout(60)
    void aMillionLayerConfigIsRefusedWithoutAllocatingIt() throws IOException {
        Path model = CheckpointMutants.write(dir.resolve("m"));
        Path config = model.resolve(Checkpoints.CONFIG);
        ObjectNode root = ConfigJson.load(config);
        root.put("num_hidden_layers", 1_000_000);
        Files.writeString(config, ConfigJson.toPrettyJson(root));
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data().toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("num_hidden_layers 1000000"), r.err());
    }

    @Test
    void dataWithMoreIdsThanTheModelIsRefused() throws IOException {
        Path model = CheckpointMutants.write(dir.resolve("m"));
        Path data = data();
        DataMeta m = DataMeta.read(data);
        new DataMeta(m.format(), m.tokenDtype(), 5000, 5000, m.endOfTextId(), m.tokenizer(),
                "0", m.corpusSha256(), List.of(), m.splits()).write(data);
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("has 5000 token ids but the model's vocab_size is 32"),
                r.err());
    }

    @Test
    @Timeout(60)
    void aFifoAsTheTokenFileIsRefusedWithoutBlocking() throws Exception {
        Path model = CheckpointMutants.write(dir.resolve("m"));
        Path data = data();
        Files.delete(data.resolve("val.bin"));
        int made = new ProcessBuilder("mkfifo", data.resolve("val.bin").toString()).start()
                .waitFor();
        org.junit.jupiter.api.Assumptions.assumeTrue(made == 0, "mkfifo unavailable");
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("token file " + data.resolve("val.bin") + " is a FIFO"),
                r.err());
    }

    @Test
    void finiteWeightsThatOverflowAreRefusedNotPrintedAsLossNaN() throws IOException {
        Path model = CheckpointMutants.write(dir.resolve("m"));
        // A final-norm gain of Float.MAX_VALUE turns every normalized entry above 1 into ±Inf,
        // whatever the kernels' order of operations: the logits are not finite.
        for (int i = 0; i < 16; i++) {
            CheckpointMutants.setF32(model, "model.norm.weight", i, Float.MAX_VALUE);
        }
        CliRuns.Run r = CliRuns.main("eval", "--model", model.toString(), "--data",
                data().toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("although every weight is finite"), r.err());
    }
}
