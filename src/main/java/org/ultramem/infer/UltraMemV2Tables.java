package org.ultramem.infer;

import java.lang.foreign.Arena;
import org.ultramem.model.MemorySpec;
import org.ultramem.nn.memory.UltraMemV2Config;
import org.ultramem.nn.memory.UltraMemV2Geometry;

/**
 * The value tables every UltraMemV2 decoder of a model shares (V2 spec §7), loaded once:
 * {@code model.full_memory_layer.values_for_look_up} V [N_all, D_v] and, with pre-values,
 * {@code model.full_memory_layer.pre_values_for_look_up} Pre [N_all, D_p]. Memory-mapped like
 * every other matrix ({@link Matrix#load}), so a table larger than the heap works; each decoder
 * reads its own window of rows through its own {@link ValueGather}s.
 *
 * @param geometry table and key sizes of the model's V2 layers
 * @param values   V [N_all, D_v]
 * @param preValues Pre [N_all, D_p], or null when D_p = 0
 */
record UltraMemV2Tables(UltraMemV2Geometry geometry, Matrix values, Matrix preValues) {

    /** Maps (or converts into {@code arena}) the shared tables of {@code geometry}. */
    static UltraMemV2Tables load(WeightStore store, UltraMemV2Geometry geometry,
                                 Precision precision, Arena arena) {
        UltraMemV2Config c = geometry.config();
        String p = MemorySpec.V2.HOLDER_PREFIX;
        int rows = geometry.allValueNum();
        Matrix v = Matrix.load(store, p + "values_for_look_up", rows, c.valueDim(), precision,
                arena);
        Matrix pre = c.preValueDim() > 0 ? Matrix.load(store, p + "pre_values_for_look_up", rows,
                c.preValueDim(), precision, arena) : null;
        return new UltraMemV2Tables(geometry, v, pre);
    }

    /** Bytes of both tables as stored. */
    long bytes() {
        return values.bytes() + (preValues == null ? 0 : preValues.bytes());
    }
}
