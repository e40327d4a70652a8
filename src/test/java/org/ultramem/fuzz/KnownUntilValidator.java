package org.ultramem.fuzz;

import static org.ultramem.fuzz.FuzzTarget.CONFIG;
import static org.ultramem.fuzz.FuzzTarget.MODEL;
import static org.ultramem.fuzz.FuzzTarget.RUN_CONFIG;
import static org.ultramem.fuzz.Outcome.HANG;
import static org.ultramem.fuzz.Outcome.INTERNAL_ERROR;
import static org.ultramem.fuzz.Outcome.OOM;

import java.util.List;
import java.util.Set;

/**
 * KNOWN UNTIL THE VALIDATOR LANDS: mutant classes whose failure belongs to the model-level
 * checkpoint validator and the memory budget (branch load-validation), not to the file parsers.
 * {@link FuzzHarnessTest} still runs them and prints what they did, but does not fail on them.
 * Remove this class (and its use in FuzzHarnessTest) once that branch is merged: every mutant
 * must then end cleanly.
 */
final class KnownUntilValidator {

    /** One tolerated class: target, mutation kind, verb (null: any) and the outcomes it may show. */
    record Known(FuzzTarget target, String kind, String verb, Set<Outcome> outcomes, String rule) {

        boolean matches(CaseResult c) {
            return c.target() == target && c.mutant().kind().equals(kind)
                    && (verb == null || verb.equals(c.verb())) && outcomes.contains(c.outcome());
        }
    }

    static final List<Known> KNOWN = List.of(
            new Known(MODEL, "values-nan-inf", "generate", Set.of(INTERNAL_ERROR),
                    "finite values: NaN/Inf weights reach the sampler as NaN logits"),
            new Known(MODEL, "shuffle-index-bad", "generate", Set.of(INTERNAL_ERROR),
                    "shuffle_index is a permutation: the mapped engine indexes with it unchecked"),
            new Known(MODEL, "bytes-data", "generate", Set.of(INTERNAL_ERROR),
                    "finite values and the shuffle_index permutation (shifted or flipped data)"),
            new Known(MODEL, "bytes-header", "generate", Set.of(INTERNAL_ERROR),
                    "shuffle_index permutation: a byte inserted where the header's padding"
                            + " absorbs it shifts the whole data section by one"),
            new Known(MODEL, "shape-huge-empty", "generate", Set.of(INTERNAL_ERROR),
                    "expected shapes: the mapped engine reads tucker_core/tucker_u without a"
                            + " shape check"),
            new Known(CONFIG, "huge-number", null, Set.of(OOM, HANG, INTERNAL_ERROR),
                    "memory budget: a 2^31-1 dimension is allocated before anything rejects it,"
                            + " or training.seq_len 2^31-1 overflows eval's window buffer"),
            new Known(RUN_CONFIG, "huge-number", "train", Set.of(OOM, HANG, INTERNAL_ERROR),
                    "memory budget: a 2^31-1 dimension is allocated before anything rejects it,"
                            + " or batch_size x seq_len overflows in Transformer's buffer sizes"));

    private KnownUntilValidator() {
    }

    static boolean tolerated(CaseResult c) {
        return KNOWN.stream().anyMatch(k -> k.matches(c));
    }
}
