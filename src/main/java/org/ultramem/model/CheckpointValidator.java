package org.ultramem.model;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.TensorInfo;
import org.ultramem.model.CheckpointLayout.Rule;
import org.ultramem.model.CheckpointLayout.Tensor;

/**
 * The one check every checkpoint loader runs before it reads a weight (eval, generate, inspect,
 * train --resume): the {@code model.safetensors} must hold exactly the tensors
 * {@link CheckpointLayout#of} lists for its {@code config.json}, each with
 * <ul>
 *   <li>the right dtype: F32 or BF16 for weights, I32 or I64 for the value shuffle π;</li>
 *   <li>the exact shape;</li>
 *   <li>values the format allows: weights finite (no NaN or ±Inf), BatchNorm running variances
 *       also ≥ 0, π a permutation of [0, E·N) (an I64 index above 2^31 is out of range).</li>
 * </ul>
 * Structure (names, dtypes, shapes) is checked before any value is read, and a config describing
 * far more tensors than the file holds (a hostile {@code num_hidden_layers}) is refused before the
 * expected list is even built. The first
 * failure is thrown as a {@link CheckpointException} whose one-line message names the file, the
 * tensor, the offending value or index, the rule and the fix. Values are read through the
 * mapping ({@link SafeTensorsFile#segment}), never copied onto the heap; the π check keeps one
 * bit per slot.
 */
public final class CheckpointValidator {

    private static final int LISTED = 3;

    private CheckpointValidator() {
    }

    /**
     * Checks {@code file} against {@code cfg}: names, dtypes and shapes, then every value rule.
     *
     * @throws CheckpointException naming the first problem
     */
    public static void validate(SafeTensorsFile file, ModelConfig cfg) throws CheckpointException {
        List<Tensor> expected = validateStructure(file, cfg);
        for (Tensor t : expected) {
            validateValues(file, t);
        }
    }

    /**
     * The structural half of {@link #validate}: every expected tensor present with the right
     * dtype and shape, and no other tensor. Returns the expected tensors.
     */
    public static List<Tensor> validateStructure(SafeTensorsFile file, ModelConfig cfg)
            throws CheckpointException {
        long want = CheckpointLayout.count(cfg);
        int have = file.names().size();
        if (want > 2L * have + 64) { // far off: do not list millions of names to say so
            throw new CheckpointException(file.path() + " holds " + have + " tensors but its"
                    + " config.json (" + describe(cfg) + ") describes " + want + ": the weights"
                    + " and config.json belong to different models or the file is truncated; use"
                    + " the config.json saved with these weights");
        }
        List<Tensor> expected = CheckpointLayout.of(cfg);
        List<String> missing = new ArrayList<>();
        Set<String> known = new LinkedHashSet<>();
        for (Tensor t : expected) {
            known.add(t.name());
            if (!file.contains(t.name())) {
                missing.add(t.name());
            }
        }
        if (!missing.isEmpty()) {
            throw new CheckpointException(file.path() + " has no tensor " + list(missing) + " ("
                    + missing.size() + " of " + expected.size() + " expected tensors missing):"
                    + " it was saved by a different model or is incomplete; check that"
                    + " config.json belongs to this checkpoint");
        }
        List<String> unknown = new ArrayList<>();
        for (String name : file.names()) {
            if (!known.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new CheckpointException(file.path() + " holds " + unknown.size() + " tensor"
                    + (unknown.size() == 1 ? "" : "s") + " that config.json (" + describe(cfg)
                    + ") does not describe: " + list(unknown) + "; the weights and config.json"
                    + " belong to different models: use the config.json saved with these weights");
        }
        for (Tensor t : expected) {
            TensorInfo info = file.info(t.name());
            checkDtype(file, t, info.dtype());
            if (!Arrays.equals(info.shape(), t.shape())) {
                throw new CheckpointException(file.path() + ": tensor `" + t.name() + "` has shape "
                        + Arrays.toString(info.shape()) + " but config.json (" + describe(cfg)
                        + ") needs " + Arrays.toString(t.shape()) + "; the weights and"
                        + " config.json belong to different models: use the config.json saved"
                        + " with these weights");
            }
        }
        return expected;
    }

    /** Checks one tensor's values against its rule (dtype and shape already checked). */
    static void validateValues(SafeTensorsFile file, Tensor t) throws CheckpointException {
        MemorySegment data = file.segment(t.name());
        DType dtype = file.info(t.name()).dtype();
        switch (t.rule()) {
            case FINITE, FINITE_NON_NEGATIVE -> checkFloats(file, t, data, dtype);
            case PERMUTATION -> checkPermutation(file, t, data, dtype);
            case COUNTS -> checkCounts(file, t, data, dtype);
        }
    }

    private static void checkDtype(SafeTensorsFile file, Tensor t, DType dtype)
            throws CheckpointException {
        boolean integer = t.rule() == Rule.PERMUTATION || t.rule() == Rule.COUNTS;
        boolean ok = integer
                ? dtype == DType.I32 || dtype == DType.I64
                : dtype == DType.F32 || dtype == DType.BF16;
        if (!ok) {
            String want = integer ? "I32 or I64 (an integer)" : "F32 or BF16";
            throw new CheckpointException(file.path() + ": tensor `" + t.name() + "` is " + dtype
                    + " but must be " + want + "; the file was written by another tool or is"
                    + " damaged: re-export it with that dtype or restore the checkpoint");
        }
    }

    private static void checkFloats(SafeTensorsFile file, Tensor t, MemorySegment data,
            DType dtype) throws CheckpointException {
        boolean bf16 = dtype == DType.BF16;
        long n = t.numel();
        long bad = bf16 ? firstNonFiniteBf16(data, n) : firstNonFiniteF32(data, n);
        if (bad >= 0) {
            float v = value(data, bad, bf16);
            throw new CheckpointException(file.path() + ": tensor `" + t.name() + "` element "
                    + bad + " is " + v + "; weights must be finite (a run that diverged saved"
                    + " them, or the file is damaged): use an earlier checkpoint or retrain with a"
                    + " lower training.lr");
        }
        if (t.rule() == Rule.FINITE_NON_NEGATIVE) {
            for (long i = 0; i < n; i++) {
                float v = value(data, i, bf16);
                if (v < 0) {
                    throw new CheckpointException(file.path() + ": tensor `" + t.name()
                            + "` element " + i + " is " + v + "; a variance must be >= 0: the"
                            + " file is damaged; restore the checkpoint");
                }
            }
        }
    }

    /** Index of the first NaN/Inf among n little-endian F32 values, or −1. */
    static long firstNonFiniteF32(MemorySegment data, long n) {
        for (long i = 0; i < n; i++) {
            // exponent all ones: ±Inf or NaN
            if ((data.getAtIndex(SafeTensorsFile.I32_LE, i) & 0x7F80_0000) == 0x7F80_0000) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the first NaN/Inf among n little-endian BF16 values, or −1. */
    static long firstNonFiniteBf16(MemorySegment data, long n) {
        for (long i = 0; i < n; i++) {
            if ((data.getAtIndex(SafeTensorsFile.I16_LE, i) & 0x7F80) == 0x7F80) {
                return i;
            }
        }
        return -1;
    }

    private static float value(MemorySegment data, long i, boolean bf16) {
        return bf16 ? Float.intBitsToFloat((data.getAtIndex(SafeTensorsFile.I16_LE, i) & 0xFFFF)
                << 16) : data.getAtIndex(SafeTensorsFile.F32_LE, i);
    }

    private static void checkPermutation(SafeTensorsFile file, Tensor t, MemorySegment data,
            DType dtype) throws CheckpointException {
        long n = t.numel();
        long[] seen = new long[(int) ((n + 63) >>> 6)];
        for (long i = 0; i < n; i++) {
            long v = dtype == DType.I64 ? data.getAtIndex(SafeTensorsFile.I64_LE, i)
                    : data.getAtIndex(SafeTensorsFile.I32_LE, i);
            if (v < 0 || v >= n) {
                throw new CheckpointException(file.path() + ": tensor `" + t.name() + "` element "
                        + i + " is " + v + ", outside [0, " + n + "); it must be a permutation"
                        + " of the E·N value slots: the file is damaged; restore the checkpoint");
            }
            int word = (int) (v >>> 6);
            long bit = 1L << (v & 63);
            if ((seen[word] & bit) != 0) {
                throw new CheckpointException(file.path() + ": tensor `" + t.name() + "` element "
                        + i + " repeats slot " + v + "; it must be a permutation of [0, " + n
                        + "): the file is damaged; restore the checkpoint");
            }
            seen[word] |= bit;
        }
    }

    private static void checkCounts(SafeTensorsFile file, Tensor t, MemorySegment data,
            DType dtype) throws CheckpointException {
        for (long i = 0; i < t.numel(); i++) {
            long v = dtype == DType.I64 ? data.getAtIndex(SafeTensorsFile.I64_LE, i)
                    : data.getAtIndex(SafeTensorsFile.I32_LE, i);
            if (v < 0) {
                throw new CheckpointException(file.path() + ": tensor `" + t.name() + "` element "
                        + i + " is " + v + "; a count must be >= 0: the file is damaged; restore"
                        + " the checkpoint");
            }
        }
    }

    /** "hidden_size 16, 2 layers, vocab_size 300, 1 memory layer". */
    static String describe(ModelConfig cfg) {
        return String.format(Locale.ROOT, "hidden_size %d, num_hidden_layers %d, vocab_size %d%s",
                cfg.hiddenSize(), cfg.numLayers(), cfg.vocabSize(),
                cfg.memoryLayers().isEmpty() ? "" : ", " + cfg.memoryLayers().size()
                        + " memory layer" + (cfg.memoryLayers().size() == 1 ? "" : "s"));
    }

    private static String list(List<String> names) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(LISTED, names.size()); i++) {
            sb.append(i == 0 ? "" : ", ").append('`').append(names.get(i)).append('`');
        }
        if (names.size() > LISTED) {
            sb.append(", ...");
        }
        return sb.toString();
    }
}
