package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reader tests: hostile and damaged headers, huge sparse files.
 * Golden files: {@link SafeTensorsGoldenTest}.
 */
class SafeTensorsFileTest {

    @TempDir
    Path dir;

    /**
     * Bytes of a safetensors file: LE length, the JSON as given (unpadded), then dataBytes zeros.
     */
    static byte[] file(String json, int dataBytes) {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + j.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(j.length).put(j).array();
    }

    private SafeTensorsFormatException rejects(byte[] bytes,
            String... expectedFragments) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, bytes);
        var e = assertThrows(SafeTensorsFormatException.class,
                () -> SafeTensorsFile.open(p).close());
        assertTrue(e.getMessage().contains("bad.safetensors"), e.getMessage());
        for (String f : expectedFragments) {
            assertTrue(e.getMessage().contains(f), "expected `" + f + "` in: " + e.getMessage());
        }
        return e;
    }

    private static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape
                + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    @Test
    void readsAMinimalValidFile() throws IOException {
        Path p = dir.resolve("ok.safetensors");
        byte[] bytes = file("{" + entry("a", "F32", "[2]", 0, 8) + "}", 8);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(bytes.length - 8, 1.5f)
                .putFloat(bytes.length - 4, -2f);
        Files.write(p, bytes);
        try (var f = SafeTensorsFile.open(p)) {
            assertEquals(List.of("a"), f.names());
            assertArrayEquals(new float[] {1.5f, -2f}, f.readF32("a"));
            assertEquals(new TensorInfo("a", DType.F32, new long[] {2}, 0, 8), f.info("a"));
            assertTrue(f.metadata().isEmpty());
        }
    }

    @Test
    void rejectsFileShorterThanEightBytes() throws IOException {
        rejects(new byte[0], "0 bytes", "shorter than the 8-byte header length");
        rejects(new byte[7], "7 bytes");
    }

    @Test
    void rejectsHeaderLengthBeyondFile() throws IOException {
        byte[] b = file("{}", 0);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 1000);
        rejects(b, "header length 1000", "10-byte file");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, -1L);
        rejects(b, "header length 18446744073709551615");
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0);
        rejects(b, "header length 0");
    }

    @Test
    void rejectsHeaderLongerThan100MegabytesEvenWhenTheFileIsLonger() throws IOException {
        Path p = dir.resolve("bad.safetensors");
        try (var raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(8 + 100_000_001L + 16); // sparse: costs no disk space
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(100_000_001L).array());
        }
        var e = assertThrows(SafeTensorsFormatException.class,
                () -> SafeTensorsFile.open(p).close());
        assertTrue(e.getMessage().contains("header length 100000001"), e.getMessage());
        assertTrue(e.getMessage().contains("between 2 and 100000000"), e.getMessage());
    }

    @Test
    void rejectsMalformedJsonWithLocation() throws IOException {
        rejects(file("{\"a\": {\"dtype\": }", 0), "not valid JSON", "line 1, column");
        rejects(file("{\"a\": 1} trailing", 0), "not valid JSON");
        rejects(file("{\0\0\0\0\0\0", 0), "not valid JSON");
        byte[] badUtf8 = file("{\"\u00e9\":1}", 0);
        badUtf8[10] = (byte) 0xFF;
        rejects(badUtf8, "header is not valid UTF-8");
    }

    @Test
    void rejectsNonObjectHeaderAndEntries() throws IOException {
        rejects(file("[1, 2]", 0), "must be a JSON object", "ARRAY");
        rejects(file("{\"a\": 5}", 0), "tensor `a` entry must be a JSON object", "NUMBER");
        rejects(file("{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4),
                "tensor `a` has no string `dtype`");
        rejects(file("{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4),
                "no array `shape`");
        rejects(file("{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4),
                "no array `data_offsets`");
        rejects(file("{\"__metadata__\": [\"x\"]}", 0), "`__metadata__` must be a JSON object");
        rejects(file("{\"__metadata__\": {\"k\": 3}}", 0), "value for `k` must be a string");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "[0, 12]; 8; reach beyond the data section (8 bytes)",
        "[-4, 0]; 8; must satisfy 0 <= begin <= end",
        "[8, 4]; 8; must satisfy 0 <= begin <= end",
        "[0, 4, 8]; 8; `data_offsets` must have 2 elements, found 3",
        "[0, 4.5]; 8; element 1 (4.5) must be an integer",
        "[0, 99999999999999999999]; 8; (99999999999999999999) must be an integer in 64-bit range",
    })
    void rejectsBadOffsets(String offsets, int dataBytes, String fragment) throws IOException {
        String json = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": " + offsets
                + "}}";
        rejects(file(json, dataBytes), "tensor `a`", fragment);
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        String json = "{" + entry("a", "F32", "[2]", 0, 8) + "," + entry("b", "F32", "[2]", 4, 12)
                + "}";
        rejects(file(json, 12), "tensors `a` [0, 8) and `b` [4, 12) overlap");
        String same = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "I32", "[1]", 0, 4)
                + "}";
        rejects(file(same, 4), "overlap");
    }

    @Test
    void acceptsEmptyTensorsSharingAnOffset() throws IOException {
        String json = "{" + entry("a", "F32", "[0]", 0, 0) + "," + entry("b", "F32", "[1, 0]", 0, 0)
                + ","
                + entry("c", "F32", "[1]", 0, 4) + "}";
        Path p = dir.resolve("ok.safetensors");
        Files.write(p, file(json, 4));
        try (var f = SafeTensorsFile.open(p)) {
            assertEquals(0, f.readF32("a").length);
            assertEquals(0, f.segment("b").byteSize());
            assertEquals(1, f.readF32("c").length);
        }
    }

    @Test
    void rejectsShapeThatDoesNotMatchByteRange() throws IOException {
        rejects(file("{" + entry("a", "F32", "[3]", 0, 8) + "}", 8),
                "tensor `a` shape [3] x F32 needs 12 bytes but data_offsets [0, 8] span 8");
        rejects(file("{" + entry("a", "BF16", "[3]", 0, 12) + "}", 12), "needs 6 bytes");
        rejects(file("{" + entry("a", "F32", "[4611686018427387904, 4]", 0, 8) + "}", 8),
                "overflows a 64-bit byte count");
    }

    @Test
    void rejectsUnknownDtype() throws IOException {
        rejects(file("{" + entry("a", "Q4_K", "[2]", 0, 2) + "}", 2),
                "tensor `a`", "unsupported dtype `Q4_K`", "F32, BF16, F16, I64, I32");
    }

    @Test
    void rejectsNegativeAndNonIntegerDims() throws IOException {
        rejects(file("{" + entry("a", "F32", "[-1, -4]", 0, 16) + "}", 16),
                "tensor `a` shape dimension 0 (-1) is negative");
        rejects(file("{" + entry("a", "F32", "[2.0]", 0, 8) + "}", 8), "`shape` element 0 (2.0)");
    }

    @Test
    void rejectsDuplicateNames() throws IOException {
        String json = "{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("a", "F32", "[1]", 4, 8)
                + "}";
        rejects(file(json, 8), "not valid JSON", "Duplicate field 'a'");
    }

    @Test
    void missingFileFailsWithNoSuchFile() {
        assertThrows(NoSuchFileException.class,
                () -> SafeTensorsFile.open(dir.resolve("absent.safetensors")));
    }

    @Test
    void wrongTypeAndUnknownNameFailClearly() throws IOException {
        Path p = dir.resolve("t.safetensors");
        new SafeTensorsWriter().addI64("indices", new long[] {1L << 40}, 1)
                .addF32("hidden_state", new float[1], 1).write(p);
        try (var f = SafeTensorsFile.open(p)) {
            // The file's content is at fault: a format error (a user error for the CLI) naming it.
            var e1 = assertThrows(UncheckedIOException.class, () -> f.readF32("indices"));
            String expected = "`indices` is I64; readF32 accepts F32, BF16 or F16";
            assertTrue(e1.getCause() instanceof SafeTensorsFormatException, e1.toString());
            assertTrue(e1.getMessage().contains(p.toString()), e1.getMessage());
            assertTrue(e1.getMessage().contains(expected), e1.getMessage());
            var e2 = assertThrows(UncheckedIOException.class, () -> f.readI32("indices"));
            assertTrue(e2.getCause() instanceof SafeTensorsFormatException, e2.toString());
            assertTrue(e2.getMessage().contains("(1099511627776) does not fit an int"));
            var e3 = assertThrows(IllegalArgumentException.class, () -> f.info("hiden_state"));
            assertTrue(e3.getMessage().contains("no tensor named `hiden_state`"), e3.getMessage());
            assertTrue(e3.getMessage().contains("did you mean `hidden_state`?"), e3.getMessage());
        }
    }

    @Test
    void metadataIntegersNameTheFileAndKeyWhenMalformed() throws IOException {
        Path p = dir.resolve("m.safetensors");
        new SafeTensorsWriter().addF32("x", new float[1], 1).putMetadata("step", "12")
                .putMetadata("seed", "abc").write(p);
        try (var f = SafeTensorsFile.open(p)) {
            assertEquals(12, f.metadataLong("step").getAsLong());
            assertTrue(f.metadataLong("absent").isEmpty());
            var e = assertThrows(SafeTensorsFormatException.class, () -> f.metadataLong("seed"));
            assertTrue(e.getMessage().startsWith(p + ": __metadata__ `seed` (\"abc\") must be a"
                    + " decimal integer"), e.getMessage());
        }
    }

    @Test
    void scalarReadRequiresExactlyOneElement() throws IOException {
        Path p = dir.resolve("s.safetensors");
        String json = "{" + entry("step", "I64", "[1]", 0, 8) + "," + entry("none", "I64",
                "[4294967296, 0]", 8, 8) + "}";
        Files.write(p, file(json, 8));
        try (var f = SafeTensorsFile.open(p)) {
            assertEquals(0, f.readScalarI64("step"));
            var e = assertThrows(UncheckedIOException.class, () -> f.readScalarI64("none"));
            assertTrue(e.getMessage().contains("`none` must hold exactly one value, found shape"
                    + " [4294967296, 0] (0 elements)"), e.getMessage());
        }
    }

    /** A 5 GiB sparse file (more than the 4 GiB test heap) is mapped, and its far end is read. */
    @Test
    void mapsAFileLargerThanTheHeap() throws IOException {
        long numel = 5L << 28; // 5 GiB of F32
        long bytes = numel * 4;
        String json = "{\"__metadata__\":{\"k\":\"v\"}," + entry("big", "F32", "[5, 268435456]", 0,
                bytes) + ","
                + entry("tail", "I32", "[2]", bytes, bytes + 8) + "}";
        byte[] head = file(json, 0);
        Path p = dir.resolve("big.safetensors");
        long dataStart = head.length;
        try (var raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.write(head);
            raf.setLength(dataStart + bytes + 8);
            raf.seek(dataStart + bytes - 4);
            raf.write(ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                    .putFloat(42.25f).putInt(7).putInt(-9).array());
        }
        assertTrue(Files.size(p) > Runtime.getRuntime().maxMemory());
        try (var f = SafeTensorsFile.open(p)) {
            MemorySegment big = f.segment("big");
            assertEquals(bytes, big.byteSize());
            assertEquals(42.25f, big.getAtIndex(SafeTensorsFile.F32_LE, numel - 1));
            assertEquals(0f, big.getAtIndex(SafeTensorsFile.F32_LE, numel - 2));
            assertEquals(0f, big.getAtIndex(SafeTensorsFile.F32_LE, 0));
            assertArrayEquals(new int[] {7, -9}, f.readI32("tail"));
            assertEquals("v", f.metadata().get("k"));
            var e = assertThrows(UncheckedIOException.class, () -> f.readF32("big"));
            assertTrue(e.getMessage().contains("raise -Xmx"), e.getMessage());
        }
    }
}
