package org.ultramem.io;

import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header: name, element type, shape and its byte range
 * {@code [begin, end)} relative to the start of the data section (after the header).
 *
 * <p>Instances made by {@link SafeTensorsFile} are validated: dims are non-negative,
 * {@code end - begin == numel * dtype.byteSize()}, and the range lies inside the data section.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {

    public TensorInfo {
        shape = shape.clone();
    }

    /** A copy of the shape (dims as longs, as in the header). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The shape as ints; fails with an {@link IllegalArgumentException} (the file's content is at
     * fault, so a user error) when a dimension exceeds {@code Integer.MAX_VALUE}. Compare
     * {@link #shape()} instead where a mismatch is the question.
     */
    public int[] intShape() {
        int[] out = new int[shape.length];
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("tensor `" + name + "` dimension " + i + " ("
                        + shape[i] + ") does not fit an int (at most " + Integer.MAX_VALUE + ")");
            }
            out[i] = (int) shape[i];
        }
        return out;
    }

    /** Number of dimensions. */
    public int rank() {
        return shape.length;
    }

    /** Number of elements (product of the dims; 1 for a scalar of rank 0). */
    public long numel() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Bytes occupied in the data section. */
    public long byteSize() {
        return end - begin;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
    }

    @Override
    public int hashCode() {
        return 31 * (31 * name.hashCode() + dtype.hashCode()) + Arrays.hashCode(shape)
                + Long.hashCode(begin) * 7 + Long.hashCode(end);
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape) + " bytes [" + begin + ", " + end
                + ")";
    }
}
