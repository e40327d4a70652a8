package org.ultramem.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.ultramem.io.SafeTensorsWriter;

/** The mutators: every kind changes the file, a cycle covers every kind, (seed, index) replays. */
class MutatorsTest {

    private static byte[] safetensors() throws Exception {
        var p = java.nio.file.Files.createTempFile("mut", ".safetensors");
        try {
            new SafeTensorsWriter().addF32("w", new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
                    .addI32("shuffle_index", new int[] {2, 0, 1}, 3)
                    .addI64("step", new long[] {4}, 1).putMetadata("step", "4").write(p);
            return java.nio.file.Files.readAllBytes(p);
        } finally {
            java.nio.file.Files.delete(p);
        }
    }

    private static final byte[] CONFIG = """
            {"hidden_size": 16, "name": "x", "flag": true,
             "training": {"max_steps": 3, "lr": 0.001, "list": [1, 2, 3]}}
            """.getBytes(StandardCharsets.UTF_8);

    @Test
    void everySafeTensorsKindChangesTheFileAndACycleCoversThemAll() throws Exception {
        byte[] original = safetensors();
        SafeTensorsMutator m = new SafeTensorsMutator(original);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < SafeTensorsMutator.SCHEDULE.size(); i++) {
            Mutant x = m.mutate(i, new SplittableRandom(i));
            seen.add(x.kind().equals("shuffle-index-bad") ? "int-values-bad" : x.kind());
            assertFalse(x.detail().isBlank());
        }
        assertEquals(new HashSet<>(SafeTensorsMutator.STRUCTURAL), minus(seen, SafeTensorsMutator.BYTE_LEVEL));
        for (String kind : SafeTensorsMutator.STRUCTURAL) {
            for (int s = 0; s < 8; s++) {
                Mutant x = m.mutate(0, kind, new SplittableRandom(s));
                assertFalse(Arrays.equals(original, x.bytes()), kind + " left the file unchanged: "
                        + x.detail());
            }
        }
    }

    @Test
    void everyJsonKindChangesTheFileAndSparesUnboundedKeys() {
        JsonMutator m = new JsonMutator(CONFIG, Set.of("training.max_steps"));
        for (String kind : JsonMutator.STRUCTURAL) {
            for (int s = 0; s < 8; s++) {
                Mutant x = m.mutate(0, kind, new SplittableRandom(s));
                String text = new String(x.bytes(), StandardCharsets.UTF_8);
                assertFalse(text.equals(new String(CONFIG, StandardCharsets.UTF_8)), kind);
                if (kind.equals("huge-number")) {
                    assertFalse(x.detail().startsWith("`training.max_steps`"), x.detail());
                }
            }
        }
        assertEquals(Set.copyOf(JsonMutator.STRUCTURAL), minus(Set.copyOf(JsonMutator.SCHEDULE),
                Set.of("bytes")));
    }

    @Test
    void aMutantIsAFunctionOfItsSeedAndIndex() throws Exception {
        byte[] original = safetensors();
        for (int i = 0; i < 60; i++) {
            Mutant a = new SafeTensorsMutator(original).mutate(i, new SplittableRandom(7L * i));
            Mutant b = new SafeTensorsMutator(original).mutate(i, new SplittableRandom(7L * i));
            assertArrayEquals(a.bytes(), b.bytes());
            assertEquals(a.detail(), b.detail());
        }
        assertEquals(FuzzTarget.CONFIG.verbFor(3, 17), FuzzTarget.CONFIG.verbFor(3, 17));
    }

    @Test
    void outcomesAreClassifiedFromExitCodeAndStderr() {
        Set<Integer> none = Set.of();
        assertEquals(Outcome.CLEAN_ERROR, Outcome.classify("eval", none, 2,
                "ultramem eval: /x/model.safetensors: header is not valid JSON\n", null));
        assertEquals(Outcome.CLEAN_ERROR, Outcome.classify("train", none, 2,
                "step 1: train loss 5.1\nultramem train: config key `lr` (0) must be > 0\n", null));
        assertEquals(Outcome.MESSY_ERROR, Outcome.classify("eval", none, 2,
                "ultramem eval: For input string: \"abc\"\n", null));
        assertEquals(Outcome.MESSY_ERROR, Outcome.classify("eval", none, 2,
                "ultramem eval: bad\nsecond line\n", null));
        assertEquals(Outcome.MESSY_ERROR, Outcome.classify("eval", none, 2, "", null));
        assertEquals(Outcome.INTERNAL_ERROR, Outcome.classify("eval", none, 70, "", null));
        assertEquals(Outcome.STACK_TRACE, Outcome.classify("eval", none, 0,
                "java.lang.RuntimeException: x\n\tat org.ultramem.A.b(A.java:1)\n", null));
        assertEquals(Outcome.DECLARED_FAILURE, Outcome.classify("verify-golden", Set.of(1), 1, "", null));
        assertEquals(Outcome.UNEXPECTED_EXIT, Outcome.classify("eval", none, 1, "", null));
        assertEquals(Outcome.OOM, Outcome.classify("eval", none, -1, "", new OutOfMemoryError()));
        assertEquals(Outcome.UNCAUGHT, Outcome.classify("eval", none, -1, "", new StackOverflowError()));
        assertEquals(Outcome.SUCCESS, Outcome.classify("eval", none, 0, "prefill 3 tokens\n", null));
    }

    @Test
    void boundedBufferKeepsHeadAndTail() {
        BoundedBuffer b = new BoundedBuffer(8);
        byte[] text = "0123456789abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.UTF_8);
        b.write(text, 0, text.length);
        String s = b.toString();
        assertTrue(s.startsWith("01234567") && s.endsWith("stuvwxyz") && s.contains("[... 20 bytes ...]"), s);
    }

    private static Set<String> minus(Set<String> a, java.util.Collection<String> b) {
        Set<String> out = new HashSet<>(a);
        b.forEach(out::remove);
        return out;
    }

    @Test
    void theDataPlaceholderIsSubstitutedEvenInDamagedBytes() {
        byte[] seed = ("{\"data_dir\": \"" + CanonicalFixture.DATA_DIR + "\"}\u00ff")
                .getBytes(StandardCharsets.ISO_8859_1);
        byte[] out = CanonicalFixture.withDataDir(seed, java.nio.file.Path.of("/tmp/a\"b"));
        assertEquals("{\"data_dir\": \"/tmp/a\\\"b\"}\u00ff", new String(out, StandardCharsets.ISO_8859_1));
    }
}
