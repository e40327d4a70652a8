package org.ultramem.nn.memory;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.testing.Goldens;
import org.ultramem.testing.SafeTensorsEdits;

/** A damaged golden file is a user error naming the file and what is wrong, never a crash. */
class UltraMemGoldenTest {

    private static final Path TINY = Goldens.file("ultramem_v1_tiny.safetensors");

    @TempDir
    Path dir;

    @Test
    void anInputOfTheWrongSizeIsNamed() throws Exception {
        // Before the check, an empty `input` crashed the forward pass with an index error.
        Path f = dir.resolve("g.safetensors");
        Files.copy(TINY, f);
        SafeTensorsEdits.editHeader(f, h -> {
            ObjectNode in = (ObjectNode) h.get("input");
            long begin = in.get("data_offsets").get(0).longValue();
            in.putArray("shape").add(1L << 32).add(0);
            in.putArray("data_offsets").add(begin).add(begin);
        });
        var e = assertThrows(IllegalArgumentException.class, () -> UltraMemGolden.verify(f));
        assertTrue(e.getMessage().startsWith(f + ": tensor `input` has shape [4294967296, 0] but"),
                e.getMessage());
    }

    @Test
    void aMalformedRmsEpsIsNamed() throws Exception {
        Path f = dir.resolve("g.safetensors");
        Files.copy(TINY, f);
        SafeTensorsEdits.editHeader(f, h -> ((ObjectNode) h.get("__metadata__")).put("rms_eps", "0x10"));
        var e = assertThrows(IllegalArgumentException.class, () -> UltraMemGolden.verify(f));
        assertTrue(e.getMessage().startsWith(f + ": __metadata__ `rms_eps` is \"0x10\" but must be"),
                e.getMessage());
    }
}
