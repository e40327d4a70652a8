package org.ultramem.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.model.ModelConfig;
import org.ultramem.testing.CheckpointMutants;
import org.ultramem.testing.TinyTokenizers;

/** {@code bench serve} end to end on a tiny checkpoint: every point measured, reports written. */
class ServeBenchTest {

    @TempDir
    Path dir;

    @Test
    void measuresEveryClientCountAndWritesTheReports() throws Exception {
        Path tok = TinyTokenizers.save(dir.resolve("tokenizer.json"), TinyTokenizers.A, 270);
        // context 128: a prompt of 16 words is ~90 tokens under this tokenizer's few merges
        Path model = CheckpointMutants.write(dir.resolve("tiny"), ModelConfig.of(300, 16, 1, 2,
                32, 128), tok);
        Path out = dir.resolve("out");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        List<ServeBench.Point> points = ServeBench.run(new ServeBench.Options(model, null, false,
                new int[] {1, 3}, 0.25, 0, 5, 4, out, true), new PrintStream(text, true,
                StandardCharsets.UTF_8));
        assertEquals(2, points.size());
        for (ServeBench.Point p : points) {
            assertTrue(p.requests() > 0 && p.errors() == 0, p.toString());
            assertTrue(p.tokensPerS() > 0 && p.p50Ms() <= p.p95Ms() && p.p95Ms() <= p.p99Ms(),
                    p.toString());
            // every streamed token is a JSON chunk on the heap, so a working meter reads > 0
            assertTrue(p.allocKbPerToken() > 0 && Double.isFinite(p.allocKbPerToken()),
                    p.toString());
        }
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("\"tokens_per_s\""));
        assertTrue(text.toString(StandardCharsets.UTF_8).contains("\"alloc_kb_per_token\""));
        for (String f : new String[] {"serve.md", "serve.json", "serve_tokens_per_s.png"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
    }

    @Test
    void servesTheDecodeBenchDenseModel() throws Exception {
        ServeBench.Options o = new ServeBench.Options(null, null, true, new int[] {2}, 0.25, 0, 5,
                4, dir.resolve("out"), true);
        List<ServeBench.Point> points = ServeBench.measure(o, "dense",
                () -> ServeBench.decodeModel("dense", 512), new PrintStream(
                        new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(1, points.size());
        assertTrue(points.get(0).requests() > 0 && points.get(0).errors() == 0,
                points.get(0).toString());
    }

    @Test
    void onlySelectsMembersInOrderAndRejectsUnknownNames() {
        assertEquals(List.of("moe", "ultramem"),
                ServeBench.selected(ServeBench.FAMILY, List.of("ultramem", "moe")));
        assertEquals(List.of(ServeBench.DECODE_MODELS),
                ServeBench.selected(ServeBench.DECODE_MODELS, List.of()));
        String m = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> ServeBench.selected(ServeBench.FAMILY, List.of("ultramem_v2")))
                .getMessage();
        assertTrue(m.contains("--only ultramem_v2 is not one of these models; use some of dense,"
                + " moe, ultramem"), m);
    }

    @Test
    void promptsAreDistinctSeededDrawsOfWordsAboutAsLongAsTheFirst() {
        List<String> prompts = ServeBench.prompts(ServeBench.PROMPT_VARIANTS);
        assertEquals(ServeBench.PROMPT_VARIANTS, new java.util.HashSet<>(prompts).size());
        assertEquals(ServeBench.PROMPT, prompts.get(0));
        assertEquals(prompts, ServeBench.prompts(ServeBench.PROMPT_VARIANTS), "seeded");
        int words = ServeBench.PROMPT.split(" ").length;
        java.util.Set<String> used = new java.util.HashSet<>();
        for (String p : prompts.subList(1, prompts.size())) {
            List<String> w = List.of(p.split(" "));
            assertEquals(words, w.size(), p);
            assertTrue(ServeBench.WORDS.containsAll(w), p);
            used.addAll(w);
        }
        // Different text in flight, not orders of one word set: nearly every word turns up.
        assertTrue(used.size() > 0.9 * ServeBench.WORDS.size(), used.size() + " words used");
        org.ultramem.text.BpeTokenizer tok = ServeBench.byteTokenizer();
        int first = tok.encode(ServeBench.PROMPT).length;
        double mean = prompts.stream().mapToInt(p -> tok.encode(p).length).average().orElseThrow();
        assertTrue(mean > 0.8 * first && mean < 1.5 * first, "prompt tokens: " + mean
                + " on average, " + first + " for the first");
    }

    @Test
    void roundRatiosSetEachMemoryModelAgainstTheOthersRoundByRound() {
        // Round 2 is slow for every model alike: the ratios of its windows stay put.
        double[][] rates = {{100, 50, 110, 100, 100}, {300, 150, 330, 250, 250},
                {40, 20, 44, 50, 50}};
        List<ServeBench.RoundRatio> r = ServeBench.roundRatios(List.of("dense", "ultramem",
                "moe"), 64, rates);
        assertEquals(2, r.size());
        assertEquals(new ServeBench.RoundRatio("ultramem", "dense", 64, 3.0, 2.5, 3.0), r.get(0));
        assertEquals(new ServeBench.RoundRatio("ultramem", "moe", 64, 7.5, 5.0, 7.5), r.get(1));
        String md = ServeBench.markdown(new ServeBench.Result(List.of(), r));
        assertTrue(md.contains("| ultramem | moe | 64 | 7.50 | 5.00 | 7.50 |"), md);
    }

    @Test
    void percentileIsNearestRank() {
        double[] v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        assertEquals(5, ServeBench.percentile(v, 50));
        assertEquals(10, ServeBench.percentile(v, 95));
        assertEquals(1, ServeBench.percentile(new double[] {1}, 99));
        assertTrue(Double.isNaN(ServeBench.percentile(new double[0], 50)));
    }

    @Test
    void failedRequestsAreCountedByKind() {
        List<LoadClient.Sample> samples = List.of(
                new LoadClient.Sample(200, 10, 100, 8),
                new LoadClient.Sample(429, Double.NaN, 1, 0, "HTTP 429"),
                new LoadClient.Sample(599, 12, 90, 3, "stream ended without [DONE]"),
                new LoadClient.Sample(429, Double.NaN, 2, 0, "HTTP 429"));
        ServeBench.Point p = ServeBench.point("ultramem", 4, 80, samples, 3.5);
        assertEquals(4, p.requests());
        assertEquals(3, p.errors());
        assertEquals(java.util.Map.of("HTTP 429", 2, "stream ended without [DONE]", 1), p.errorKinds());
        assertEquals(100, p.p50Ms(), 0); // latencies of complete requests only
    }
}
