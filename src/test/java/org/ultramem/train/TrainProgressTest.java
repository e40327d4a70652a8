package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.tensor.kernel.KernelProvider;

/** Without a terminal, progress is whole lines: no carriage returns, nothing glued together. */
class TrainProgressTest {

    /** One report: percent, step, tokens, speed, loss, elapsed time and ETA, separated. */
    private static final Pattern REPORT = Pattern.compile("train \\d+\\.\\d% step \\d+, [\\d,]+/[\\d,]+"
            + " tok, ([\\d,]+|\\?) tok/s, loss \\d+\\.\\d{4}, \\d+:\\d\\d:\\d\\d, eta (\\d+:\\d\\d:\\d\\d|\\?)");

    private static List<String> lines(ByteArrayOutputStream bytes) {
        String text = bytes.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("\r"), "carriage return in plain output: " + text);
        assertTrue(text.isEmpty() || text.endsWith(System.lineSeparator()), "unfinished line: " + text);
        return text.lines().toList();
    }

    @Test
    void streamThatIsNotStderrGetsOneWholeLinePerReport() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TrainProgress p = TrainProgress.start(new PrintStream(bytes, true), 0, 1000)) {
            assertFalse(p.isBar());
            p.update(1, 100, 6.5);
        }
        List<String> lines = lines(bytes);
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(REPORT.matcher(lines.get(0)).matches(), lines.get(0));
    }

    @Test
    void plainLinesAreRateLimitedAndTheLastReportIsPrinted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong nanos = new AtomicLong();
        try (TrainProgress p = TrainProgress.plain(new PrintStream(bytes, true), 0, 10_000,
                nanos::get, Duration.ofSeconds(10))) {
            for (int step = 1; step <= 30; step++) {
                nanos.addAndGet(1_000_000_000L);
                p.update(step, step * 100L, 7.0 - step * 0.1);
            }
        }
        List<String> lines = lines(bytes);
        // Steps 1, 11, 21 (10 s apart), and step 30 on close.
        assertEquals(4, lines.size(), lines.toString());
        for (String line : lines) {
            assertTrue(REPORT.matcher(line).matches(), line);
        }
        assertTrue(lines.get(0).startsWith("train 1.0% step 1, 100/10,000 tok, 100 tok/s"),
                lines.get(0));
        assertTrue(lines.get(3).contains("step 30, 3,000/10,000 tok, 100 tok/s, loss 4.0000,"
                + " 0:00:30, eta 0:01:10"), lines.get(3));
    }

    @Test
    void trainerWritesWholeLinesWithProgressOnWithoutTerminal(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(bytes, true);
        new Trainer(TinyRuns.model(), TinyRuns.config(4, 2, 4), TinyRuns.data(),
                KernelProvider.get(), new Trainer.Options(dir.resolve("run"), false, log, true, null,
                Map.of(), -1)).run();
        List<String> lines = lines(bytes);
        Pattern eval = Pattern.compile("step \\d+: train loss \\d+\\.\\d{4}, val loss \\d+\\.\\d{4},"
                + " bpb \\d+\\.\\d{4}");
        assertTrue(lines.stream().anyMatch(l -> REPORT.matcher(l).matches()), lines.toString());
        assertEquals(2, lines.stream().filter(l -> eval.matcher(l).matches()).count(),
                lines.toString());
        for (String line : lines) {
            assertTrue(REPORT.matcher(line).matches() || eval.matcher(line).matches(),
                    "not a whole report or evaluation line: " + line);
        }
    }
}
