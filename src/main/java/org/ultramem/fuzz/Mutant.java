package org.ultramem.fuzz;

/**
 * One mutated file: its position in the campaign, the mutation kind (a stable id such as
 * {@code "shape-huge"} or {@code "drop-key"}, used for tallies and the known-failure set), a
 * human-readable detail of what was changed, and the bytes to write.
 */
public record Mutant(int index, String kind, String detail, byte[] bytes) {
}
