/**
 * Evaluations of a trained checkpoint beyond its loss: {@link org.ultramem.eval.FactsEvaluator}
 * ({@code ultramem eval --facts}: greedy completions of a facts folder's questions through the
 * inference engine, batched) and the bits-of-knowledge arithmetic
 * ({@link org.ultramem.eval.KnowledgeBits}, {@link org.ultramem.eval.FactsReport}).
 *
 * <p>Invariants: answers are exact matches of the generated text up to the first '.' or line
 * break, trimmed; the headline is chance-corrected bits on held-out question templates; an
 * attribute's number of choices comes from the data folder's meta.json. What does not live here:
 * the corpus generator ({@code org.ultramem.data.facts}), the engine ({@code org.ultramem.infer})
 * and the cost model ({@code org.ultramem.model.ModelCost}).
 *
 * <p>Depends on {@code data.facts}, {@code infer}, {@code model}, {@code text} and {@code train}
 * (checkpoint config); nothing depends on it but {@code cli} and {@code experiment}.
 */
package org.ultramem.eval;
