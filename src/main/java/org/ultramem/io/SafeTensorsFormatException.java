package org.ultramem.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that is damaged, truncated or hostile. The message names the file, the
 * offending entry and value, and the rule it breaks.
 */
public final class SafeTensorsFormatException extends IOException {

    public SafeTensorsFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public SafeTensorsFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
