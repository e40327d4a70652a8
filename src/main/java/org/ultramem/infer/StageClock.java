package org.ultramem.infer;

/**
 * Wall time and bytes read per stage of the engine's passes, for {@code bench decode --stages}:
 * where a step's time goes, and how close each stage streams to the machine's bandwidth. Off by
 * default (each lap is then one branch). On, {@link InferenceModel} laps it after each stage of a
 * pass; a lap charges the time since the previous lap, and the traffic meter's bytes added since
 * then, to its stage. Stages a pass visits more than once (one per block) add up. Not
 * thread-safe: laps come from the orchestrating thread, as the meter's counts do.
 */
public final class StageClock {

    /** What a lap's time belongs to. */
    public enum Stage {
        /** Embedding rows of the pass's tokens. */
        EMBEDDING("embedding"),
        /** Attention norm, q/k/v, RoPE, KV-cache append, attention over the cache, output proj. */
        ATTENTION("attention"),
        /**
         * The memory layers (PKM, UltraMem, UltraMemV2): retrieval, value rows, projections, and
         * adding their outputs. Where they run beside their source block's dense FFN (passes on
         * the per-token GEMV path, {@code DenseBlockDecoder#runsBeside}), only the adds: the rest
         * is in {@link #FFN}.
         */
        MEMORY("memory layers"),
        /** FFN norm and the dense SwiGLU or the MoE experts (and memory layers run beside). */
        FFN("FFN / experts"),
        /** Final norm and the tied output embedding's logits. */
        LOGITS("logits");

        public final String label;

        Stage(String label) {
            this.label = label;
        }
    }

    private final long[] nanos = new long[Stage.values().length];
    private final long[] bytes = new long[Stage.values().length];
    private boolean on;
    private long markNanos;
    private long markBytes;

    /** Turns timing on or off (off: {@link #start} and {@link #lap} do nothing). */
    public void enable(boolean enabled) {
        on = enabled;
    }

    public boolean enabled() {
        return on;
    }

    /** Clears every stage's time and bytes. */
    public void reset() {
        java.util.Arrays.fill(nanos, 0);
        java.util.Arrays.fill(bytes, 0);
    }

    /** Starts a pass: the next lap counts from now and from the meter's {@code meterBytes}. */
    void start(long meterBytes) {
        if (on) {
            markNanos = System.nanoTime();
            markBytes = meterBytes;
        }
    }

    /** Charges the time and bytes since the previous lap (or {@link #start}) to {@code stage}. */
    void lap(Stage stage, long meterBytes) {
        if (on) {
            long now = System.nanoTime();
            nanos[stage.ordinal()] += now - markNanos;
            bytes[stage.ordinal()] += meterBytes - markBytes;
            markNanos = now;
            markBytes = meterBytes;
        }
    }

    /** Nanoseconds charged to {@code stage} since the last {@link #reset}. */
    public long nanos(Stage stage) {
        return nanos[stage.ordinal()];
    }

    /** Bytes the traffic meter counted in {@code stage} since the last {@link #reset}. */
    public long bytes(Stage stage) {
        return bytes[stage.ordinal()];
    }

    /** Per-step means over {@code steps} passes as aligned lines: ms, MB and GB/s per stage. */
    public String report(long steps) {
        long n = Math.max(1, steps);
        StringBuilder sb = new StringBuilder();
        for (Stage s : Stage.values()) {
            double ms = nanos[s.ordinal()] / 1e6 / n;
            double mb = bytes[s.ordinal()] / 1e6 / n;
            sb.append(String.format(java.util.Locale.ROOT,
                    "  %-18s %9.3f ms/step %10.3f MB/step %8.1f GB/s%n", s.label, ms, mb,
                    ms > 0 ? mb / ms : 0));
        }
        return sb.toString();
    }
}
