package org.ultramem.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The rule for every file the CLI opens for reading: it must be a regular file. Opening a FIFO
 * blocks until some other process writes to it (forever, for a stray {@code mkfifo}), mapping a
 * directory fails with the operating system's "No such device", and a device such as
 * {@code /dev/zero} never ends; so each is refused up front with one line naming the file, what
 * it is and what was expected.
 */
public final class RegularFiles {

    private RegularFiles() {
    }

    /**
     * Returns {@code file} when it is a regular file (symbolic links followed).
     *
     * @param what what the file should be, for the message ("weights file", "tokenizer")
     * @throws NoSuchFileException when nothing is there
     * @throws IOException naming the file, its kind and the fix otherwise
     */
    public static Path require(Path file, String what) throws IOException {
        if (Files.isRegularFile(file)) {
            return file;
        }
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString());
        }
        throw new IOException(what + " " + file + " is " + kind(file) + ", not a regular file;"
                + " pass the path of a regular file");
    }

    /** "a directory", "a FIFO (named pipe), which would block reading", "a device or socket". */
    static String kind(Path file) {
        if (Files.isDirectory(file)) {
            return "a directory";
        }
        try {
            Object type = Files.getAttribute(file, "unix:mode");
            if (type instanceof Integer mode && (mode & 0xF000) == 0x1000) {
                return "a FIFO (named pipe), which would block reading";
            }
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            // no unix attribute view: fall through to the general description
        }
        return "a device, socket or pipe";
    }
}
