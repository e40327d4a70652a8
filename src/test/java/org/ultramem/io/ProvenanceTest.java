package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvenanceTest {

    @TempDir
    Path dir;

    private static final String SHA_A = "0123456789abcdef0123456789abcdef01234567";
    private static final String SHA_B = "fedcba9876543210fedcba9876543210fedcba98";

    @Test
    void buildsAllKeysAndRoundTripsThroughSafetensors() throws IOException {
        var config = ConfigJson.parse("{\"hidden_size\": 128, \"name\": \"tiny\"}", "t");
        Clock clock = Clock.fixed(Instant.parse("2026-11-28T20:59:42.123Z"), ZoneOffset.UTC);
        Map<String, String> md = Provenance.metadata(42, config, "abc123", dir, clock);
        assertEquals(List.of("format", "ultramem_version", "git_commit", "build_commit", "seed",
                "config", "data_sha256",
                "created_utc", "java_version"), List.copyOf(md.keySet()));
        assertEquals("ultramem", md.get(Provenance.KEY_FORMAT));
        assertEquals("42", md.get(Provenance.KEY_SEED));
        assertEquals("{\"hidden_size\":128,\"name\":\"tiny\"}", md.get(Provenance.KEY_CONFIG));
        assertEquals("abc123", md.get(Provenance.KEY_DATA_HASH));
        assertEquals("2026-11-28T20:59:42Z", md.get(Provenance.KEY_CREATED));
        assertEquals(Runtime.version().toString(), md.get(Provenance.KEY_JAVA));
        assertEquals("unknown", md.get(Provenance.KEY_GIT_COMMIT)); // temp dir is no checkout
        Path p = dir.resolve("m.safetensors");
        new SafeTensorsWriter().addF32("w", new float[] {1}, 1).putMetadata(md).write(p);
        try (var f = SafeTensorsFile.open(p)) {
            assertEquals(md, f.metadata());
            assertEquals(config, ConfigJson.parse(f.metadata().get("config"), "metadata"));
        }
    }

    @Test
    void readsBuildCommitFromBuildInfo() {
        assertEquals(SHA_A, Provenance.buildCommit(props("git.commit.id.full=" + SHA_A + "\ngit.dirty=false\n")));
        assertEquals(SHA_A + "-dirty", Provenance.buildCommit(props("git.commit.id.full=" + SHA_A + "\ngit.dirty=true\n")));
        assertEquals("unknown", Provenance.buildCommit(props("git.commit.id.full=not-a-sha\n")));
        assertEquals("unknown", Provenance.buildCommit(props("")));
        assertEquals("unknown", Provenance.buildCommit(null));
        // the Maven build writes the file for the classes under test when it runs in a checkout
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of(".git")), "not built in a git checkout");
        assertTrue(Provenance.buildCommit().matches("[0-9a-f]{40}(-dirty)?"), Provenance.buildCommit());
    }

    private static java.io.InputStream props(String text) {
        return new java.io.ByteArrayInputStream(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void readsCommitFromLooseRefPackedRefsAndDetachedHead() throws IOException {
        Path heads = Files.createDirectories(dir.resolve("repo/.git/refs/heads"));
        Path sub = Files.createDirectories(dir.resolve("repo/src/deep"));
        Files.writeString(dir.resolve("repo/.git/HEAD"), "ref: refs/heads/main\n");
        assertEquals("unknown", Provenance.gitCommit(sub)); // unborn branch: no commit yet
        Files.writeString(dir.resolve("repo/.git/packed-refs"),
                "# pack-refs with: peeled fully-peeled sorted\n" + SHA_B + " refs/heads/main\n");
        assertEquals(SHA_B, Provenance.gitCommit(sub));
        Files.writeString(heads.resolve("main"), SHA_A + "\n");
        assertEquals(SHA_A, Provenance.gitCommit(sub)); // loose ref wins over packed
        Files.writeString(dir.resolve("repo/.git/HEAD"), SHA_B + "\n");
        assertEquals(SHA_B, Provenance.gitCommit(dir.resolve("repo")));
        Files.writeString(dir.resolve("repo/.git/HEAD"), "ref: ../../../etc/passwd\n");
        assertEquals("unknown", Provenance.gitCommit(sub));
    }

    @Test
    void followsWorktreeGitFile() throws IOException {
        Path main = Files.createDirectories(dir.resolve("main/.git/worktrees/wt"));
        Files.createDirectories(dir.resolve("main/.git/refs/heads"));
        Files.writeString(dir.resolve("main/.git/refs/heads/feature"), SHA_A);
        Files.writeString(main.resolve("HEAD"), "ref: refs/heads/feature\n");
        Files.writeString(main.resolve("commondir"), "../..\n");
        Path wt = Files.createDirectories(dir.resolve("wt"));
        Files.writeString(wt.resolve(".git"), "gitdir: " + main + "\n");
        assertEquals(SHA_A, Provenance.gitCommit(wt));
    }

    @Test
    void hashesFilesAndStrings() throws IOException {
        assertEquals("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                Provenance.sha256("abc"));
        Path p = dir.resolve("d.bin");
        Files.writeString(p, "abc");
        assertEquals(Provenance.sha256("abc"), Provenance.sha256(p));
        Path empty = Files.createFile(dir.resolve("e.bin"));
        assertEquals("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                Provenance.sha256(empty));
    }
}
