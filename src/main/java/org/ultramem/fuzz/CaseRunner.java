package org.ultramem.fuzz;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the CLI in this JVM, one case at a time on a worker thread with a deadline, capturing
 * picocli's writers and {@code System.out}/{@code System.err} (commands that stream, such as
 * generate and train, write there). A case past its deadline is reported as a {@link Outcome#HANG}
 * and abandoned: Java cannot stop a thread, so its worker is replaced and keeps running as a
 * daemon. While the runner is open, System.out and System.err go to the current case; the
 * streams from before are restored by {@link #close()} and are available as {@link #console()}.
 */
public final class CaseRunner implements AutoCloseable {

    private static final int KEEP_BYTES = 64 * 1024;

    private final Cli cli;
    private final Duration timeout;
    private final PrintStream originalOut = System.out;
    private final PrintStream originalErr = System.err;
    private volatile BoundedBuffer currentOut = new BoundedBuffer(KEEP_BYTES);
    private volatile BoundedBuffer currentErr = new BoundedBuffer(KEEP_BYTES);
    private ExecutorService worker = newWorker();
    private int abandoned;

    public CaseRunner(Cli cli, Duration timeout) {
        this.cli = cli;
        this.timeout = timeout;
        System.setOut(new PrintStream(route(true), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(route(false), true, StandardCharsets.UTF_8));
    }

    /** The stderr from before the runner opened, for progress lines. */
    public PrintStream console() {
        return originalErr;
    }

    /** Workers abandoned to hangs so far (each may still be burning a core). */
    public int abandonedWorkers() {
        return abandoned;
    }

    /** What one run printed and how it ended. */
    record Run(int exit, String out, String err, Throwable thrown, boolean timedOut) {
    }

    /** Runs {@code ultramem args...} and returns the raw run. */
    Run run(String... args) {
        BoundedBuffer out = new BoundedBuffer(KEEP_BYTES);
        BoundedBuffer err = new BoundedBuffer(KEEP_BYTES);
        currentOut = out;
        currentErr = err;
        Future<Integer> f = worker.submit(() -> {
            PrintWriter o = new PrintWriter(new PrintStream(out, true, StandardCharsets.UTF_8), true);
            PrintWriter e = new PrintWriter(new PrintStream(err, true, StandardCharsets.UTF_8), true);
            try {
                return cli.execute(args, o, e);
            } finally {
                o.flush();
                e.flush();
            }
        });
        try {
            int code = f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return new Run(code, out.toString(), err.toString(), null, false);
        } catch (ExecutionException ex) {
            return new Run(-1, out.toString(), err.toString(), ex.getCause(), false);
        } catch (TimeoutException ex) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker();
            abandoned++;
            return new Run(-1, out.toString(), err.toString(), null, true);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a fuzz case", ex);
        }
    }

    /** Runs one case and classifies it. */
    CaseResult run(FuzzTarget target, Mutant m, String verb, Set<Integer> declared, String... args) {
        Run r = run(args);
        if (r.timedOut()) {
            return new CaseResult(target, m, verb, Outcome.HANG, -1, "no result after "
                    + timeout.toMillis() + " ms");
        }
        Outcome o = Outcome.classify(verb, declared, r.exit(), r.err(), r.thrown());
        String msg = r.thrown() != null ? r.thrown().toString() : lastLine(r.err());
        if (o == Outcome.INTERNAL_ERROR || o == Outcome.STACK_TRACE) {
            msg = firstTraceLine(r.err());
        }
        return new CaseResult(target, m, verb, o, r.exit(), msg);
    }

    @Override
    public void close() {
        worker.shutdownNow();
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private OutputStream route(boolean stdout) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                (stdout ? currentOut : currentErr).write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                (stdout ? currentOut : currentErr).write(b, off, len);
            }
        };
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }

    static String lastLine(String s) {
        String last = s.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).orElse("");
        return last.length() > 300 ? last.substring(0, 300) + "..." : last;
    }

    /** The exception line of a stack trace (the line before the first "\tat"), else the last line. */
    static String firstTraceLine(String err) {
        String prev = null;
        for (String l : err.lines().toList()) {
            if (l.startsWith("\tat ") && prev != null) {
                return prev.length() > 300 ? prev.substring(0, 300) + "..." : prev;
            }
            prev = l;
        }
        return lastLine(err);
    }
}
