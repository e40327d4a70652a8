package org.ultramem.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A safetensors file mapped read-only into memory: the header is parsed and validated once, and
 * each tensor is a {@link MemorySegment} view into the mapping. Nothing is copied onto the heap
 * unless asked ({@link #readF32}, {@link #readI64}, {@link #readI32}), so files and tensors larger
 * than the Java heap (and than 2 GiB) work.
 *
 * <p>Layout: 8-byte little-endian header length {@code n}, {@code n} bytes of JSON, then the data
 * section; tensor byte ranges are relative to the data section. The header must be at most
 * {@value #MAX_HEADER_BYTES} bytes. See {@link SafeTensorsHeader} for the validation rules;
 * a file that breaks one is rejected by {@link #open} with a {@link SafeTensorsFormatException}.
 *
 * <p>The file owns a shared {@link Arena}: segments may be read from any thread and become
 * invalid after {@link #close()}. Data is little-endian and may be unaligned; use
 * {@link #F32_LE}-style layouts (unaligned, little-endian) to read segments directly.
 */
public final class SafeTensorsFile implements AutoCloseable {

    /** Upper bound on the JSON header size (as in the Hugging Face implementation). */
    public static final long MAX_HEADER_BYTES = 100L * 1000 * 1000;

    /** Layouts for reading tensor segments: little-endian, no alignment assumed. */
    public static final ValueLayout.OfFloat F32_LE =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE =
            ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32_LE =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64_LE =
            ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final int MAX_ARRAY = Integer.MAX_VALUE - 16;

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final SafeTensorsHeader header;

    private SafeTensorsFile(Path path, Arena arena, MemorySegment data, SafeTensorsHeader header) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.header = header;
    }

    /**
     * Maps and validates {@code file}.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws SafeTensorsFormatException when the file is damaged or not safetensors
     */
    public static SafeTensorsFile open(Path file) throws IOException {
        RegularFiles.require(file, "safetensors file"); // a FIFO would block, a directory fail
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new SafeTensorsFormatException(file, "file is " + size
                        + " bytes, shorter than the 8-byte header length; not a safetensors file");
            }
            MemorySegment all = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = all.get(I64_LE, 0);
            if (n < 2 || n > MAX_HEADER_BYTES || n > size - 8) {
                throw new SafeTensorsFormatException(file, "header length "
                        + Long.toUnsignedString(n)
                        + " is invalid for a " + size + "-byte file (must be between 2 and "
                        + Math.min(MAX_HEADER_BYTES, size - 8)
                        + "); the file is damaged or not safetensors");
            }
            byte[] json = all.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = all.asSlice(8 + n);
            SafeTensorsHeader header = SafeTensorsHeader.parse(file, json, data.byteSize());
            return new SafeTensorsFile(file, arena, data, header);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The path this file was opened from. */
    public Path path() {
        return path;
    }

    /** Tensor names in header order. */
    public List<String> names() {
        return List.copyOf(header.tensors().keySet());
    }

    /** True when the file holds a tensor named {@code name}. */
    public boolean contains(String name) {
        return header.tensors().containsKey(name);
    }

    /** The header entry for {@code name}; fails naming the file and the tensor when absent. */
    public TensorInfo info(String name) {
        TensorInfo t = header.tensors().get(name);
        if (t == null) {
            throw new IllegalArgumentException(path + ": no tensor named `" + name + "` (file has "
                    + header.tensors().size() + " tensors" + nearbyNames(name) + ")");
        }
        return t;
    }

    /** The {@code __metadata__} strings (empty when absent), unmodifiable. */
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /**
     * The {@code __metadata__} value of {@code key} as a decimal integer (as
     * {@link Long#parseLong}), or empty when the key is absent.
     *
     * @throws SafeTensorsFormatException naming the file, the key and the value when it is not one
     */
    public OptionalLong metadataLong(String key) throws SafeTensorsFormatException {
        String v = header.metadata().get(key);
        if (v == null) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(v));
        } catch (NumberFormatException e) {
            throw new SafeTensorsFormatException(path, "__metadata__ `" + key + "` (\""
                    + abbreviate(v) + "\") must be a decimal integer; the file is damaged or was"
                    + " not written by ultramem");
        }
    }

    /**
     * The single value of a one-element integer tensor (I64, or I32 widened), such as a step
     * counter; fails naming the file and tensor when it holds any other number of elements.
     */
    public long readScalarI64(String name) {
        TensorInfo t = info(name);
        if (t.numel() != 1) {
            throw contentError("tensor `" + name + "` must hold exactly one value, found shape "
                    + java.util.Arrays.toString(t.shape()) + " (" + t.numel() + " elements)");
        }
        return readI64(name)[0];
    }

    /** The tensor's raw little-endian bytes as a read-only view of the mapping. */
    public MemorySegment segment(String name) {
        TensorInfo t = info(name);
        return data.asSlice(t.begin(), t.byteSize()).asReadOnly();
    }

    /**
     * The tensor as floats, converting BF16 and F16 to F32. An integer tensor fails with an
     * {@link UncheckedIOException} wrapping a {@link SafeTensorsFormatException}, as do the
     * integer readers below for float tensors and out-of-range values.
     */
    public float[] readF32(String name) {
        TensorInfo t = info(name);
        int n = arrayLength(t, 4);
        MemorySegment src = segment(name);
        float[] out = new float[n];
        switch (t.dtype()) {
            case F32 -> MemorySegment.copy(src, F32_LE, 0, out, 0, n);
            case BF16 -> {
                short[] raw = new short[n];
                MemorySegment.copy(src, I16_LE, 0, raw, 0, n);
                for (int i = 0; i < n; i++) {
                    out[i] = Bf16.toFloat(raw[i]);
                }
            }
            case F16 -> {
                short[] raw = new short[n];
                MemorySegment.copy(src, I16_LE, 0, raw, 0, n);
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(raw[i]);
                }
            }
            default -> throw wrongType(t, "readF32", "F32, BF16 or F16");
        }
        return out;
    }

    /** The tensor as longs; accepts I64 and (widened) I32. */
    public long[] readI64(String name) {
        TensorInfo t = info(name);
        int n = arrayLength(t, 8);
        MemorySegment src = segment(name);
        long[] out = new long[n];
        switch (t.dtype()) {
            case I64 -> MemorySegment.copy(src, I64_LE, 0, out, 0, n);
            case I32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = src.getAtIndex(I32_LE, i);
                }
            }
            default -> throw wrongType(t, "readI64", "I64 or I32");
        }
        return out;
    }

    /** The tensor as ints; accepts I32, and I64 when every value fits an int. */
    public int[] readI32(String name) {
        TensorInfo t = info(name);
        int n = arrayLength(t, 4);
        MemorySegment src = segment(name);
        int[] out = new int[n];
        switch (t.dtype()) {
            case I32 -> MemorySegment.copy(src, I32_LE, 0, out, 0, n);
            case I64 -> {
                for (int i = 0; i < n; i++) {
                    long v = src.getAtIndex(I64_LE, i);
                    if (v != (int) v) {
                        throw contentError("tensor `" + name + "` element " + i + " (" + v
                                + ") does not fit an int; the file is damaged or holds"
                                + " different data");
                    }
                    out[i] = (int) v;
                }
            }
            default -> throw wrongType(t, "readI32", "I32 or I64");
        }
        return out;
    }

    /** Unmaps the file; segments obtained from it become invalid. */
    @Override
    public void close() {
        arena.close();
    }

    /**
     * Checks the copy fits one array and the heap, so a huge tensor fails clearly, not with OOM.
     */
    private int arrayLength(TensorInfo t, int outBytesPerElement) {
        long n = t.numel();
        if (n > MAX_ARRAY) {
            throw contentError("tensor `" + t.name() + "` has " + n + " elements, more than a"
                    + " Java array holds (read it through segment())");
        }
        long bytes = n * outBytesPerElement;
        long maxHeap = Runtime.getRuntime().maxMemory();
        if (bytes > maxHeap) {
            throw new UncheckedIOException(new IOException(path + ": tensor `" + t.name()
                    + "` needs " + bytes + " bytes on the heap but the maximum heap is " + maxHeap
                    + "; raise -Xmx (ULTRAMEM_JAVA_OPTS) or read it through segment()"));
        }
        return (int) n;
    }

    private UncheckedIOException wrongType(TensorInfo t, String method, String accepted) {
        return contentError("tensor `" + t.name() + "` is " + t.dtype() + "; " + method
                + " accepts " + accepted + " (the file is damaged or holds different data)");
    }

    /**
     * A tensor whose stored type, size or values do not fit the read asked of it: the file's
     * content is at fault, so it is a {@link SafeTensorsFormatException} (unchecked here because
     * the readers return arrays), which the CLI reports as a user error naming the file.
     */
    private UncheckedIOException contentError(String problem) {
        return new UncheckedIOException(new SafeTensorsFormatException(path, problem));
    }

    private static String abbreviate(String v) {
        return v.length() <= 40 ? v : v.substring(0, 40) + "...";
    }

    private String nearbyNames(String name) {
        List<String> close = KeyReader.closeMatches(name, header.tensors().keySet());
        return close.isEmpty() ? "" : "; did you mean " + String.join(", ", close.stream()
                .map(s -> "`" + s + "`").toList()) + "?";
    }
}
