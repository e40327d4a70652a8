package org.ultramem.model;

import java.io.IOException;

/**
 * A checkpoint whose weights do not match its config or break a value rule (found by
 * {@link CheckpointValidator}); the message names the file, the tensor, the value and the fix.
 * An {@link IOException}, so the CLI reports it as a user error.
 */
public final class CheckpointException extends IOException {

    public CheckpointException(String message) {
        super(message);
    }
}
