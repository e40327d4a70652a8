package org.ultramem.model;

import java.util.Locale;
import org.ultramem.io.MemoryBudget;
import org.ultramem.io.MemoryBudgetException;
import org.ultramem.nn.memory.PkmConfig;
import org.ultramem.nn.memory.UltraMemConfig;
import org.ultramem.nn.moe.MoeConfig;

/**
 * Heap a model needs before it is built, so {@link MemoryBudget} can refuse sizes that fit the
 * config schema but not the machine. Parameter counts come from {@link ModelCost}; activation
 * buffers are listed as the layers allocate them (rows = batch·seq tokens, D, L, V, I, H):
 * <pre>
 *   parameters + gradients     8 B × ModelCost.totalParams
 *   residual stream            (4L + 5)·rows·D floats, norms' rstd (2L + 1)·rows
 *   attention                  per block q, k, v, ctx rows·D, probs B·H·seq²; grads 4·rows·D
 *   SwiGLU                     per dense block 3·rows·I; grads 3·rows·I
 *   logits                     rows·V
 *   MoE block                  rows·D + slots·(3D + 6·d_e + 4) + 3·rows·E, slots = rows·k
 *   memory layer               pending out/dOut 2·rows·D + {@link #ultraMemLayerBytes} / PKM /
 *                              UltraMemV2 (its buffers as {@code UltraMemV2Layer} allocates them)
 * </pre>
 * (AdamW checks its own state, 8 B per parameter, when it is built.)
 * The total adds 1/16 for what is not listed (object headers, small scratch); {@code
 * ModelMemoryTest} holds it between the real allocation and 1.3 times it. Counts are exact longs:
 * a product beyond 2^63 is refused the same way as one beyond the heap.
 * Besides the total, every single buffer must fit one Java array (2^31 − 16 elements); the
 * refusal names the buffer and the sizes to lower.
 */
public final class ModelMemory {

    /** Most elements one Java array holds (as in ArrayList's limit). */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    private ModelMemory() {
    }

    /**
     * Refuses (with {@link MemoryBudgetException}) a {@code Transformer(cfg, maxBatch, maxSeq)}
     * whose parameters, gradients and activation buffers do not fit the heap or one of whose
     * buffers exceeds a Java array. {@code fix} names the user's knob for batch and sequence
     * ("lower --batch", "lower training.batch_size or seq_len").
     */
    public static void requireTransformer(ModelConfig cfg, int maxBatch, int maxSeq, String fix) {
        String what = String.format(Locale.ROOT, "the model (%s parameters, buffers for batch %d"
                + " × seq %d)", count(cfg), maxBatch, maxSeq);
        Tally t = transformer(cfg, maxBatch, maxSeq, what);
        t.requireArrays(fix);
        MemoryBudget.requireHeap(what, t.total(), fix);
    }

    /** Heap bytes {@code Transformer(cfg, maxBatch, maxSeq)} allocates (see the class comment). */
    public static long transformerBytes(ModelConfig cfg, int maxBatch, int maxSeq) {
        return transformer(cfg, maxBatch, maxSeq, "the model").total();
    }

    /**
     * Heap bytes of one {@code UltraMemLayer(cfg, dModel, maxTokens)}: parameters with gradients
     * and its activation buffers for up to {@code maxTokens} tokens.
     */
    public static long ultraMemLayerBytes(UltraMemConfig cfg, int dModel, long maxTokens) {
        Tally t = new Tally("the UltraMem layer");
        t.add("memory parameters and gradients", 8, ultraMemParams(cfg, dModel));
        t.array("UltraMem values", cfg.valueNum(), cfg.valueDim());
        ultraMem(t, cfg, dModel, maxTokens);
        t.requireArrays("lower the token count");
        return t.total();
    }

    private static long ultraMemParams(UltraMemConfig cfg, int dModel) {
        try {
            long total = 0;
            for (ModelCost.Component part : MemoryLayerCost.ultraMem(0, cfg, dModel, 4)) {
                total = Math.addExact(total, part.params());
            }
            return total;
        } catch (ArithmeticException e) {
            throw MemoryBudget.overflow("the UltraMem layer's parameters");
        }
    }

    private static String count(ModelConfig cfg) {
        try {
            return String.format(Locale.ROOT, "%,d", params(cfg));
        } catch (MemoryBudgetException e) {
            return "over 2^63";
        }
    }

    private static long params(ModelConfig cfg) {
        try {
            return ModelCost.of(cfg).totalParams();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw MemoryBudget.overflow("the model's parameters");
        }
    }

    private static Tally transformer(ModelConfig cfg, int maxBatch, int maxSeq, String what) {
        Tally t = new Tally(what);
        long rows = (long) maxBatch * maxSeq;
        long d = cfg.hiddenSize();
        long layers = cfg.numLayers();
        t.add("parameters and gradients", 8, params(cfg));
        largestParameters(t, cfg);
        t.add("residual stream", 4 * layers + 5, 4, rows, d);
        t.add("norm statistics", 2 * layers + 1, 4, rows);
        t.add("attention buffers", 4 * layers + 4, 4, rows, d);
        t.add("attention probabilities", layers, 4, maxBatch, cfg.numHeads(), maxSeq, maxSeq);
        long dense = cfg.moe() == null ? layers : 0;
        for (int l = 0; cfg.moe() != null && l < layers; l++) {
            dense += cfg.isMoeBlock(l) ? 0 : 1;
        }
        t.add("SwiGLU buffers", 3 * dense + 3, 4, rows, cfg.intermediateSize());
        t.add("logits (batch × seq × vocab_size)", 1, 4, rows, cfg.vocabSize());
        if (cfg.moe() != null) {
            moe(t, cfg.moe(), layers - dense, rows, d);
        }
        long memTokens = rows;
        for (MemorySpec s : cfg.memoryLayers()) {
            t.add("memory layer outputs", 2, 4, rows, d);
            if (s.ultraMem() != null) {
                ultraMem(t, s.ultraMem(), cfg.hiddenSize(), memTokens);
            } else if (s.pkm() != null) {
                pkm(t, s.pkm(), cfg.hiddenSize(), memTokens);
            } else {
                ultraMemV2(t, s.ultraMemV2(), cfg.hiddenSize(), memTokens);
            }
        }
        return t;
    }

    /** The parameters that may be the largest single arrays (each must fit one array). */
    private static void largestParameters(Tally t, ModelConfig cfg) {
        long d = cfg.hiddenSize();
        t.array("embedding (vocab_size × hidden_size)", cfg.vocabSize(), d);
        t.array("attention projection (hidden_size²)", d, d);
        t.array("FFN projection (intermediate_size × hidden_size)", cfg.intermediateSize(), d);
        if (cfg.moe() != null) {
            t.array("MoE expert projection", cfg.moe().intermediateSize(), d);
        }
        for (MemorySpec s : cfg.memoryLayers()) {
            if (s.ultraMem() != null) {
                UltraMemConfig c = s.ultraMem();
                t.array("UltraMem values", c.valueNum(), c.valueDim());
                t.array("UltraMem keys", c.heads(), 2, c.keysPerSide(), c.keyDim(), c.tuckerRank());
                t.array("UltraMem output projection", d, c.valueExpand(), c.valueDim());
            } else if (s.pkm() != null) {
                t.array("PKM values", s.pkm().numSlots(), d);
            } else {
                var c = s.ultraMemV2().config();
                var g = s.ultraMemV2().geometry();
                t.array("UltraMemV2 values", g.allValueNum(), Math.max(c.valueDim(),
                        c.preValueDim()));
                t.array("UltraMemV2 keys", c.heads(), 2, g.keysPerSide(), c.keyDim(),
                        c.tuckerRank());
                t.array("UltraMemV2 output projection", d, c.poolWidth());
            }
        }
    }

    private static void moe(Tally t, MoeConfig m, long blocks, long rows, long d) {
        long slots = Math.multiplyExact(rows, m.topK());
        long de = m.intermediateSize();
        t.add("MoE inputs", blocks, 4, rows, d);
        t.add("MoE expert rows", 3 * blocks, 4, slots, d);
        t.add("MoE expert hidden", 6 * blocks, 4, slots, de);
        t.add("MoE routing", 3 * blocks, 4, rows, m.numExperts());
        t.add("MoE slot indices", 4 * blocks, 4, slots);
    }

    private static void ultraMem(Tally t, UltraMemConfig c, long d, long tokens) {
        long h = c.heads();
        long qWidth = (long) c.querySlots() * 2 * c.keyDim();
        long slots = h * c.topK();
        long entries = Math.multiplyExact(Math.multiplyExact(tokens, h), 2L * c.candidates());
        long keyFloats = h * 2 * (long) c.keysPerSide() * c.tuckerRank() * c.keyDim();
        t.add("UltraMem input copy", 1, 4, tokens, d);
        t.add("UltraMem queries", 4, 4, tokens, qWidth);
        t.add("UltraMem coarse scores", 1, 4, 2, tokens, h, c.keysPerSide());
        t.add("UltraMem candidates", 2, 4, entries);
        t.add("UltraMem exact scores", 2, 4, entries, c.tuckerRank());
        t.add("UltraMem selections", 6, 4, tokens, slots);
        t.add("UltraMem slot weights", 2, 4, tokens, slots, c.tuckerCores());
        t.add("UltraMem pooled values", 2, 4, tokens, (long) c.valueExpand() * c.valueDim());
        t.add("UltraMem core gradients", 1, 4, tokens, h, c.tuckerCores(),
                (long) c.tuckerRank() * c.tuckerRank());
        t.add("UltraMem key buffers", 6, 4, keyFloats);
        t.add("UltraMem value statistics", 1, 13, c.valueNum());
    }

    /** The buffers one {@code UltraMemV2Layer} (and its keys, lookup, diagnostics) allocates. */
    private static void ultraMemV2(Tally t, MemorySpec.V2 v, long d, long tokens) {
        var c = v.config();
        var g = v.geometry();
        long h = c.heads();
        long n = g.keysPerSide();
        long qWidth = 4L * c.keyDim();
        long slots = Math.multiplyExact(tokens, (long) c.slots());
        long entries = Math.multiplyExact(Math.multiplyExact(tokens, h), 2L * c.knn());
        long keyFloats = h * 2 * n * c.keyDim() * c.tuckerRank();
        t.add("UltraMemV2 input copy", 1, 4, tokens, d);
        t.add("UltraMemV2 queries", 4, 4, tokens, qWidth);
        t.add("UltraMemV2 pre-value inputs", 2, 4, tokens, c.preValueDim());
        t.add("UltraMemV2 coarse scores", c.balanceCoef() > 0 ? 2 : 1, 4, 2, tokens, h, n);
        t.add("UltraMemV2 candidates", 2, 4, entries);
        t.add("UltraMemV2 exact scores", 2, 4, entries, c.tuckerRank());
        t.add("UltraMemV2 selections", 10, 4, slots);
        t.add("UltraMemV2 slot weights", 3, 4, slots, c.tuckerCores());
        t.add("UltraMemV2 pooled values", 2, 4, tokens, c.poolWidth());
        t.add("UltraMemV2 core gradients", 1, 4, tokens, h, c.tuckerCores(),
                (long) c.tuckerRank() * c.tuckerRank());
        t.add("UltraMemV2 key buffers", 6, 4, keyFloats);
        t.add("UltraMemV2 row index", 1, 4, g.allValueNum());
        t.add("UltraMemV2 shuffle index", 1, 4, g.virtualValueNum());
        t.add("UltraMemV2 row statistics", 1, 8, g.valueNum());
        t.add("UltraMemV2 balance partial sums", c.balanceCoef() > 0 ? 1 : 0, 8,
                (tokens + 63) / 64 + 1, 2, n);
    }

    private static void pkm(Tally t, PkmConfig c, long d, long tokens) {
        long qWidth = (long) c.heads() * c.keyDim();
        t.add("PKM input copy", 1, 4, tokens, d);
        t.add("PKM queries", 3, 4, tokens, qWidth);
        t.add("PKM side scores", 2, 4, tokens, c.numKeys());
        t.add("PKM selections", 3, 4, tokens, c.heads(), c.topK());
        t.add("PKM slot statistics", 1, 5, c.numSlots());
    }

    /** A running sum of buffers: total bytes and the largest single array. */
    private static final class Tally {
        private final String what;
        private long bytes;
        private long largest;
        private String largestName = "";

        Tally(String what) {
            this.what = what;
        }

        /** {@code count} elements of {@code elementBytes} in many arrays (no size check). */
        void add(String name, int elementBytes, long count) {
            try {
                bytes = Math.addExact(bytes, Math.multiplyExact(count, elementBytes));
            } catch (ArithmeticException e) {
                throw MemoryBudget.overflow(what + " (" + name + ")");
            }
        }

        /** One array of {@code dims} product elements that must fit (counted elsewhere). */
        void array(String name, long... dims) {
            add(name, 0, 4, dims);
        }

        /** {@code copies} arrays of {@code dims} product elements, {@code elementBytes} each. */
        void add(String name, long copies, int elementBytes, long... dims) {
            try {
                long n = 1;
                for (long dim : dims) {
                    n = Math.multiplyExact(n, dim);
                }
                bytes = Math.addExact(bytes, Math.multiplyExact(copies,
                        Math.multiplyExact(n, elementBytes)));
                if (n > largest) {
                    largest = n;
                    largestName = name;
                }
            } catch (ArithmeticException e) {
                throw MemoryBudget.overflow(what + " (" + name + ")");
            }
        }

        /**
         * The listed bytes plus 1/16 for what is not listed (object headers, small scratch,
         * diagnostics counters): measured 1-3 % on tiny models, less on large ones.
         */
        long total() {
            return bytes + bytes / 16;
        }

        void requireArrays(String fix) {
            if (largest > MAX_ARRAY) {
                throw new MemoryBudgetException(String.format(Locale.ROOT, "%s: the %s buffer"
                        + " needs %,d elements, more than one Java array holds (%,d); %s",
                        what, largestName, largest, MAX_ARRAY, fix == null ? "use smaller sizes"
                                : fix));
            }
        }
    }
}
