package org.ultramem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.ultramem.serve.ServeFixtures.await;
import static org.ultramem.serve.ServeFixtures.metric;
import static org.ultramem.serve.ServeFixtures.post;
import static org.ultramem.serve.ServeFixtures.text;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prompts are prefilled inside the decode passes (BatchScheduler's chunked prefill): admitting
 * a request costs no pass of its own, a running request keeps getting a token every step while
 * another's prompt is prefilled, and prompts split across passes give the text they give alone.
 */
class ChunkedPrefillTest {

    @TempDir
    static Path dir;
    static Path model;

    @BeforeAll
    static void checkpoint() throws Exception {
        model = ServeFixtures.checkpoint(dir);
    }

    /**
     * The gate's k-th arrival comes after pass k-1 and the admissions after it, so at each
     * arrival the counters show exactly what admission and the passes so far did.
     */
    @Test
    void aNewPromptRidesInTheNextDecodePass() throws Exception {
        StepGate gate = new StepGate();
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(2, 4), model, gate)) {
            gate.hold();
            CompletableFuture<HttpResponse<String>> first = postAsync(s, ids(5, 1), 40);
            await("first admitted", () -> gate.arrivals() == 1);
            // Admission prefilled nothing (it used to run a pass of its own here).
            assertEquals(0, metric(s, "ultramem_tokens_in_total"));
            assertEquals(0, metric(s, "ultramem_tokens_out_total"));
            gate.step(1);
            await("pass 1", () -> gate.arrivals() == 2);
            assertEquals(5, metric(s, "ultramem_tokens_in_total"));
            assertEquals(1, metric(s, "ultramem_tokens_out_total"));

            CompletableFuture<HttpResponse<String>> second = postAsync(s, ids(30, 2), 20);
            await("second queued", () -> s.metrics().queued() == 1);
            gate.step(1);
            await("pass 2, second admitted", () -> gate.arrivals() == 3);
            assertEquals(2, s.metrics().running());
            assertEquals(5, metric(s, "ultramem_tokens_in_total"));
            assertEquals(2, metric(s, "ultramem_tokens_out_total"));
            gate.step(1);
            await("pass 3", () -> gate.arrivals() == 4);
            // One pass: first's next token beside second's whole prompt and first token.
            assertEquals(35, metric(s, "ultramem_tokens_in_total"));
            assertEquals(4, metric(s, "ultramem_tokens_out_total"));
            gate.release();
            assertEquals(200, first.get().statusCode());
            assertEquals(200, second.get().statusCode());
        }
    }

    /**
     * Batch 3 and passes of 3 + 64 rows: of three 50-token prompts, the first is admitted alone
     * (pass 1: its prompt), the other two after it, so pass 2 holds its decode token, the second
     * prompt and 16 tokens of the third, and pass 3 the rest of the third. Each seeded request
     * still gets exactly the text it gets alone.
     */
    @Test
    void promptsSplitAcrossPassesGiveTheTextTheyGetAlone() throws Exception {
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            bodies.add(body(ids(50, 10 + i), 12));
        }
        List<String> alone = new ArrayList<>();
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(1, 4), model,
                new StepGate())) {
            for (String b : bodies) {
                alone.add(text(post(s, "/v1/completions", b)));
            }
        }
        StepGate gate = new StepGate();
        try (ServingServer s = ServeFixtures.ready(ServeFixtures.options(3, 4), model, gate)) {
            gate.hold();
            List<CompletableFuture<HttpResponse<String>>> together = new ArrayList<>();
            together.add(send(s, bodies.get(0)));
            await("first admitted, the scheduler at the gate", () -> gate.arrivals() == 1);
            together.add(send(s, bodies.get(1)));
            together.add(send(s, bodies.get(2)));
            await("two queued", () -> s.metrics().queued() == 2);
            gate.release();
            for (int i = 0; i < 3; i++) {
                assertEquals(alone.get(i), text(together.get(i).get()), "request " + i);
            }
        }
    }

    /** {@code n} random token ids below the fixture's tokenizer size, as a JSON array. */
    private static String ids(int n, long seed) {
        return new SplittableRandom(seed).ints(n, 0, 256).mapToObj(Integer::toString)
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String body(String prompt, int maxTokens) {
        return "{\"prompt\": " + prompt + ", \"max_tokens\": " + maxTokens
                + ", \"temperature\": 0.9, \"seed\": 7}";
    }

    private static CompletableFuture<HttpResponse<String>> postAsync(ServingServer s,
                                                                      String prompt,
                                                                      int maxTokens) {
        return send(s, body(prompt, maxTokens));
    }

    private static CompletableFuture<HttpResponse<String>> send(ServingServer s, String body) {
        return ServeFixtures.CLIENT.sendAsync(HttpRequest.newBuilder(
                ServeFixtures.uri(s, "/v1/completions")).POST(
                HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
