/**
 * Training: the loop ({@link org.ultramem.train.Trainer}), AdamW with decoupled weight decay and
 * dense or lazy value-table updates ({@link org.ultramem.train.AdamW}), the warmup + cosine
 * schedule with the value-LR multiplier ({@link org.ultramem.train.LrSchedule}), global-norm
 * clipping ({@link org.ultramem.train.GradClip}), Hugging Face layout checkpoints
 * ({@link org.ultramem.train.Checkpoints}), JSON-lines metrics, the progress bar, the strict
 * {@code training} config, and the batch sources (prepared data folder, or arrays for tests and
 * benchmarks).
 *
 * <p>Invariants:
 * <ul>
 *   <li><b>Exact resume.</b> Step t+1 is a function of (parameters, moments, per-row counters,
 *       step count, model buffers such as UltraMem u/v and π and PKM BatchNorm statistics) at step t
 *       and the config: batches derive from (seed, step, micro), the
 *       schedule from the step. Checkpoints hold exactly that state, so a resumed run reproduces
 *       the uninterrupted one bit for bit.</li>
 *   <li><b>Divergence keeps the last good state.</b> A non-finite loss or gradient norm throws
 *       before the optimizer runs and before anything is written.</li>
 *   <li><b>Atomic files, identified pairs.</b> Every checkpoint file is written to a temp file and
 *       renamed; config.json comes before the model/optimizer pair, which is replaced as a unit.
 *       Both files carry the step and the run id (a UUID made at the fresh start, kept through
 *       resumes) and must agree to resume. Every run start settles what a crash left
 *       ({@link org.ultramem.train.Checkpoints#recoverInterruptedSave}), so any kill leaves a
 *       directory that {@code --resume} continues or a fresh start accepts.</li>
 *   <li><b>One training per directory.</b> {@link org.ultramem.train.TrainingRun} takes a
 *       {@link org.ultramem.train.RunLock} (an OS file lock, freed even by kill -9); a second
 *       training there is refused at once, naming the holder's pid.</li>
 *   <li><b>One config loader.</b> {@link org.ultramem.train.RunConfig} is how {@code train},
 *       {@code inspect} and suite trials read a run config and its {@code --set} overrides.</li>
 *   <li><b>Validated loads.</b> Every checkpoint load ({@code Checkpoints.loadModel},
 *       {@code loadParameters}, {@code validate}) runs {@code model.CheckpointValidator} first;
 *       the model, its {@code tokenizer.json} and a data folder are held to one tokenizer
 *       identity ({@link org.ultramem.train.TokenizerIdentity}).</li>
 * </ul>
 * Token storage and data preparation live in {@code data}; the model in {@code model}.
 */
package org.ultramem.train;
