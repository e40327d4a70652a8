package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file the CLI reads must be a regular file: a FIFO is refused at once (opening one blocks
 * until a writer appears, so without the check these tests would hang until their timeout), a
 * directory with its own message rather than the OS's "No such device".
 */
class RegularFilesTest {

    @TempDir
    Path dir;

    static Path fifo(Path dir) throws IOException, InterruptedException {
        Path f = dir.resolve("pipe");
        int code;
        try {
            code = new ProcessBuilder("mkfifo", f.toString()).start().waitFor();
        } catch (IOException e) {
            code = -1;
        }
        assumeTrue(code == 0, "mkfifo is not available here");
        return f;
    }

    @Test
    @Timeout(20)
    void refusesAFifoWithoutBlocking() throws Exception {
        Path f = fifo(dir);
        String m = assertThrows(IOException.class, () -> RegularFiles.require(f, "weights file"))
                .getMessage();
        assertTrue(m.contains("weights file " + f + " is a FIFO"), m);
        assertTrue(assertThrows(IOException.class, () -> SafeTensorsFile.open(f)).getMessage()
                .contains("FIFO"));
        assertTrue(assertThrows(ConfigException.class, () -> ConfigJson.load(f)).getMessage()
                .contains("FIFO"));
    }

    @Test
    void refusesADirectoryNamingIt() {
        String m = assertThrows(IOException.class, () -> SafeTensorsFile.open(dir)).getMessage();
        assertTrue(m.contains(dir + " is a directory, not a regular file"), m);
    }

    @Test
    void missingFileIsNoSuchFileAndARegularFilePasses() throws IOException {
        assertThrows(NoSuchFileException.class,
                () -> RegularFiles.require(dir.resolve("absent"), "x"));
        Path f = Files.writeString(dir.resolve("ok.json"), "{}");
        assertEquals(f, RegularFiles.require(f, "x"));
    }
}
