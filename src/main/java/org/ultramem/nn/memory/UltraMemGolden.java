package org.ultramem.nn.memory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Replays a golden vector file of the official PyTorch UltraMem V1 layer (format in
 * {@code shared/golden/README.md}) through {@link UltraMemLayer} and measures the agreement.
 *
 * <p>Procedure: build the config from {@code __metadata__}, load every parameter, u, v and π
 * (u, v are not recomputed), forward on {@code input}, compare {@code output},
 * {@code selected_grid_index} (exact) and {@code selected_core_scores}; zero gradients, backward
 * with {@code grad_output}, compare {@code grad.input} and every {@code grad.<param>}.
 *
 * <p>Error measure per tensor: max|a − b| / max|b| (relative to the reference tensor's largest
 * magnitude, so near-zero entries do not inflate it). For the grid index it is the number of
 * mismatched entries. The README's bound is 1e-4.
 */
public final class UltraMemGolden {

    /** The agreement bound of the golden README. */
    public static final double TOLERANCE = 1e-4;

    private static final List<String> META_KEYS = List.of("hidden", "knum", "kdim", "vdim", "knn",
            "heads", "tucker_rank", "tucker_cores", "value_expand", "key_num", "value_num", "tokens");

    private UltraMemGolden() {
    }

    /** One compared tensor: its name, the error measure and whether it passes. */
    public record Comparison(String tensor, double error, boolean exact) {
        public boolean passes() {
            return exact ? error == 0 : error <= TOLERANCE;
        }
    }

    /** The layer config a golden file describes (README metadata keys). */
    public static UltraMemConfig configOf(Path file, Map<String, String> meta) {
        for (String key : META_KEYS) {
            if (!meta.containsKey(key)) {
                throw new IllegalArgumentException(file + ": __metadata__ lacks `" + key + "` (needs "
                        + META_KEYS + "); regenerate the golden file with its config");
            }
        }
        int knn = intMeta(file, meta, "knn");
        float eps = meta.containsKey("rms_eps") ? floatMeta(file, meta, "rms_eps") : 1e-5f;
        UltraMemConfig d = UltraMemConfig.of(intMeta(file, meta, "knum"), intMeta(file, meta, "kdim"),
                intMeta(file, meta, "vdim"), knn);
        UltraMemConfig cfg = new UltraMemConfig(d.keyNum(), d.keyDim(), d.valueDim(), knn, knn,
                intMeta(file, meta, "heads"), intMeta(file, meta, "tucker_rank"),
                intMeta(file, meta, "tucker_cores"), intMeta(file, meta, "value_expand"), null, false,
                true, true, true, true, true, "code", 1, 4.0, 1.0, "dense_adamw", 0.0, 0.15, eps);
        if (cfg.keysPerSide() != intMeta(file, meta, "key_num")
                || cfg.valueNum() != intMeta(file, meta, "value_num")) {
            throw new IllegalArgumentException(file + ": metadata key_num/value_num ("
                    + meta.get("key_num") + "/" + meta.get("value_num") + ") disagree with sqrt(E)·knum = "
                    + cfg.keysPerSide() + " and knum² = " + cfg.valueNum());
        }
        return cfg;
    }

    /** Runs the file through the layer with the default kernels. */
    public static List<Comparison> verify(Path file) throws IOException {
        return verify(file, KernelProvider.get());
    }

    /** Runs the file through the layer with the given kernels and returns every comparison. */
    public static List<Comparison> verify(Path file, Kernels kernels) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            UltraMemConfig cfg = configOf(file, st.metadata());
            int hidden = intMeta(file, st.metadata(), "hidden");
            int tokens = intMeta(file, st.metadata(), "tokens");
            // The token count sizes every buffer below: hold it to the tensors the file has.
            requireShape(st, file, "input", tokens, hidden);
            requireShape(st, file, "grad_output", tokens, hidden);
            UltraMemLayer layer = new UltraMemLayer(cfg, hidden, tokens, 0, kernels);
            for (Parameter p : layer.parameters()) {
                copyInto(file, p.name, readFloats(st, file, p.name), p.data);
            }
            copyInto(file, "tucker_u", readFloats(st, file, "tucker_u"), layer.tuckerU());
            copyInto(file, "tucker_v", readFloats(st, file, "tucker_v"), layer.tuckerV());
            layer.setShuffleIndex(shuffleIndex(st, file));

            List<Comparison> out = new ArrayList<>();
            float[] x = readFloats(st, file, "input");
            checkLength(file, "input", x.length, tokens * hidden);
            float[] y = new float[tokens * hidden];
            layer.forward(y, x, tokens);
            out.add(compare(file, "output", y, readFloats(st, file, "output")));
            out.add(compareSelection(file, layer, readIndex(st, file, "selected_grid_index"),
                    tokens));
            out.add(compareCoreScores(file, layer, readFloats(st, file, "selected_core_scores"),
                    tokens));

            for (Parameter p : layer.parameters()) {
                p.zeroGrad();
                Arrays.fill(p.grad, 0f);
            }
            float[] dx = new float[tokens * hidden];
            float[] dy = readFloats(st, file, "grad_output");
            checkLength(file, "grad_output", dy.length, tokens * hidden);
            layer.backward(dx, dy, tokens);
            out.add(compare(file, "grad.input", dx, readFloats(st, file, "grad.input")));
            for (Parameter p : layer.parameters()) {
                out.add(compare(file, "grad." + p.name, p.grad,
                        readFloats(st, file, "grad." + p.name)));
            }
            return out;
        }
    }

    /** max|a − b| / max|b| (0 when both are all zero). */
    public static double relativeError(float[] a, float[] b) {
        double maxDiff = 0;
        double maxRef = 0;
        for (int i = 0; i < a.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) a[i] - b[i]));
            maxRef = Math.max(maxRef, Math.abs((double) b[i]));
        }
        if (Double.isNaN(maxDiff) || maxDiff > 0 && maxRef == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return maxRef == 0 ? 0 : maxDiff / maxRef;
    }

    private static Comparison compare(Path file, String name, float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException(file + ": tensor `" + name + "` has " + expected.length
                    + " elements, the layer produced " + actual.length + "; the file's shapes do not "
                    + "match its metadata");
        }
        return new Comparison(name, relativeError(actual, expected), false);
    }

    private static Comparison compareSelection(Path file, UltraMemLayer layer, long[] expected, int tokens) {
        int slots = layer.config().heads() * layer.config().topK();
        checkLength(file, "selected_grid_index", expected.length, tokens * slots);
        int mismatches = 0;
        for (int b = 0; b < tokens; b++) {
            for (int s = 0; s < slots; s++) {
                if (layer.selectedGridIndex(b, s) != expected[b * slots + s]) {
                    mismatches++;
                }
            }
        }
        return new Comparison("selected_grid_index", mismatches, true);
    }

    private static Comparison compareCoreScores(Path file, UltraMemLayer layer, float[] expected, int tokens) {
        int slots = layer.config().heads() * layer.config().topK();
        int cores = layer.config().tuckerCores();
        checkLength(file, "selected_core_scores", expected.length, tokens * slots * cores);
        float[] actual = new float[expected.length];
        for (int b = 0; b < tokens; b++) {
            for (int s = 0; s < slots; s++) {
                for (int t = 0; t < cores; t++) {
                    actual[(b * slots + s) * cores + t] = layer.selectedWeight(b, s, t);
                }
            }
        }
        return new Comparison("selected_core_scores", relativeError(actual, expected), false);
    }

    private static void copyInto(Path file, String name, float[] src, float[] dst) {
        checkLength(file, name, src.length, dst.length);
        System.arraycopy(src, 0, dst, 0, dst.length);
    }

    private static void checkLength(Path file, String name, int found, int expected) {
        if (found != expected) {
            throw new IllegalArgumentException(file + ": tensor `" + name + "` has " + found
                    + " elements, expected " + expected + " from the metadata config");
        }
    }

    /** The config a golden file's metadata describes, its hidden size and token count. */
    public record Shape(UltraMemConfig config, int hidden, int tokens) {
    }

    /**
     * Reads {@link Shape} from {@code file}'s metadata without running anything, after checking
     * that {@code input} and {@code grad_output} are [tokens, hidden] as the metadata says.
     */
    public static Shape shapeOf(Path file) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            Map<String, String> meta = st.metadata();
            Shape shape = new Shape(configOf(file, meta), intMeta(file, meta, "hidden"),
                    intMeta(file, meta, "tokens"));
            requireShape(st, file, "input", shape.tokens(), shape.hidden());
            requireShape(st, file, "grad_output", shape.tokens(), shape.hidden());
            return shape;
        }
    }

    /** A float tensor (F32, BF16, F16) as floats; any other dtype is named as an error. */
    private static float[] readFloats(SafeTensorsFile st, Path file, String name) {
        DType t = st.info(name).dtype();
        if (!t.isFloat()) {
            throw new IllegalArgumentException(file + ": tensor `" + name + "` is " + t
                    + " but must be F32, BF16 or F16; regenerate the golden file");
        }
        return st.readF32(name);
    }

    /** An index tensor (I32 or I64) as longs; any other dtype is named as an error. */
    private static long[] readIndex(SafeTensorsFile st, Path file, String name) {
        DType t = st.info(name).dtype();
        if (t != DType.I32 && t != DType.I64) {
            throw new IllegalArgumentException(file + ": tensor `" + name + "` is " + t
                    + " but must be I32 or I64 (an index); regenerate the golden file");
        }
        return st.readI64(name);
    }

    /** π as ints, each checked to be a slot index before the layer checks the permutation. */
    private static int[] shuffleIndex(SafeTensorsFile st, Path file) {
        long[] raw = readIndex(st, file, "shuffle_index");
        int[] pi = new int[raw.length];
        for (int i = 0; i < raw.length; i++) {
            if (raw[i] < 0 || raw[i] >= raw.length) {
                throw new IllegalArgumentException(file + ": tensor `shuffle_index` element " + i
                        + " is " + raw[i] + ", outside [0, " + raw.length + "); it must be a"
                        + " permutation of the value slots: regenerate the golden file");
            }
            pi[i] = (int) raw[i];
        }
        return pi;
    }

    private static void requireShape(SafeTensorsFile st, Path file, String name, long... shape) {
        if (!st.contains(name)) {
            throw new IllegalArgumentException(file + " has no tensor `" + name + "`; a golden"
                    + " file holds input, grad_output, the parameters and every grad.*");
        }
        long[] got = st.info(name).shape();
        if (!Arrays.equals(got, shape)) {
            throw new IllegalArgumentException(file + ": tensor `" + name + "` has shape "
                    + Arrays.toString(got) + " but __metadata__ tokens and hidden say "
                    + Arrays.toString(shape) + "; the metadata does not describe this file:"
                    + " regenerate it");
        }
    }

    private static int intMeta(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": __metadata__ `" + key + "` is \"" + v
                    + "\" but must be a whole number (e.g. \"16\"); regenerate the golden file");
        }
        if (n <= 0) {
            throw new IllegalArgumentException(file + ": __metadata__ `" + key + "` is " + n
                    + " but must be > 0; regenerate the golden file");
        }
        return n;
    }

    private static float floatMeta(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        try {
            float f = Float.parseFloat(v.trim());
            if (f > 0 && Float.isFinite(f)) {
                return f;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalArgumentException(file + ": __metadata__ `" + key + "` is \"" + v
                + "\" but must be a finite number > 0 (e.g. \"1e-5\"); regenerate the golden"
                + " file");
    }
}
