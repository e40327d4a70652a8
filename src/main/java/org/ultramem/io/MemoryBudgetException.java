package org.ultramem.io;

/**
 * Sizes a user asked for (a config, an option, a file's metadata) that need more memory than the
 * JVM can give, found by {@link MemoryBudget} before anything was allocated. The message says
 * what needs how much, what is available and the fix; the CLI prints it as a user error.
 */
public final class MemoryBudgetException extends RuntimeException {

    public MemoryBudgetException(String message) {
        super(message);
    }
}
