package org.ultramem.io;

/**
 * A configuration error a user can fix: a missing or malformed file, an unknown key, a value of the
 * wrong type or out of range. The message is complete on its own (names the key, the value, the
 * rule and, where possible, the fix); CLI code prints it without a stack trace.
 */
public final class ConfigException extends RuntimeException {

    public ConfigException(String message) {
        super(message);
    }

    public ConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
