package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigJson;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.testing.SyntheticTokens;
import org.ultramem.train.Checkpoints;

/**
 * {@code bench cluster --model}: a small UltraMem + PKM checkpoint (random weights) on prompts
 * from a synthetic validation split, decoded over three loopback members: rows mode gives every
 * logit bit for bit and the local tokens, sums mode the local tokens within rounding and within
 * the byte bound, and a member terminated during the generation loop costs no failed and no
 * wrong request.
 */
@Tag("slow") // three members start in ~3 s, and one is killed
class ClusterDecodeBenchTest {

    @TempDir
    Path dir;

    @Test
    void rowsModeDecodesTheCheckpointBitForBitAndAKilledMemberCostsNoRequest() throws Exception {
        Path model = dir.resolve("model");
        // init range 0.2: logits far apart, so rounding in sums mode cannot swap a greedy token
        Checkpoints.saveModel(model, new Transformer(TinySparse.config(0.2, ""), 1, 16, 7), null,
                null, null, Map.of());
        Path data = SyntheticTokens.writeDataDir(dir.resolve("data"), 2000, 400);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ClusterDecodeBench.Result r = ClusterDecodeBench.measure(new ClusterDecodeBench.Options(
                model, data, new int[] {3}, 5, 6, 0, new ClusterKillRun.Plan(8, 3, 2, 2), true),
                new PrintStream(log, true, StandardCharsets.UTF_8));

        assertEquals(2, r.points().size());
        for (ClusterDecodeBench.Point p : r.points()) {
            assertEquals(3, p.batch());
            assertTrue(p.tokensEqual(), p.mode() + " tokens");
            assertTrue(p.bytesPerStep() > 0, p.mode() + " read through the cluster");
            if (p.mode().equals("rows")) {
                assertTrue(p.logitsIdentical(), "rows logits");
                assertEquals(0.0, p.maxAbsDiff());
            } else {
                assertTrue(p.maxRelDiff() < 1e-5, "sums differ by " + p.maxRelDiff());
                // the bound on the read path (sums back and selections out)
                assertTrue(p.bytesPerStep() <= p.boundBytes(),
                        p.bytesPerStep() + " > " + p.boundBytes());
            }
        }
        ClusterKillRun.Outcome k = r.kill();
        assertEquals(0, k.failed(), k.firstError());
        assertEquals(0, k.wrong());
        assertFalse(Double.isNaN(k.recoveryS()), "no member was terminated");
        assertEquals(2, k.membersAfter());

        JsonNode json = ConfigJson.parse(ClusterDecodeReport.json(r), "bench output");
        assertTrue(json.get("exact_rows").asBoolean());
        JsonNode point = json.get("points").get(0);
        for (String key : new String[] {"batch", "mode", "local_ms", "cluster_ms",
            "bytes_per_step", "bound_bytes", "tokens_equal", "logits_identical",
            "max_abs_diff"}) {
            assertTrue(point.has(key), key);
        }
        for (String key : new String[] {"failed", "wrong", "recovery_s"}) {
            assertTrue(json.get("kill").has(key), key);
        }
        assertTrue(ClusterDecodeReport.text(r).contains("| 3 | rows |"));
    }
}
