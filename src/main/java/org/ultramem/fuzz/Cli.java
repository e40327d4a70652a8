package org.ultramem.fuzz;

import java.io.PrintWriter;

/** The CLI as the harness sees it: arguments in, exit code out, picocli's writers given. */
@FunctionalInterface
public interface Cli {

    /** Runs {@code ultramem args...} with picocli's out/err set to the given writers. */
    int execute(String[] args, PrintWriter out, PrintWriter err);
}
