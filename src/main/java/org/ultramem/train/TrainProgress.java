package org.ultramem.train;

import java.io.PrintStream;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The training progress bar: counts tokens, so its speed column is tokens/s and its ETA follows
 * from the token rate; the extra message carries the step and the latest loss. Without a TTY the
 * bar is printed as plain ASCII lines (no cursor movement), at most one every few seconds.
 * A disabled instance prints nothing (tests, {@code --quiet}).
 */
public final class TrainProgress implements AutoCloseable {

    private final ProgressBar bar;

    private TrainProgress(ProgressBar bar) {
        this.bar = bar;
    }

    /** A bar for {@code totalTokens} tokens, starting at {@code doneTokens} (resume). */
    public static TrainProgress start(PrintStream err, long doneTokens, long totalTokens) {
        boolean tty = System.console() != null;
        ProgressBarBuilder b = new ProgressBarBuilder()
                .setTaskName("train")
                .setInitialMax(totalTokens)
                .setUnit(" tok", 1)
                .showSpeed(new java.text.DecimalFormat("#,##0"))
                .setSpeedUnit(ChronoUnit.SECONDS)
                .setStyle(tty ? ProgressBarStyle.COLORFUL_UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(tty ? 500 : 10_000)
                .startsFrom(doneTokens, Duration.ZERO);
        // Without a TTY, carriage returns would glue the bar to the next log line: one line each.
        b.setConsumer(tty ? new ConsoleProgressBarConsumer(err) : new DelegatingProgressBarConsumer(err::println));
        return new TrainProgress(b.build());
    }

    /** A progress object that prints nothing. */
    public static TrainProgress disabled() {
        return new TrainProgress(null);
    }

    /** Records that training reached {@code step} having seen {@code tokens} tokens in total. */
    public void update(long step, long tokens, double loss) {
        if (bar == null) {
            return;
        }
        bar.stepTo(tokens);
        bar.setExtraMessage(String.format(Locale.ROOT, "step %d loss %.4f", step, loss));
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
