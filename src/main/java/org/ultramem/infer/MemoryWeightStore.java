package org.ultramem.infer;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;

/**
 * A {@link WeightStore} in off-heap memory owned by this store (one shared arena): tensors are
 * allocated with {@link #allocate} and filled by the caller, or copied in with {@link #putF32} /
 * {@link #putI32}. Lets benchmarks build multi-GB random models without writing a file.
 */
public final class MemoryWeightStore implements WeightStore {

    private record Entry(DType dtype, long[] shape, MemorySegment bytes) {
    }

    private final Arena arena = Arena.ofShared();
    private final Map<String, Entry> tensors = new LinkedHashMap<>();

    /** Allocates a zeroed tensor and returns its writable bytes (64-byte aligned). */
    public MemorySegment allocate(String name, DType dtype, long... shape) {
        if (tensors.containsKey(name)) {
            throw new IllegalArgumentException("tensor `" + name + "` already exists in the store");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor `" + name + "` has a negative dimension "
                        + java.util.Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        MemorySegment s = arena.allocate(Math.multiplyExact(n, (long) dtype.byteSize()), 64);
        tensors.put(name, new Entry(dtype, shape.clone(), s));
        return s;
    }

    /** Stores {@code data} as F32 with the given shape. */
    public MemoryWeightStore putF32(String name, float[] data, long... shape) {
        MemorySegment s = allocate(name, DType.F32, shape);
        checkCount(name, data.length, s.byteSize() / 4);
        MemorySegment.copy(data, 0, s, SafeTensorsFile.F32_LE, 0, data.length);
        return this;
    }

    /** Stores {@code data} as I32 with the given shape. */
    public MemoryWeightStore putI32(String name, int[] data, long... shape) {
        MemorySegment s = allocate(name, DType.I32, shape);
        checkCount(name, data.length, s.byteSize() / 4);
        MemorySegment.copy(data, 0, s, SafeTensorsFile.I32_LE, 0, data.length);
        return this;
    }

    private static void checkCount(String name, long have, long need) {
        if (have != need) {
            throw new IllegalArgumentException("tensor `" + name + "`: " + have
                    + " values given for a shape of " + need + " elements");
        }
    }

    /** Total bytes held. */
    public long byteSize() {
        long b = 0;
        for (Entry e : tensors.values()) {
            b += e.bytes.byteSize();
        }
        return b;
    }

    private Entry entry(String name) {
        Entry e = tensors.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tensor named `" + name + "` in the store ("
                    + tensors.size() + " tensors)");
        }
        return e;
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public DType dtype(String name) {
        return entry(name).dtype;
    }

    @Override
    public long[] shape(String name) {
        return entry(name).shape.clone();
    }

    @Override
    public MemorySegment segment(String name) {
        return entry(name).bytes;
    }

    @Override
    public void close() {
        tensors.clear();
        arena.close();
    }
}
