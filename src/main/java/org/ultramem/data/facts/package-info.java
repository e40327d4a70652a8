/**
 * The synthetic biography corpus of {@code ultramem data facts} (after Allen-Zhu &amp; Li,
 * "Physics of Language Models 3.1/3.3", bioS): N people with unique names and attributes drawn
 * uniformly from fixed lists ({@link org.ultramem.data.facts.FactLists}, sizes are constants),
 * rendered as templated biographies and question-answer lines
 * ({@link org.ultramem.data.facts.BioWriter}, {@link org.ultramem.data.facts.Templates}) and written
 * as a standard prepared data folder plus {@code facts.jsonl} / {@code facts-eval.jsonl}
 * ({@link org.ultramem.data.facts.FactsCorpus}); {@link org.ultramem.data.facts.FactsData} reads
 * such a folder back for {@code ultramem eval --facts}.
 *
 * <p>Invariants: the same options give byte-identical files; held-out question templates occur in
 * no training text; an attribute's number of choices, recorded in meta.json, is what a recalled
 * value is worth ({@code log2(choices)} bits). What does not live here: the model evaluation and
 * the bits arithmetic ({@code org.ultramem.eval}).
 *
 * <p>Depends on {@code data} (token files, meta.json), {@code text} (BPE) and {@code io}.
 */
package org.ultramem.data.facts;
