package org.ultramem.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Training progress, counted in tokens, with the step and the latest loss. On a terminal it is a
 * progress bar redrawn in place (speed column in tokens/s, ETA from the token rate). Anywhere
 * else (stderr redirected to a file or a pipe, or a stream that is not stderr) it is plain text:
 * one whole line per report, at most one every {@link #PLAIN_INTERVAL} plus the last, written
 * synchronously so it never splits or glues other lines. A disabled instance prints nothing
 * (tests, {@code --no-progress}).
 */
public final class TrainProgress implements AutoCloseable {

    /** The shortest time between two plain lines. */
    static final Duration PLAIN_INTERVAL = Duration.ofSeconds(10);

    private final ProgressBar bar;
    private final PlainLines plain;

    private TrainProgress(ProgressBar bar, PlainLines plain) {
        this.bar = bar;
        this.plain = plain;
    }

    /**
     * Progress for {@code totalTokens} tokens, starting at {@code doneTokens} (resume): a bar when
     * {@code err} is {@code System.err} and that is a terminal, plain lines otherwise.
     */
    public static TrainProgress start(PrintStream err, long doneTokens, long totalTokens) {
        if (err == System.err && stderrIsTerminal()) {
            return bar(err, doneTokens, totalTokens);
        }
        return plain(err, doneTokens, totalTokens, System::nanoTime, PLAIN_INTERVAL);
    }

    /** Plain lines on {@code out}, timed by {@code clock} (nanoseconds). */
    static TrainProgress plain(PrintStream out, long doneTokens, long totalTokens, LongSupplier clock,
            Duration interval) {
        return new TrainProgress(null,
                new PlainLines(out, doneTokens, totalTokens, clock, interval.toNanos()));
    }

    private static TrainProgress bar(PrintStream err, long doneTokens, long totalTokens) {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(totalTokens)
                .setUnit(" tok", 1)
                .showSpeed(new java.text.DecimalFormat("#,##0"))
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setUpdateIntervalMillis(500)
                .startsFrom(doneTokens, Duration.ZERO)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .build();
        return new TrainProgress(bar, null);
    }

    /** A progress object that prints nothing. */
    public static TrainProgress disabled() {
        return new TrainProgress(null, null);
    }

    /** True when this draws a bar in place on a terminal (other output would break into it). */
    public boolean isBar() {
        return bar != null;
    }

    /** Records that training reached {@code step} having seen {@code tokens} tokens in total. */
    public void update(long step, long tokens, double loss) {
        if (bar != null) {
            bar.stepTo(tokens);
            // The bar appends the message right after "tok/s": the leading space separates them.
            bar.setExtraMessage(String.format(Locale.ROOT, " step %d loss %.4f", step, loss));
        } else if (plain != null) {
            plain.update(step, tokens, loss);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        } else if (plain != null) {
            plain.close();
        }
    }

    /**
     * Whether stderr is a terminal. {@link System#console()} covers stdin and stdout only; on Linux
     * /proc/self/fd/2 names stderr's target (a /dev/pts or /dev/tty device for a terminal), so
     * {@code train 2> log} gets plain lines too. Elsewhere the console decides.
     */
    static boolean stderrIsTerminal() {
        java.io.Console console = System.console();
        if (console == null || !console.isTerminal()) {
            return false;
        }
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return true;
        }
    }

    /** Plain-text progress: whole lines, rate-limited, the latest report printed on close. */
    private static final class PlainLines {
        private final PrintStream out;
        private final long startTokens;
        private final long totalTokens;
        private final LongSupplier clock;
        private final long intervalNanos;
        private final long startNanos;
        private long lastPrintNanos;
        private boolean printedAny;
        private String pending;

        PlainLines(PrintStream out, long startTokens, long totalTokens, LongSupplier clock,
                long intervalNanos) {
            this.out = out;
            this.startTokens = startTokens;
            this.totalTokens = totalTokens;
            this.clock = clock;
            this.intervalNanos = intervalNanos;
            this.startNanos = clock.getAsLong();
        }

        void update(long step, long tokens, double loss) {
            long now = clock.getAsLong();
            pending = line(step, tokens, loss, now);
            if (!printedAny || now - lastPrintNanos >= intervalNanos || tokens >= totalTokens) {
                print(now);
            }
        }

        void close() {
            if (pending != null) {
                print(clock.getAsLong());
            }
        }

        private void print(long now) {
            out.println(pending);
            out.flush();
            pending = null;
            printedAny = true;
            lastPrintNanos = now;
        }

        /** "train 48.0% step 48, 1,536/3,200 tok, 9,830 tok/s, loss 6.1234, 0:00:02, eta 0:00:01". */
        private String line(long step, long tokens, double loss, long now) {
            double seconds = (now - startNanos) / 1e9;
            double speed = seconds > 0 ? (tokens - startTokens) / seconds : Double.NaN;
            String eta = speed > 0 ? clockTime((totalTokens - tokens) / speed) : "?";
            return String.format(Locale.ROOT,
                    "train %.1f%% step %d, %,d/%,d tok, %s tok/s, loss %.4f, %s, eta %s",
                    100.0 * tokens / Math.max(1, totalTokens), step, tokens, totalTokens,
                    speed > 0 ? String.format(Locale.ROOT, "%,.0f", speed) : "?", loss,
                    clockTime(seconds), eta);
        }

        private static String clockTime(double seconds) {
            long s = Math.round(Math.max(0, seconds));
            return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
        }
    }
}
