package org.ultramem.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsWriterTest {

    @TempDir
    Path dir;

    private static float[] randomFloats(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(-8, 8)));
        }
        return a;
    }

    @Test
    void roundTripsEveryDtypeAndMetadata() throws IOException {
        float[] f32 = randomFloats(300_001, 1); // spans more than one 1 MiB write chunk
        f32[0] = Float.NaN;
        f32[1] = Float.NEGATIVE_INFINITY;
        f32[2] = -0.0f;
        f32[3] = Float.MIN_VALUE;
        float[] bf = randomFloats(1000, 2);
        float[] half = randomFloats(1000, 3);
        int[] i32 = {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 5};
        long[] i64 = {Long.MIN_VALUE, -1, 0, 1L << 40, Long.MAX_VALUE, 6};
        Path p = dir.resolve("sub/model.safetensors");
        new SafeTensorsWriter()
                .addF32("w.f32", f32, 300_001)
                .addBf16("w.bf16", bf, 10, 100)
                .addF16("w.f16", half, 10, 10, 10)
                .addI32("idx32", i32, 2, 3)
                .addI64("idx64", i64, 3, 2)
                .addF32("scalar", new float[] {3.5f})
                .addF32("empty", new float[0], 0, 4)
                .putMetadata(Map.of("seed", "42", "note", "ünïcode \"quoted\""))
                .write(p);
        try (var f = SafeTensorsFile.open(p)) {
            assertEquals(List.of("w.f32", "w.bf16", "w.f16", "idx32", "idx64", "scalar", "empty"),
                    f.names());
            assertArrayEquals(f32, f.readF32("w.f32"));
            float[] bfBack = f.readF32("w.bf16");
            float[] halfBack = f.readF32("w.f16");
            for (int i = 0; i < bf.length; i++) {
                assertEquals(Bf16.toFloat(Bf16.fromFloat(bf[i])), bfBack[i]);
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(half[i])), halfBack[i]);
            }
            assertArrayEquals(new long[] {10, 100}, f.info("w.bf16").shape());
            assertEquals(DType.BF16, f.info("w.bf16").dtype());
            assertEquals(DType.F16, f.info("w.f16").dtype());
            assertArrayEquals(i32, f.readI32("idx32"));
            assertArrayEquals(new long[] {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, 5},
                    f.readI64("idx32"));
            assertArrayEquals(i64, f.readI64("idx64"));
            assertArrayEquals(new int[] {2, 3}, f.info("idx32").intShape());
            assertEquals(0, f.info("scalar").rank());
            assertArrayEquals(new float[] {3.5f}, f.readF32("scalar"));
            assertEquals(0, f.readF32("empty").length);
            assertEquals(Map.of("seed", "42", "note", "ünïcode \"quoted\""), f.metadata());
        }
    }

    @Test
    void headerIsPaddedWithSpacesToEightBytesAndDataIsContiguous() throws IOException {
        Path p = dir.resolve("t.safetensors");
        new SafeTensorsWriter().addF32("abc", new float[] {1, 2, 3}, 3).addI64("d", new long[] {9},
                1).write(p);
        byte[] b = Files.readAllBytes(p);
        long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(0, (8 + n) % 8);
        String json = new String(b, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(json.startsWith("{") && json.stripTrailing().endsWith("}"), json);
        String abc = "\"abc\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}";
        assertTrue(json.contains(abc), json);
        assertTrue(json.contains("\"data_offsets\":[12,20]"), json);
        assertEquals(8 + n + 20, b.length);
        assertEquals(1.0f, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getFloat((int) (8
                + n)));
    }

    @Test
    void rawSegmentsCopyBetweenFiles() throws IOException {
        Path a = dir.resolve("a.safetensors");
        Path b = dir.resolve("b.safetensors");
        float[] data = randomFloats(5000, 4);
        new SafeTensorsWriter().addBf16("t", data, 50, 100).write(a);
        try (var fa = SafeTensorsFile.open(a); Arena arena = Arena.ofConfined()) {
            MemorySegment off = arena.allocate(12);
            off.setAtIndex(SafeTensorsFile.I32_LE, 2, 77);
            new SafeTensorsWriter().addRaw("t", DType.BF16, fa.segment("t"), fa.info("t").shape())
                    .addRaw("o", DType.I32, off, new long[] {3}).write(b);
        }
        try (var fb = SafeTensorsFile.open(b)) {
            float[] back = fb.readF32("t");
            for (int i = 0; i < data.length; i++) {
                assertEquals(Bf16.toFloat(Bf16.fromFloat(data[i])), back[i]);
            }
            assertArrayEquals(new int[] {0, 0, 77}, fb.readI32("o"));
        }
    }

    @Test
    void rejectsBadAdds() {
        var w = new SafeTensorsWriter().addF32("a", new float[2], 2);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> w.addF32("a", new float[2],
                2))
                .getMessage().contains("`a` was already added"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> w.addF32("b", new float[5], 2,
                3))
                .getMessage().contains("shape [2, 3] has 6 elements but the data has 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> w.addF32("c", new float[0],
                -1, 0))
                .getMessage().contains("negative dimension"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> w.addFloats("d", DType.I32,
                new float[1], 1))
                .getMessage().contains("cannot be stored as I32"));
        assertThrows(IllegalArgumentException.class, () -> w.addI32("__metadata__", new int[1], 1));
        assertThrows(IllegalArgumentException.class,
                () -> w.addRaw("e", DType.F32, MemorySegment.ofArray(new byte[6]), new long[] {2}));
    }

    @Test
    void failedWriteLeavesPreviousFileAndNoTempFiles() throws IOException {
        Path p = dir.resolve("m.safetensors");
        new SafeTensorsWriter().addF32("a", new float[] {1}, 1).write(p);
        byte[] before = Files.readAllBytes(p);
        MemorySegment freed;
        try (Arena arena = Arena.ofConfined()) {
            freed = arena.allocate(8);
        }
        var w = new SafeTensorsWriter().addF32("a", new float[] {2}, 1)
                .addRaw("gone", DType.F32, freed, new long[] {2});
        assertThrows(IllegalStateException.class, () -> w.write(p)); // segment's arena is closed
        assertArrayEquals(before, Files.readAllBytes(p));
        try (var s = Files.list(dir)) {
            assertEquals(List.of(p), s.toList());
        }
    }
}
