package org.ultramem.infer;

import java.util.Locale;
import org.ultramem.io.DType;

/**
 * Storage precision of the inference engine's big weights (matrices, expert weights, value
 * tables). Arithmetic always accumulates in fp32; bf16 halves the bytes each step streams.
 * Norm gains, keys and Tucker buffers stay fp32 whatever the choice.
 */
public enum Precision {
    F32(DType.F32),
    BF16(DType.BF16);

    private final DType dtype;

    Precision(DType dtype) {
        this.dtype = dtype;
    }

    /** The safetensors dtype of this precision. */
    public DType dtype() {
        return dtype;
    }

    /** Bytes per stored element (4 or 2). */
    public int bytes() {
        return this == F32 ? 4 : 2;
    }

    /** Parses "f32" or "bf16" (case-insensitive); the error names the option and the choices. */
    public static Precision parse(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "f32", "fp32", "float32" -> F32;
            case "bf16", "bfloat16" -> BF16;
            default -> throw new IllegalArgumentException("precision `" + text
                    + "` is not supported; use f32 or bf16");
        };
    }
}
