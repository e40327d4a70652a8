package org.ultramem.infer;

import java.util.Locale;

/**
 * Bytes a decode step reads from memory, per component, counted by the decoders as they run (so
 * the count follows the actual routing and retrieval, not a formula). Each distinct weight byte
 * is counted once per step, however many tokens use it; that is what the batched step streams.
 * Not thread-safe: the decoders add from one thread at a time (the orchestrating thread, or the
 * one task of a parallel region that runs the memory layers, ordered by the region's join).
 */
public final class TrafficMeter {

    /** What the bytes belong to. */
    public enum Component {
        /** Dense matrices read in full each step: attention, dense FFN, router, memory q/out proj. */
        DENSE("dense weights"),
        /** Memory-layer keys: folded keys read in full plus the candidates' exact components. */
        KEYS("memory keys"),
        /** Value rows: distinct rows × D_v × bytes per element. */
        VALUES("value rows"),
        /** UltraMemV2 pre-value rows: distinct rows × D_p × bytes per element. */
        PRE_VALUES("pre-value rows"),
        /** Expert weights: distinct experts hit × bytes per expert. */
        EXPERTS("expert weights"),
        /** Keys and values of the KV cache read by attention. */
        KV_CACHE("KV cache"),
        /** Embedding rows gathered plus the tied output embedding read for the logits. */
        EMBEDDING("embedding/logits");

        public final String label;

        Component(String label) {
            this.label = label;
        }
    }

    private final long[] bytes = new long[Component.values().length];
    private long steps;

    /** Adds {@code n} bytes to component {@code c}. */
    public void add(Component c, long n) {
        bytes[c.ordinal()] += n;
    }

    /** Marks the end of a step (for averages). */
    public void endStep() {
        steps++;
    }

    /** Clears every count. */
    public void reset() {
        java.util.Arrays.fill(bytes, 0);
        steps = 0;
    }

    public long bytes(Component c) {
        return bytes[c.ordinal()];
    }

    /** Bytes over all components. */
    public long total() {
        long t = 0;
        for (long b : bytes) {
            t += b;
        }
        return t;
    }

    public long steps() {
        return steps;
    }

    /** Per-step averages as aligned text lines (one per component plus a total). */
    public String report() {
        long s = Math.max(1, steps);
        StringBuilder sb = new StringBuilder();
        for (Component c : Component.values()) {
            sb.append(String.format(Locale.ROOT, "  %-18s %12.3f MB/step%n", c.label,
                    bytes[c.ordinal()] / (double) s / 1e6));
        }
        sb.append(String.format(Locale.ROOT, "  %-18s %12.3f MB/step over %d steps%n", "total",
                total() / (double) s / 1e6, steps));
        return sb.toString();
    }
}
