package org.ultramem.fuzz;

/**
 * One mutant run through one verb: what was mutated, how the run ended, its exit code (-1 when
 * none) and the line that explains it (the last stderr line, or what escaped).
 */
public record CaseResult(FuzzTarget target, Mutant mutant, String verb, Outcome outcome, int exit,
                         String message) {
}
