package org.ultramem.infer;

/**
 * Decode path of one memory layer (UltraMem, UltraMemV2 or PKM) inside {@link InferenceModel}:
 * y = Mem(x) for the step's rows, counting the bytes it reads on the meter. One call at a time.
 */
interface MemoryDecoder {

    /** y [rows, D] = Mem(x [rows, D]) (=, not +=). */
    void apply(float[] y, float[] x, int rows, TrafficMeter meter);

    /** Bytes of the parts read in full every step (projections, keys). */
    long denseBytes();

    /** Bytes of the value table. */
    long valueBytes();
}
