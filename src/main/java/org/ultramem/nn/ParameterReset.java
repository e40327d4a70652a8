package org.ultramem.nn;

/**
 * A request to forget the optimizer state of part of a parameter (AdamW moments, and the lazy
 * row counters of row-sparse tables), made by a layer that re-initialises those entries itself
 * (UltraMem's dead sub-key restart). The optimizer implements it; layers only call it.
 */
@FunctionalInterface
public interface ParameterReset {

    /** Forgets the state of {@code p.data[offset, offset + length)}. */
    void reset(Parameter p, int offset, int length);
}
