package org.ultramem.nn.memory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ultramem.io.ConfigException;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.TensorInfo;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.memory.UltraMemGolden.Comparison;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Replays a golden file of the official UltraMemV2 layer ({@code shared/golden/README.md}, V2
 * section) through {@link UltraMemV2Values} and {@link UltraMemV2Layer} and measures the
 * agreement, with the error measure of {@link UltraMemGolden} (max|a − b| / max|b|, mismatch
 * counts for indices; bound 1e-4).
 *
 * <p>Procedure: config and geometry from {@code __metadata__} (every derived size cross-checked),
 * the value holder from {@code full.*}, then for each retrieval layer ℓ its parameters, u, v
 * (loaded, not recomputed) and π; forward each {@code layer<ℓ>.input} and compare the output, the
 * four selection tensors (exact), the per-core scores, the pre-scores and the balance loss; check
 * the online update (SVD of Σ_t C_t and the sign rule from {@code tucker_u_prev/v_prev} must give
 * {@code tucker_u/v}); then backward every layer with its {@code grad_output} and compare
 * {@code grad.layer<ℓ>.*} and the summed {@code grad.full.*}. A malformed file (missing or
 * mis-shaped tensor, bad metadata) is an {@link IllegalArgumentException} naming what is wrong.
 */
public final class UltraMemV2Golden {

    private static final List<String> META_KEYS = List.of("hidden", "knum", "knum_real", "kdim",
            "vdim", "pre_vdim", "knn", "heads", "tucker_rank", "tucker_cores", "key_expand",
            "value_expand", "fake_value_expand", "key_num", "value_num", "all_value_num",
            "virtual_value_num", "mem_layer_num", "share_ratio", "offsets", "tokens",
            "key_balance_reg_coef", "use_glu_act");

    private UltraMemV2Golden() {
    }

    /** True when the metadata describes an UltraMemV2 golden file (V1 files lack these keys). */
    public static boolean isV2(Map<String, String> meta) {
        String source = meta.getOrDefault("source_file", "");
        return source.contains("ultramem_layer_v2") || meta.containsKey("fake_value_expand");
    }

    /** The geometry (config and layer count) a V2 golden file's metadata describes. */
    public static UltraMemV2Geometry geometryOf(Path file, Map<String, String> meta) {
        for (String key : META_KEYS) {
            if (!meta.containsKey(key)) {
                throw new IllegalArgumentException(file + ": __metadata__ lacks `" + key
                        + "` (a V2 golden file has " + META_KEYS + "); regenerate it");
            }
        }
        UltraMemV2Geometry geo;
        try {
            UltraMemV2Config cfg = new UltraMemV2Config(intMeta(file, meta, "knum"),
                    intMeta(file, meta, "kdim"), intMeta(file, meta, "vdim"),
                    intMeta(file, meta, "pre_vdim"), intMeta(file, meta, "knn"),
                    intMeta(file, meta, "heads"), intMeta(file, meta, "tucker_rank"),
                    intMeta(file, meta, "tucker_cores"), intMeta(file, meta, "key_expand"),
                    intMeta(file, meta, "value_expand"), doubleMeta(file, meta, "share_ratio"),
                    doubleMeta(file, meta, "key_balance_reg_coef"),
                    boolMeta(file, meta, "use_glu_act", false),
                    boolMeta(file, meta, "q_for_each_tucker_rank", true),
                    optDoubleMeta(file, meta, "output_dropout", 0), "full", 4.0, 1.0,
                    (float) optDoubleMeta(file, meta, "rms_eps", 1e-5));
            geo = cfg.geometry(intMeta(file, meta, "mem_layer_num"));
        } catch (ConfigException e) {
            throw new IllegalArgumentException(file + ": __metadata__ describes a config the "
                    + "layer rejects: " + e.getMessage(), e);
        }
        checkDerived(file, meta, "knum_real", geo.realKeyNum());
        checkDerived(file, meta, "key_num", geo.keysPerSide());
        checkDerived(file, meta, "value_num", geo.valueNum());
        checkDerived(file, meta, "all_value_num", geo.allValueNum());
        checkDerived(file, meta, "virtual_value_num", geo.virtualValueNum());
        checkDerived(file, meta, "fake_value_expand", geo.config().virtualBlocks());
        String[] offsets = meta.get("offsets").split(",");
        if (offsets.length != geo.layers()) {
            throw new IllegalArgumentException(file + ": __metadata__ `offsets` ("
                    + meta.get("offsets") + ") must list one offset per layer (mem_layer_num = " + geo.layers() + ")");
        }
        for (int l = 0; l < offsets.length; l++) {
            if (!offsets[l].trim().equals(Integer.toString(geo.offset(l)))) {
                throw new IllegalArgumentException(file + ": __metadata__ `offsets` entry " + l
                        + " (" + offsets[l] + ") disagrees with ℓ·knum² = " + geo.offset(l));
            }
        }
        return geo;
    }

    /** Runs the file through the layers with the default kernels. */
    public static List<Comparison> verify(Path file) throws IOException {
        return verify(file, KernelProvider.get());
    }

    /** Runs the file through the layers with the given kernels and returns every comparison. */
    public static List<Comparison> verify(Path file, Kernels kernels) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            Map<String, String> meta = st.metadata();
            UltraMemV2Geometry geo = geometryOf(file, meta);
            int hidden = intMeta(file, meta, "hidden");
            int tokens = intMeta(file, meta, "tokens");
            if (hidden < 1 || tokens < 1) {
                throw new IllegalArgumentException(file + ": __metadata__ hidden (" + hidden
                        + ") and tokens (" + tokens + ") must be > 0");
            }
            Reader in = new Reader(st, file);
            // Sizes the metadata claims must match the file's own tensors before anything is
            // allocated by them: a hostile `tokens` or `mem_knum` is then a mismatch, not an OOM.
            for (int l = 0; l < geo.layers(); l++) {
                in.checkCount("layer" + l + ".input", st.info("layer" + l + ".input").numel(),
                        (long) tokens * hidden);
            }
            in.checkCount("full.values_for_look_up", st.info("full.values_for_look_up").numel(),
                    (long) geo.allValueNum() * geo.config().valueDim());
            UltraMemV2Values holder = new UltraMemV2Values(geo, 0);
            for (Parameter p : holder.parameters()) {
                in.floatsInto("full." + p.name, p);
            }
            List<UltraMemV2Layer> layers = new ArrayList<>();
            for (int l = 0; l < geo.layers(); l++) {
                UltraMemV2Layer layer = new UltraMemV2Layer(holder, l, hidden, tokens, 0, kernels);
                String pre = "layer" + l + ".";
                for (Parameter p : layer.parameters()) {
                    in.floatsInto(pre + p.name, p);
                }
                in.copy(pre + "tucker_u", layer.tuckerU());
                in.copy(pre + "tucker_v", layer.tuckerV());
                layer.setShuffleIndex(in.shuffle(pre + "shuffle_index", geo.virtualValueNum()));
                layers.add(layer);
            }

            List<Comparison> out = new ArrayList<>();
            int slots = geo.config().slots();
            for (UltraMemV2Layer layer : layers) {
                String pre = "layer" + layer.layerId() + ".";
                float[] y = new float[tokens * hidden];
                layer.forward(y, in.floats(pre + "input", tokens * hidden), tokens);
                out.add(compare(pre + "output", y, in.floats(pre + "output", y.length)));
                out.add(in.compareIndex(pre + "selected_grid_index", tokens, slots,
                        layer::selectedGridIndex));
                out.add(in.compareIndex(pre + "selected_virtual_index", tokens, slots,
                        layer::selectedVirtualIndex));
                out.add(in.compareIndex(pre + "selected_group", tokens, slots,
                        layer::selectedGroup));
                out.add(in.compareIndex(pre + "selected_row", tokens, slots, layer::selectedRow));
                out.addAll(compareScores(in, layer, pre, tokens));
                out.addAll(compareOnlineUpdate(in, layer, pre));
            }

            for (Parameter p : holder.parameters()) {
                p.zeroGrad();
                Arrays.fill(p.grad, 0f);
            }
            for (UltraMemV2Layer layer : layers) {
                String pre = "layer" + layer.layerId() + ".";
                for (Parameter p : layer.parameters()) {
                    p.zeroGrad();
                }
                float[] dx = new float[tokens * hidden];
                layer.backward(dx, in.floats(pre + "grad_output", dx.length), tokens);
                out.add(compare("grad." + pre + "input", dx, in.floats("grad." + pre + "input",
                        dx.length)));
                for (Parameter p : layer.parameters()) {
                    out.add(compare("grad." + pre + p.name, p.grad,
                            in.floats("grad." + pre + p.name, p.numel())));
                }
            }
            for (Parameter p : holder.parameters()) {
                out.add(compare("grad.full." + p.name, p.grad, in.floats("grad.full." + p.name,
                        p.numel())));
            }
            return out;
        }
    }

    /** Per-core Tucker scores, pre-scores (D_p &gt; 0) and the balance loss (β &gt; 0). */
    private static List<Comparison> compareScores(Reader in, UltraMemV2Layer layer, String pre,
                                                  int tokens) {
        UltraMemV2Config cfg = layer.config();
        int slots = cfg.slots();
        int cores = cfg.tuckerCores();
        List<Comparison> out = new ArrayList<>();
        float[] scores = new float[tokens * slots * cores];
        float[] preScores = new float[tokens * slots];
        for (int b = 0; b < tokens; b++) {
            for (int s = 0; s < slots; s++) {
                preScores[b * slots + s] = layer.preScore(b, s);
                for (int t = 0; t < cores; t++) {
                    scores[(b * slots + s) * cores + t] = layer.selectedCoreScore(b, s, t);
                }
            }
        }
        out.add(compare(pre + "selected_core_scores", scores,
                in.floats(pre + "selected_core_scores", scores.length)));
        if (cfg.preValueDim() > 0) {
            out.add(compare(pre + "pre_score", preScores, in.floats(pre + "pre_score",
                    preScores.length)));
        }
        if (cfg.balanceCoef() > 0) {
            out.add(compare(pre + "balance_loss", new float[] {(float) layer.balanceLoss()},
                    in.floats(pre + "balance_loss", 1)));
        }
        return out;
    }

    /**
     * The online update from the stored previous pair: SVD of Σ_t C_t, leading vectors, the sign
     * rule against {@code tucker_u_prev/v_prev} (head 0 deliberately flipped there) must give the
     * stored u, v. Leaves the layer's own u, v untouched.
     */
    private static List<Comparison> compareOnlineUpdate(Reader in, UltraMemV2Layer layer,
                                                        String pre) {
        int len = layer.tuckerU().length;
        float[] u = in.floats(pre + "tucker_u_prev", len);
        float[] v = in.floats(pre + "tucker_v_prev", len);
        int cores = layer.config().tuckerCores();
        float[][] c = new float[cores][];
        for (int t = 0; t < cores; t++) {
            c[t] = layer.parameter("tucker_core." + t).data;
        }
        TuckerUpdate.refresh(u, v, c, layer.config().heads(), layer.config().tuckerRank());
        return List.of(
                compare(pre + "tucker_u (online update)", u, in.floats(pre + "tucker_u", len)),
                compare(pre + "tucker_v (online update)", v, in.floats(pre + "tucker_v", len)));
    }

    private static Comparison compare(String name, float[] actual, float[] expected) {
        return new Comparison(name, UltraMemGolden.relativeError(actual, expected), false);
    }

    private static void checkDerived(Path file, Map<String, String> meta, String key,
                                     int expected) {
        int found = intMeta(file, meta, key);
        if (found != expected) {
            throw new IllegalArgumentException(file + ": __metadata__ `" + key + "` (" + found
                    + ") disagrees with the size the config gives (" + expected + ", spec §2.1)");
        }
    }

    private static int intMeta(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        try {
            return Integer.parseInt(v.trim());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": __metadata__ `" + key + "` (" + v
                    + ") must be an integer");
        }
    }

    private static double doubleMeta(Path file, Map<String, String> meta, String key) {
        String v = meta.get(key);
        try {
            double d = Double.parseDouble(v.trim());
            if (Double.isFinite(d)) {
                return d;
            }
        } catch (RuntimeException e) {
            // reported below
        }
        throw new IllegalArgumentException(file + ": __metadata__ `" + key + "` (" + v
                + ") must be a finite number");
    }

    private static double optDoubleMeta(Path file, Map<String, String> meta, String key,
                                        double dflt) {
        return meta.containsKey(key) ? doubleMeta(file, meta, key) : dflt;
    }

    private static boolean boolMeta(Path file, Map<String, String> meta, String key, boolean dflt) {
        String v = meta.get(key);
        if (v == null) {
            return dflt;
        }
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(file + ": __metadata__ `" + key + "` ("
                    + v + ") must be true or false");
        };
    }

    /** Reads tensors with dtype and size checks that name the file and the tensor. */
    private record Reader(SafeTensorsFile st, Path file) {

        float[] floats(String name, int expected) {
            TensorInfo t = st.info(name);
            if (!t.dtype().isFloat()) {
                throw new IllegalArgumentException(file + ": tensor `" + name + "` is " + t.dtype()
                        + " but must be F32, BF16 or F16; regenerate the golden file");
            }
            checkCount(name, t.numel(), expected);
            return st.readF32(name);
        }

        void floatsInto(String name, Parameter p) {
            long[] shape = st.info(name).shape();
            if (!Arrays.equals(shape, Arrays.stream(p.shape).asLongStream().toArray())) {
                throw new IllegalArgumentException(file + ": tensor `" + name + "` has shape "
                        + Arrays.toString(shape) + ", the metadata config gives "
                        + Arrays.toString(p.shape) + "; the file does not match its metadata");
            }
            copy(name, p.data);
        }

        void copy(String name, float[] dst) {
            System.arraycopy(floats(name, dst.length), 0, dst, 0, dst.length);
        }

        long[] index(String name, int expected) {
            TensorInfo t = st.info(name);
            if (t.dtype() != DType.I64 && t.dtype() != DType.I32) {
                throw new IllegalArgumentException(file + ": tensor `" + name + "` is " + t.dtype()
                        + " but must be I64 or I32 (an index); regenerate the golden file");
            }
            checkCount(name, t.numel(), expected);
            return st.readI64(name);
        }

        int[] shuffle(String name, int expected) {
            long[] raw = index(name, expected);
            int[] pi = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                if (raw[i] < 0 || raw[i] >= raw.length) {
                    throw new IllegalArgumentException(file + ": tensor `" + name + "` element " + i
                            + " is " + raw[i] + ", outside [0, " + raw.length + "); it must be a "
                            + "permutation of the virtual slots: regenerate the golden file");
                }
                pi[i] = (int) raw[i];
            }
            return pi;
        }

        /** Mismatch count between the stored index tensor [B, H·k] and the layer's values. */
        Comparison compareIndex(String name, int tokens, int slots, SlotIndex actual) {
            long[] expected = index(name, tokens * slots);
            int mismatches = 0;
            for (int b = 0; b < tokens; b++) {
                for (int s = 0; s < slots; s++) {
                    if (actual.at(b, s) != expected[b * slots + s]) {
                        mismatches++;
                    }
                }
            }
            return new Comparison(name, mismatches, true);
        }

        private void checkCount(String name, long found, long expected) {
            if (found != expected) {
                throw new IllegalArgumentException(file + ": tensor `" + name + "` has " + found
                        + " elements, expected " + expected + " from the metadata; the file does "
                        + "not match its metadata");
            }
        }
    }

    /** One per-slot index of the last forward, e.g. {@link UltraMemV2Layer#selectedRow}. */
    @FunctionalInterface
    private interface SlotIndex {
        int at(int b, int slot);
    }
}
