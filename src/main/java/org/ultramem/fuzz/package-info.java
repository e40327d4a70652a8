/**
 * The fuzzing harness: seeded mutants of every file the CLI loads (safetensors checkpoints,
 * optimizer state and golden files, {@code tokenizer.json}, run and checkpoint configs), fed through
 * the CLI's own entry point, each outcome sorted into a class ({@link org.ultramem.fuzz.Outcome}).
 * The CLI's promise is that no input crashes it: every mutant ends in a clean one-line error
 * (exit 2), a success, or a declared failure (verify-golden's mismatch, training divergence),
 * never a stack trace, an uncaught {@link java.lang.Throwable} or a hang.
 *
 * <p>Reproducibility: mutant {@code i} of a campaign with seed {@code s} is a pure function of
 * (target, s, i) and the fixture, so {@code ultramem fuzz --target T --seed s --index i} replays it.
 *
 * <p>This package sits below {@code cli}: it runs the CLI through a {@link org.ultramem.fuzz.Cli}
 * handed in by the caller ({@code FuzzCommand}, the tests), so it never imports {@code cli}.
 */
package org.ultramem.fuzz;
