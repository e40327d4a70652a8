package org.ultramem.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The golden vector files of the official PyTorch UltraMem layers, as test resources
 * ({@code src/test/resources/golden/}, V1 at the top, V2 in {@code v2/}), so the suite passes in a
 * fresh clone. They are byte-for-byte copies of the project's {@code shared/golden}; their format
 * is in {@code golden/README.md} (its relative links point into {@code shared/docs}).
 *
 * <p>Files are located through the test classpath, which Maven fills from
 * {@code target/test-classes}; every method returns a real file path because the readers map files.
 */
public final class Goldens {

    private static final String ROOT = "/golden/README.md";

    private Goldens() {
    }

    /** The folder of the V1 golden files and their README. */
    public static Path dir() {
        URL readme = Goldens.class.getResource(ROOT);
        if (readme == null) {
            throw new IllegalStateException("test resource " + ROOT + " is not on the classpath;"
                    + " run the tests with Maven (it copies src/test/resources/golden into"
                    + " target/test-classes)");
        }
        if (!"file".equals(readme.getProtocol())) {
            throw new IllegalStateException("test resource " + ROOT + " is at " + readme
                    + ", not a plain file; the safetensors reader maps files, so run the tests"
                    + " from target/test-classes");
        }
        try {
            return Path.of(readme.toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("bad resource URL " + readme, e);
        }
    }

    /** The folder of the V2 golden files. */
    public static Path v2Dir() {
        return dir().resolve("v2");
    }

    /** One V1 golden file by name, e.g. {@code "ultramem_v1_tiny.safetensors"}; it must exist. */
    public static Path file(String name) {
        return existing(dir().resolve(name));
    }

    /** One V2 golden file by name, e.g. {@code "ultramem_v2_base.safetensors"}; it must exist. */
    public static Path v2File(String name) {
        return existing(v2Dir().resolve(name));
    }

    /** Every V1 golden file ({@code ultramem_v1_*.safetensors}), sorted by name; never empty. */
    public static List<Path> v1Files() {
        return list(dir(), "ultramem_v1_");
    }

    /** Every V2 golden file ({@code ultramem_v2_*.safetensors}), sorted by name; never empty. */
    public static List<Path> v2Files() {
        return list(v2Dir(), "ultramem_v2_");
    }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) {
            throw new IllegalStateException("golden file " + p + " does not exist; the golden"
                    + " test resources are in src/test/resources/golden");
        }
        return p;
    }

    private static List<Path> list(Path dir, String prefix) {
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().startsWith(prefix)
                    && p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list golden folder " + dir, e);
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("no " + prefix + "*.safetensors in " + dir
                    + "; the golden test resources are in src/test/resources/golden");
        }
        return files;
    }
}
