package org.ultramem.io;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The safetensors element types this project reads and writes, with their names in the header
 * ({@code "F32"}, {@code "BF16"}, ...) and their sizes in bytes. All data is little-endian.
 */
public enum DType {
    /** IEEE 754 binary32. */
    F32(4),
    /** bfloat16: the upper 16 bits of a binary32 (8-bit exponent, 7-bit mantissa). */
    BF16(2),
    /** IEEE 754 binary16 (5-bit exponent, 10-bit mantissa). */
    F16(2),
    /** Signed 64-bit integer. */
    I64(8),
    /** Signed 32-bit integer. */
    I32(4);

    private final int byteSize;

    DType(int byteSize) {
        this.byteSize = byteSize;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** True for F32, BF16 and F16. */
    public boolean isFloat() {
        return this == F32 || this == BF16 || this == F16;
    }

    /**
     * The type named {@code name} in a safetensors header.
     *
     * @throws IllegalArgumentException naming the value and the supported names
     */
    public static DType fromHeaderName(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unsupported dtype `" + name + "`; supported: "
                + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }
}
