/**
 * Experiment suites: named lists of training runs with a fixed token budget and seeds
 * ({@link org.ultramem.experiment.Suite}, JSON files in {@code configs/experiments/}), run one
 * after another and resumably ({@link org.ultramem.experiment.ExperimentRunner}), then summarised
 * in a markdown report with loss plots and the paper's claims decided at our scale
 * ({@link org.ultramem.experiment.ExperimentReport}, {@link org.ultramem.experiment.ClaimCheck}).
 *
 * <p>Invariants: a trial's directory ({@code <out>/<suite>/<run>-s<seed>}) holds
 * {@code experiment-config.json}, the fully resolved config it was trained with; a trial is
 * finished exactly when {@code result.json} exists; results are never mixed across configs (a
 * changed config is an error, not a silent retrain). Nothing here trains differently from
 * {@code ultramem train}: trials go through {@link org.ultramem.train.Trainer} in-process.
 * A suite with {@code "facts_eval": true} also asks each finished trial the questions of its facts
 * folder ({@code FactsTrialEval}, through {@link org.ultramem.eval.FactsEvaluator}) and reports the
 * bits of knowledge stored ({@code KnowledgeTable}, claim kind {@code bits_above}).
 * What does not live here: the trainer, the cost model ({@link org.ultramem.model.ModelCost}), the
 * facts evaluation ({@code org.ultramem.eval}) and the plotting ({@link org.ultramem.report.LinePlot}).
 */
package org.ultramem.experiment;
