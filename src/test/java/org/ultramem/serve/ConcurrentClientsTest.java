package org.ultramem.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.ultramem.serve.ServeFixtures.post;
import static org.ultramem.serve.ServeFixtures.text;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous batching keeps requests independent: 40 clients at once (batch 8, so requests join
 * and leave a running batch mid-way), each with its own prompt, length and sampling parameters,
 * get exactly the text the same request gets alone; a seeded request repeats exactly.
 */
class ConcurrentClientsTest {

    private static final int CLIENTS = 40;

    @TempDir
    static Path dir;
    static ServingServer server;

    @BeforeAll
    static void start() throws Exception {
        server = ServeFixtures.ready(ServeFixtures.options(8, 64), ServeFixtures.checkpoint(dir),
                new StepGate());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static List<String> requests() {
        SplittableRandom rnd = new SplittableRandom(2024);
        String[] words = {"the", "cat", "sat", "on", "mat", "and", "dog", "ran", "to", "park"};
        List<String> out = new ArrayList<>();
        for (int i = 0; i < CLIENTS; i++) {
            StringBuilder prompt = new StringBuilder();
            for (int w = rnd.nextInt(1, 8); w > 0; w--) {
                prompt.append(words[rnd.nextInt(words.length)]).append(' ');
            }
            out.add(String.format(Locale.ROOT, "{\"prompt\": \"%s\", \"max_tokens\": %d,"
                    + " \"temperature\": %.2f, \"top_p\": %.2f, \"top_k\": %d, \"seed\": %d,"
                    + " \"stream\": %b}", prompt.toString().strip(), rnd.nextInt(1, 24),
                    rnd.nextDouble(0.0, 1.5), rnd.nextDouble(0.5, 1.0), rnd.nextInt(0, 40),
                    rnd.nextLong(), i % 2 == 0));
        }
        return out;
    }

    @Test
    void concurrentClientsGetWhatEachGetsAlone() throws Exception {
        List<String> requests = requests();
        List<String> alone = new ArrayList<>();
        for (String r : requests) {
            HttpResponse<String> res = post(server, "/v1/completions", r);
            assertEquals(200, res.statusCode(), res.body());
            alone.add(text(res));
        }
        double steps0 = ServeFixtures.metric(server, "ultramem_step_latency_seconds_count");
        double tokens0 = ServeFixtures.metric(server, "ultramem_tokens_out_total");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> together = new ArrayList<>();
            for (String r : requests) {
                together.add(pool.submit(() -> post(server, "/v1/completions", r)));
            }
            for (int i = 0; i < CLIENTS; i++) {
                HttpResponse<String> res = together.get(i).get();
                assertEquals(200, res.statusCode(), res.body());
                assertEquals(alone.get(i), text(res), "client " + i + ": " + requests.get(i));
            }
        }
        double steps = ServeFixtures.metric(server, "ultramem_step_latency_seconds_count") - steps0;
        double tokens = ServeFixtures.metric(server, "ultramem_tokens_out_total") - tokens0;
        assertTrue(steps > 0 && 2 * steps < tokens, "requests shared decode steps: " + steps
                + " steps for " + tokens + " tokens");
    }

    @Test
    void seededRequestRepeatsAndSeedsDiffer() throws Exception {
        String a = "{\"prompt\": \"the cat\", \"max_tokens\": 20, \"temperature\": 1.0,"
                + " \"seed\": 5}";
        String first = text(post(server, "/v1/completions", a));
        assertEquals(first, text(post(server, "/v1/completions", a)));
        boolean anyDiffers = false;
        for (int seed = 6; seed < 12 && !anyDiffers; seed++) {
            anyDiffers = !first.equals(text(post(server, "/v1/completions",
                    a.replace("\"seed\": 5", "\"seed\": " + seed))));
        }
        assertTrue(anyDiffers, "other seeds should sample other text");
    }
}
