package org.ultramem.data;

/**
 * A data problem the user can fix (npm missing, a bad hash, an empty folder, a damaged token file).
 * The message names the thing, the value, the rule and the fix; the CLI prints it on one line
 * without a stack trace.
 */
public final class DataException extends RuntimeException {

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
