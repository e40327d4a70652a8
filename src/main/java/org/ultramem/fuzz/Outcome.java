package org.ultramem.fuzz;

import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * How one run of the CLI on a mutant ended. The first three are what the CLI promises for any
 * input; the others are findings.
 */
public enum Outcome {
    /** Exit 2 and, as the last stderr line, exactly one line {@code ultramem VERB: ...}. */
    CLEAN_ERROR("clean error", true),
    /** Exit 0. */
    SUCCESS("success", true),
    /** An exit code the verb documents for a verdict on valid input (verify-golden's mismatch 1,
     * train's divergence 3), with a clean stderr. */
    DECLARED_FAILURE("declared failure", true),
    /** Exit 2 but the message is not one clean line (several lines, no verb prefix, empty, or
     * a raw Java exception text instead of a message naming the file or key). */
    MESSY_ERROR("messy error", false),
    /** Exit 70: the CLI classified the exception as a bug and printed its stack trace. */
    INTERNAL_ERROR("internal error", false),
    /** A stack trace on stderr with any other exit code. */
    STACK_TRACE("stack trace", false),
    /** An exit code that is none of the above. */
    UNEXPECTED_EXIT("unexpected exit code", false),
    /** An {@link OutOfMemoryError} escaped the CLI. */
    OOM("out of memory", false),
    /** Some other {@link Throwable} escaped the CLI (a StackOverflowError, ...). */
    UNCAUGHT("uncaught throwable", false),
    /** The run did not finish within the deadline. */
    HANG("hang", false);

    /** Messages that are a Java exception's own text, not one written for the user. */
    private static final Pattern RAW_MESSAGE = Pattern.compile("^(For input string|Index -?\\d+ out of"
            + " bounds|Cannot invoke|Cannot read|null$|java\\.|[A-Z]\\w*(Exception|Error)\\b|Out of bound"
            + " access|Nul character|Illegal char|begin \\d+, end|Array index|Unexpected character)");
    private static final Pattern TRACE = Pattern.compile(
            "(?m)^\\s+at [\\w$.<>/]+\\(|Exception in thread|^Caused by: |internal error");

    public final String label;
    public final boolean acceptable;

    Outcome(String label, boolean acceptable) {
        this.label = label;
        this.acceptable = acceptable;
    }

    /**
     * Classifies a finished run: {@code err} is everything written to stderr (picocli's writer and
     * System.err), {@code thrown} what escaped {@code execute} (or null).
     */
    static Outcome classify(String verb, Set<Integer> declaredCodes, int exit, String err,
                            Throwable thrown) {
        if (thrown instanceof OutOfMemoryError) {
            return OOM;
        }
        if (thrown != null) {
            return UNCAUGHT;
        }
        if (exit == 70) {
            return INTERNAL_ERROR;
        }
        if (TRACE.matcher(err).find()) {
            return STACK_TRACE;
        }
        if (exit == 0) {
            return SUCCESS;
        }
        if (exit == 2) {
            return cleanLastLine(verb, err) ? CLEAN_ERROR : MESSY_ERROR;
        }
        if (declaredCodes.contains(exit)) {
            // verify-golden prints its verdict on stdout; train's divergence is one stderr line.
            boolean quiet = err.lines().noneMatch(l -> l.startsWith("ultramem "));
            return quiet || cleanLastLine(verb, err) ? DECLARED_FAILURE : MESSY_ERROR;
        }
        return UNEXPECTED_EXIT;
    }

    /**
     * True when exactly one stderr line starts with "ultramem " (warnings, "ultramem VERB:
     * warning: ...", aside) and it is the last, reading "ultramem VERB: message". Lines before it
     * are allowed (training logs, warnings); a message that runs
     * over several lines fails because its last line lacks the prefix; so does a message that
     * is only a Java exception's own text ({@code For input string: "abc"}), which names neither
     * the file nor the key.
     */
    static boolean cleanLastLine(String verb, String err) {
        List<String> lines = err.lines().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            return false;
        }
        String warning = "ultramem " + verb + ": warning: ";
        long prefixed = lines.stream()
                .filter(l -> l.startsWith("ultramem ") && !l.startsWith(warning)).count();
        String last = lines.get(lines.size() - 1);
        String prefix = "ultramem " + verb + ": ";
        return prefixed == 1 && last.startsWith(prefix) && last.length() > prefix.length()
                && !RAW_MESSAGE.matcher(last.substring(prefix.length())).find();
    }
}
