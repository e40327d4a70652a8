package org.ultramem.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Collects named tensors and metadata, then writes one safetensors file atomically (see
 * {@link AtomicFiles#writeChannel}): 8-byte little-endian header length, compact JSON header padded
 * with spaces so the data section starts on an 8-byte boundary (as Hugging Face does), then each
 * tensor's little-endian bytes, contiguous, in the order added.
 *
 * <p>Arrays and segments are referenced, not copied, until {@link #write}: do not modify them in
 * between. Data is streamed through a 1 MiB buffer, so tensors larger than the heap can be written
 * from a {@link MemorySegment} with {@link #addRaw}. BF16 narrowing rounds to nearest even
 * ({@link Bf16#fromFloat}); F16 narrowing uses {@link Float#floatToFloat16}.
 */
public final class SafeTensorsWriter {

    private static final int CHUNK_BYTES = 1 << 20;

    private sealed interface Source permits FloatSource, IntSource, LongSource, RawSource {
    }

    private record FloatSource(float[] data) implements Source {
    }

    private record IntSource(int[] data) implements Source {
    }

    private record LongSource(long[] data) implements Source {
    }

    private record RawSource(MemorySegment bytes) implements Source {
    }

    private record Entry(TensorInfo info, Source source) {
    }

    private final List<Entry> entries = new ArrayList<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private long nextOffset;

    /** Adds {@code data} stored as F32. */
    public SafeTensorsWriter addF32(String name, float[] data, int... shape) {
        return addFloats(name, DType.F32, data, shape);
    }

    /** Adds {@code data} stored as BF16 (round to nearest even). */
    public SafeTensorsWriter addBf16(String name, float[] data, int... shape) {
        return addFloats(name, DType.BF16, data, shape);
    }

    /** Adds {@code data} stored as F16. */
    public SafeTensorsWriter addF16(String name, float[] data, int... shape) {
        return addFloats(name, DType.F16, data, shape);
    }

    /** Adds float {@code data} stored as {@code dtype} (F32, BF16 or F16). */
    public SafeTensorsWriter addFloats(String name, DType dtype, float[] data, int... shape) {
        if (!dtype.isFloat()) {
            throw new IllegalArgumentException("tensor `" + name
                    + "`: float data cannot be stored as " + dtype + "; use F32, BF16 or F16");
        }
        return add(name, dtype, toLong(shape), data.length, new FloatSource(data));
    }

    /** Adds {@code data} stored as I32. */
    public SafeTensorsWriter addI32(String name, int[] data, int... shape) {
        return add(name, DType.I32, toLong(shape), data.length, new IntSource(data));
    }

    /** Adds {@code data} stored as I64. */
    public SafeTensorsWriter addI64(String name, long[] data, int... shape) {
        return add(name, DType.I64, toLong(shape), data.length, new LongSource(data));
    }

    /**
     * Adds raw little-endian bytes already in {@code dtype}'s encoding (e.g. a segment from a
     * {@link SafeTensorsFile}, or an off-heap table larger than the heap).
     */
    public SafeTensorsWriter addRaw(String name, DType dtype, MemorySegment bytes, long[] shape) {
        long numel = numel(name, shape);
        if (bytes.byteSize() != Math.multiplyExact(numel, (long) dtype.byteSize())) {
            throw new IllegalArgumentException("tensor `" + name + "` shape "
                    + Arrays.toString(shape) + " x " + dtype + " needs "
                    + numel * dtype.byteSize() + " bytes but the segment has " + bytes.byteSize());
        }
        return add(name, dtype, shape, numel, new RawSource(bytes));
    }

    /** Adds one {@code __metadata__} entry (replacing an earlier value for the key). */
    public SafeTensorsWriter putMetadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds every entry of {@code entries} to {@code __metadata__}. */
    public SafeTensorsWriter putMetadata(Map<String, String> entries) {
        entries.forEach(this::putMetadata);
        return this;
    }

    /** Writes the file atomically; the writer may be written again (to another path). */
    public void write(Path target) throws IOException {
        byte[] json = SafeTensorsHeader.toJson(entries.stream().map(Entry::info).toList(),
                metadata);
        int padded = (json.length + 7) & ~7;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        AtomicFiles.writeChannel(target, ch -> {
            writeFully(ch, head);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(CHUNK_BYTES, 8);
                for (Entry e : entries) {
                    writeData(ch, buf, e);
                }
            }
        });
    }

    private SafeTensorsWriter add(String name, DType dtype, long[] shape, long length, Source src) {
        if (name == null || name.equals(SafeTensorsHeader.METADATA_KEY)) {
            throw new IllegalArgumentException("tensor name `" + name + "` is reserved or null");
        }
        if (!names.add(name)) {
            throw new IllegalArgumentException("tensor `" + name
                    + "` was already added; names must be unique");
        }
        long numel = numel(name, shape);
        if (numel != length) {
            names.remove(name);
            throw new IllegalArgumentException("tensor `" + name + "` shape "
                    + Arrays.toString(shape)
                    + " has " + numel + " elements but the data has " + length);
        }
        long bytes = Math.multiplyExact(numel, (long) dtype.byteSize());
        var info = new TensorInfo(name, dtype, shape, nextOffset, nextOffset + bytes);
        entries.add(new Entry(info, src));
        nextOffset += bytes;
        return this;
    }

    private static long numel(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor `" + name + "` shape "
                        + Arrays.toString(shape) + " has a negative dimension");
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static long[] toLong(int[] shape) {
        return Arrays.stream(shape).asLongStream().toArray();
    }

    private static void writeData(FileChannel ch, MemorySegment buf, Entry e) throws IOException {
        DType dt = e.info().dtype();
        int per = CHUNK_BYTES / dt.byteSize();
        long numel = e.info().numel();
        for (long start = 0; start < numel; start += per) {
            int count = (int) Math.min(per, numel - start);
            int i0 = (int) start; // array sources have int lengths; raw sources use start directly
            switch (e.source()) {
                case FloatSource(float[] d) when dt == DType.F32 ->
                        MemorySegment.copy(d, i0, buf, SafeTensorsFile.F32_LE, 0, count);
                case FloatSource(float[] d) when dt == DType.BF16 -> {
                    for (int i = 0; i < count; i++) {
                        buf.setAtIndex(SafeTensorsFile.I16_LE, i, Bf16.fromFloat(d[i0 + i]));
                    }
                }
                case FloatSource(float[] d) -> {
                    for (int i = 0; i < count; i++) {
                        buf.setAtIndex(SafeTensorsFile.I16_LE, i, Float.floatToFloat16(d[i0 + i]));
                    }
                }
                case IntSource(int[] d) ->
                        MemorySegment.copy(d, i0, buf, SafeTensorsFile.I32_LE, 0, count);
                case LongSource(long[] d) ->
                        MemorySegment.copy(d, i0, buf, SafeTensorsFile.I64_LE, 0, count);
                case RawSource(MemorySegment bytes) -> MemorySegment.copy(
                        bytes, start * dt.byteSize(), buf, 0, (long) count * dt.byteSize());
            }
            writeFully(ch, buf.asSlice(0, (long) count * dt.byteSize()).asByteBuffer());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer bb) throws IOException {
        while (bb.hasRemaining()) {
            ch.write(bb);
        }
    }
}
