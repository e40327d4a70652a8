package org.ultramem.infer;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.nn.memory.RunningBatchNorm;

/**
 * Named tensors as raw little-endian {@link MemorySegment}s: what {@link InferenceModel} builds
 * from. Two implementations: {@link MappedWeightStore} (a memory-mapped {@code model.safetensors},
 * pages in on demand, may exceed the heap) and {@link MemoryWeightStore} (off-heap memory filled
 * by the caller: benchmarks with random weights, tests). The model reads both the same way.
 */
public interface WeightStore extends AutoCloseable {

    boolean contains(String name);

    DType dtype(String name);

    long[] shape(String name);

    /** The tensor's bytes (read-only or writable view, never a copy). */
    MemorySegment segment(String name);

    /** Releases mappings / off-heap memory; segments become unusable. */
    @Override
    void close();

    /** Fails naming the tensor, both shapes and the fix unless {@code name} has shape {@code want}. */
    default void requireShape(String name, long... want) {
        long[] got = shape(name);
        if (!java.util.Arrays.equals(got, want)) {
            throw new IllegalArgumentException("tensor `" + name + "` has shape "
                    + java.util.Arrays.toString(got) + " but the config needs "
                    + java.util.Arrays.toString(want)
                    + "; the checkpoint and config.json belong to different models");
        }
    }

    /** A small tensor as floats (F32 or BF16), for norms, keys and Tucker buffers. */
    default float[] readF32(String name) {
        MemorySegment s = segment(name);
        DType t = dtype(name);
        if (t == DType.F32) {
            return s.toArray(SafeTensorsFile.F32_LE);
        }
        if (t == DType.BF16) {
            short[] raw = s.toArray(SafeTensorsFile.I16_LE);
            float[] out = new float[raw.length];
            for (int i = 0; i < raw.length; i++) {
                out[i] = Float.intBitsToFloat((raw[i] & 0xFFFF) << 16);
            }
            return out;
        }
        throw new IllegalArgumentException("tensor `" + name + "` is " + t
                + "; expected F32 or BF16");
    }

    /**
     * A query BatchNorm's {@code weight}, {@code bias}, {@code running_mean} and {@code
     * running_var} under {@code prefix} (e.g. {@code model.memory_layers.0.query_bn.}), each
     * [width], in evaluation form.
     */
    default RunningBatchNorm readRunningBatchNorm(String prefix, int width) {
        for (String t : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            requireShape(prefix + t, width);
        }
        return RunningBatchNorm.of(readF32(prefix + "weight"), readF32(prefix + "bias"),
                readF32(prefix + "running_mean"), readF32(prefix + "running_var"));
    }

    /** An index tensor (I32 or I64 with values that fit an int) as ints. */
    default int[] readIndex(String name) {
        MemorySegment s = segment(name);
        DType t = dtype(name);
        if (t == DType.I32) {
            return s.toArray(SafeTensorsFile.I32_LE);
        }
        if (t == DType.I64) {
            long[] raw = s.toArray(SafeTensorsFile.I64_LE);
            int[] out = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                out[i] = Math.toIntExact(raw[i]);
            }
            return out;
        }
        throw new IllegalArgumentException("tensor `" + name + "` is " + t
                + "; expected I32 or I64");
    }

    /** Maps {@code file} (a safetensors file) read-only. */
    static WeightStore mapped(Path file) throws java.io.IOException {
        return new MappedWeightStore(SafeTensorsFile.open(file));
    }
}
