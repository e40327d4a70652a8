package org.ultramem.io;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Checkpoint provenance: the {@code __metadata__} strings that say how a safetensors file was made
 * (Tribuo-style): ultramem version, git commit, build commit, seed, config (compact JSON), data
 * hash, creation time (ISO-8601 UTC, seconds) and Java version. Keys are the {@code KEY_*}
 * constants.
 *
 * <p>Two commits, because they can differ: {@code build_commit} is the commit the running classes
 * were compiled from (written into {@code org/ultramem/build-info.properties} by the build, with
 * {@code -dirty} when the tree had uncommitted changes), {@code git_commit} the checkout's HEAD in
 * the working directory at the moment of writing. A long run from a jar copied aside keeps the
 * first fixed while the checkout moves on.
 *
 * <p>The git commit is read from the files ({@code .git/HEAD}, the loose ref, then
 * {@code packed-refs}), searching upward from the given directory; it is {@code "unknown"} outside
 * a checkout or before the first commit. No process is started.
 */
public final class Provenance {

    public static final String KEY_FORMAT = "format";
    public static final String KEY_VERSION = "ultramem_version";
    public static final String KEY_GIT_COMMIT = "git_commit";
    public static final String KEY_BUILD_COMMIT = "build_commit";
    public static final String KEY_SEED = "seed";
    public static final String KEY_CONFIG = "config";
    public static final String KEY_DATA_HASH = "data_sha256";
    public static final String KEY_CREATED = "created_utc";
    public static final String KEY_JAVA = "java_version";
    /**
     * SHA-256 of the canonical bytes of the tokenizer the model was trained with
     * ({@code TokenizerJson.sha256}); written by checkpoint saves beside the provenance keys.
     */
    public static final String KEY_TOKENIZER_HASH = "tokenizer_sha256";
    /** Value of {@link #KEY_FORMAT}; lets readers recognise our checkpoints. */
    public static final String FORMAT = "ultramem";
    public static final String UNKNOWN = "unknown";

    private static final String BUILD_INFO = "/org/ultramem/build-info.properties";
    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");

    private Provenance() {
    }

    /** Metadata for a checkpoint made now, in the git checkout containing the working directory. */
    public static Map<String, String> metadata(long seed, JsonNode config, String dataHash) {
        return metadata(seed, config, dataHash, Path.of("").toAbsolutePath(), Clock.systemUTC());
    }

    /**
     * Metadata with an explicit checkout directory and clock (for tests and reproducible builds).
     */
    public static Map<String, String> metadata(long seed, JsonNode config, String dataHash,
            Path dir, Clock clock) {
        Map<String, String> md = new LinkedHashMap<>();
        md.put(KEY_FORMAT, FORMAT);
        md.put(KEY_VERSION, version());
        md.put(KEY_GIT_COMMIT, gitCommit(dir));
        md.put(KEY_BUILD_COMMIT, buildCommit());
        md.put(KEY_SEED, Long.toString(seed));
        md.put(KEY_CONFIG, ConfigJson.toCompactJson(config));
        md.put(KEY_DATA_HASH, dataHash == null ? UNKNOWN : dataHash);
        md.put(KEY_CREATED, Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        md.put(KEY_JAVA, Runtime.version().toString());
        return md;
    }

    /** The jar's Implementation-Version, or {@code "dev"} when run from classes. */
    public static String version() {
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * The commit these classes were built from, suffixed {@code -dirty} if the tree had uncommitted
     * changes, or {@code "unknown"} (built outside a git checkout, or the build info is missing).
     */
    public static String buildCommit() {
        return buildCommit(Provenance.class.getResourceAsStream(BUILD_INFO));
    }

    /** {@link #buildCommit()} from the given properties stream (closed here; null means missing). */
    static String buildCommit(InputStream in) {
        if (in == null) {
            return UNKNOWN;
        }
        Properties props = new Properties();
        try (in) {
            props.load(in);
        } catch (IOException e) {
            return UNKNOWN;
        }
        String sha = props.getProperty("git.commit.id.full", "").strip();
        if (!SHA.matcher(sha).matches()) {
            return UNKNOWN;
        }
        return "true".equals(props.getProperty("git.dirty", "").strip()) ? sha + "-dirty" : sha;
    }

    /**
     * The commit checked out in the git repository containing {@code dir} (searching upward), or
     * {@code "unknown"} when there is none, HEAD names an unborn branch, or the files are
     * unreadable.
     */
    public static String gitCommit(Path dir) {
        try {
            Path gitDir = findGitDir(dir.toAbsolutePath().normalize());
            if (gitDir == null) {
                return UNKNOWN;
            }
            String head = Files.readString(gitDir.resolve("HEAD")).strip();
            if (SHA.matcher(head).matches()) {
                return head; // detached HEAD
            }
            if (!head.startsWith("ref: ")) {
                return UNKNOWN;
            }
            String ref = head.substring(5).strip();
            Path loose = gitDir.resolve(ref).normalize();
            if (loose.startsWith(gitDir) && Files.isRegularFile(loose)) {
                String sha = Files.readString(loose).strip();
                return SHA.matcher(sha).matches() ? sha : UNKNOWN;
            }
            Path packed = commonDir(gitDir).resolve("packed-refs");
            if (Files.isRegularFile(packed)) {
                for (String line : Files.readAllLines(packed)) {
                    String[] parts = line.strip().split(" ");
                    if (parts.length == 2 && parts[1].equals(ref)
                            && SHA.matcher(parts[0]).matches()) {
                        return parts[0];
                    }
                }
            }
            Path commonLoose = commonDir(gitDir).resolve(ref).normalize();
            if (!commonLoose.equals(loose) && Files.isRegularFile(commonLoose)) {
                String sha = Files.readString(commonLoose).strip();
                return SHA.matcher(sha).matches() ? sha : UNKNOWN;
            }
            return UNKNOWN;
        } catch (IOException | RuntimeException e) {
            return UNKNOWN;
        }
    }

    /** SHA-256 of a file as lowercase hex, streamed through a read-only mapping (any size). */
    public static String sha256(Path file) throws IOException {
        MessageDigest md = sha256Digest();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                Arena arena = Arena.ofConfined()) {
            long size = ch.size();
            if (size > 0) {
                MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
                long chunk = 1L << 26;
                for (long off = 0; off < size; off += chunk) {
                    md.update(all.asSlice(off, Math.min(chunk, size - off)).asByteBuffer());
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** SHA-256 of a string's UTF-8 bytes as lowercase hex. */
    public static String sha256(String text) {
        byte[] digest = sha256Digest().digest(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest);
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /**
     * The .git directory for {@code dir} or an ancestor; follows a {@code gitdir:} file
     * (worktrees).
     */
    private static Path findGitDir(Path dir) throws IOException {
        for (Path d = dir; d != null; d = d.getParent()) {
            Path git = d.resolve(".git");
            if (Files.isDirectory(git)) {
                return git;
            }
            if (Files.isRegularFile(git)) {
                String text = Files.readString(git).strip();
                if (text.startsWith("gitdir:")) {
                    return d.resolve(text.substring(7).strip()).normalize();
                }
            }
        }
        return null;
    }

    /** For a worktree's git dir, the shared repository directory named in {@code commondir}. */
    private static Path commonDir(Path gitDir) throws IOException {
        Path common = gitDir.resolve("commondir");
        return Files.isRegularFile(common)
                ? gitDir.resolve(Files.readString(common).strip()).normalize() : gitDir;
    }
}
