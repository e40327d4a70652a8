package org.ultramem.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.ultramem.io.SafeTensorsFile;

/** The golden files come from the test classpath, so a fresh clone has all of them. */
class GoldensTest {

    @Test
    void findsEveryV1AndV2GoldenFileOnTheClasspath() throws IOException {
        assertEquals(6, Goldens.v1Files().size(), Goldens.v1Files().toString());
        assertEquals(9, Goldens.v2Files().size(), Goldens.v2Files().toString());
        assertTrue(Files.isRegularFile(Goldens.dir().resolve("README.md")));
        for (Path p : Goldens.v2Files()) {
            try (SafeTensorsFile f = SafeTensorsFile.open(p)) {
                assertTrue(f.metadata().containsKey("mem_layer_num"), p + " " + f.metadata());
            }
        }
        assertEquals(Goldens.v2Dir().resolve("ultramem_v2_base.safetensors"),
                Goldens.v2File("ultramem_v2_base.safetensors"));
    }

    @Test
    void missingFileNamesTheFolder() {
        String m = assertThrows(IllegalStateException.class,
                () -> Goldens.file("ultramem_v1_absent.safetensors")).getMessage();
        assertTrue(m.contains("src/test/resources/golden"), m);
    }
}
