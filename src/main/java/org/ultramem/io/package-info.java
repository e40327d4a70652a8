/**
 * Files in and out: safetensors reading ({@link org.ultramem.io.SafeTensorsFile}, memory-mapped,
 * validated against hostile input) and writing ({@link org.ultramem.io.SafeTensorsWriter},
 * streamed, atomic); crash-safe replacement of files and checkpoint directories
 * ({@link org.ultramem.io.AtomicFiles}), whose steps report to {@link org.ultramem.io.CrashPoints}
 * so tests can inspect every crash window; JSON configs with {@code --set} overrides and strict typed
 * reads ({@link org.ultramem.io.ConfigJson}, {@link org.ultramem.io.KeyReader},
 * {@link org.ultramem.io.ConfigException}); checkpoint provenance metadata
 * ({@link org.ultramem.io.Provenance}); the heap and native-memory check every allocation sized by
 * user input passes first ({@link org.ultramem.io.MemoryBudget}); the regular-file rule for every
 * file read ({@link org.ultramem.io.RegularFiles}: a FIFO would block, a directory fail obscurely).
 *
 * <p>Invariants: nothing here reads a file's bytes onto the heap wholesale (tensors stay in the
 * mapping until a caller asks for an array); every write that replaces user data goes through
 * {@link org.ultramem.io.AtomicFiles}; every rejection of a damaged file or bad config names the
 * file or key, the value and the rule. This package knows nothing of models or tensors above it:
 * it deals in names, dtypes, shapes, arrays and {@link java.lang.foreign.MemorySegment}s.
 */
package org.ultramem.io;
