package org.ultramem.fuzz;

import java.util.List;
import java.util.Set;

/**
 * A file the CLI loads and the verbs that load it. Each mutant of a target is run through one
 * verb ({@link #verbFor}). {@code declared} are exit codes the verbs document
 * for a verdict on valid input.
 */
public enum FuzzTarget {
    /** model.safetensors of the tiny checkpoint: training loader (eval) and mapped engine (generate). */
    MODEL("model", "model.safetensors", true, List.of("eval", "generate"), Set.of()),
    /** optimizer.safetensors of the tiny checkpoint, loaded by {@code train --resume}. */
    OPTIMIZER("optimizer", "optimizer.safetensors", true, List.of("train"), Set.of(3)),
    /** A golden vector file of the official layer, replayed by {@code verify-golden}. */
    GOLDEN("golden", "golden.safetensors", true, List.of("verify-golden"), Set.of(1)),
    /** The checkpoint's tokenizer.json, loaded by {@code generate}. */
    TOKENIZER("tokenizer", "tokenizer.json", false, List.of("generate"), Set.of()),
    /** The checkpoint's config.json, loaded by eval, generate and inspect. */
    CONFIG("config", "config.json", false, List.of("eval", "generate", "inspect"), Set.of()),
    /** A run config, loaded by {@code train --config}. */
    RUN_CONFIG("run-config", "run.json", false, List.of("train"), Set.of(3));

    public final String id;
    public final String file;
    public final boolean safetensors;
    public final List<String> verbs;
    public final Set<Integer> declaredExitCodes;

    FuzzTarget(String id, String file, boolean safetensors, List<String> verbs,
               Set<Integer> declaredExitCodes) {
        this.id = id;
        this.file = file;
        this.safetensors = safetensors;
        this.verbs = verbs;
        this.declaredExitCodes = declaredExitCodes;
    }

    /**
     * The verb mutant {@code index} of a campaign with {@code seed} runs through: drawn, not
     * round-robin, so it does not lock step with the cycle of mutation kinds.
     */
    public String verbFor(long seed, int index) {
        return verbs.get(new java.util.SplittableRandom(seed * 31 + index).nextInt(verbs.size()));
    }

    /** The target named {@code id}; fails listing the names. */
    public static FuzzTarget of(String id) {
        for (FuzzTarget t : values()) {
            if (t.id.equals(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("--target " + id + " is not a fuzz target; use one of "
                + String.join(", ", java.util.Arrays.stream(values()).map(t -> t.id).toList())
                + " or all");
    }
}
