package org.ultramem.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.TensorInfo;

/**
 * Reads and checks what makes a model file and an optimizer file one checkpoint pair: both at
 * the same step and stamped with the same run id ({@link Checkpoints} class comment). Damaged
 * metadata fails as an {@link IOException} naming the file and the key, never a number-format
 * stack trace.
 */
final class CheckpointPair {

    private CheckpointPair() {
    }

    /** The integer at metadata {@code key} of {@code file}; fails naming both when it is not one. */
    static long requireLong(Path file, Map<String, String> metadata, String key) throws IOException {
        String v = metadata.get(key);
        if (v == null) {
            throw new IOException(file + " has no `" + key + "` in its metadata; it was not written by"
                    + " `ultramem train`: restore it from the run or train without --resume");
        }
        try {
            return Long.parseLong(v.strip());
        } catch (NumberFormatException e) {
            throw new IOException(file + ": metadata key `" + key + "` (\"" + v + "\") is not an"
                    + " integer; the file is damaged or was edited: restore it from the run or train"
                    + " without --resume");
        }
    }

    /** The one-element integer tensor {@code name} of {@code file} (such as the optimizer's step). */
    static long requireScalar(SafeTensorsFile st, Path file, String name) throws IOException {
        if (!st.contains(name)) {
            throw new IOException(file + " has no tensor `" + name + "`; it is not an optimizer file"
                    + " written by `ultramem train`: restore it from the run or train without --resume");
        }
        TensorInfo t = st.info(name);
        if ((t.dtype() != DType.I64 && t.dtype() != DType.I32) || t.numel() != 1) {
            throw new IOException(file + ": tensor `" + name + "` must be one integer (I64 [1]) but is "
                    + t.dtype() + " " + java.util.Arrays.toString(t.shape()) + "; the file is damaged or"
                    + " was edited: restore it from the run or train without --resume");
        }
        return st.readI64(name)[0];
    }

    /**
     * Fails unless the model file (at {@code modelStep}, run {@code modelRun}) and the optimizer
     * file (at {@code optStep}, run {@code optRun}) are one pair. Files from before run ids (both
     * null) are judged by the step alone.
     */
    static void requireOnePair(Path modelFile, long modelStep, String modelRun,
                               Path optFile, long optStep, String optRun) throws IOException {
        if (!Objects.equals(modelRun, optRun)) {
            throw new IOException("checkpoint files from two different runs: " + modelFile + " has run id "
                    + name(modelRun) + " (step " + modelStep + ") but " + optFile + " has run id "
                    + name(optRun) + " (step " + optStep + "); a model and its optimizer state must"
                    + " come from one save: restore both files from one run, or train without --resume");
        }
        if (modelStep != optStep) {
            throw new IOException("checkpoint is inconsistent: " + optFile + " is at step " + optStep
                    + " but " + modelFile + " at step " + modelStep + " (run id " + name(modelRun)
                    + "; files replaced by hand, or written by an older ultramem that saved the two"
                    + " separately); restore both files from one save, or train without --resume");
        }
    }

    private static String name(String runId) {
        return runId == null ? "(none: written before run ids)" : runId;
    }
}
