package org.ultramem.nn.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.ultramem.io.KeyReader;

/**
 * Configuration of one UltraMem (V1) memory layer, including every switch of the PKM → UltraMem
 * ablation ladder (spec §F.2), so the ladder is a list of configs. The hidden size comes from the
 * model and is passed to the layer separately.
 *
 * <p>JSON keys (Hugging Face style, mapped only in {@link #fromJson}/{@link #toJson}):
 * {@code mem_knum} K0, {@code mem_kdim} D_k, {@code mem_vdim} D_v, {@code mem_knn} (sets m and k),
 * {@code mem_candidates} m, {@code mem_topk} k, {@code mem_heads} H, {@code tucker_rank} r,
 * {@code tucker_cores} T, {@code value_expand} E, {@code placement} "i:j", {@code softmax_weights},
 * {@code output_projection}, {@code share_query}, {@code qk_norm}, {@code tdqkr}, {@code mcs},
 * {@code init} ("code"|"paper"), {@code mem_layers} (only for paper init), {@code value_lr_mult},
 * {@code value_lr_decay_frac}, {@code value_optimizer} ("dense_adamw"|"lazy_adamw"),
 * {@code tucker_aux_alpha}, {@code tucker_aux_tau} (aux loss off when alpha = 0),
 * {@code rms_eps}, and the retrieval-collapse remedies ({@link RetrievalRemedies}: every one off
 * by default). {@code hidden_size} may be present and is ignored (the model owns it).
 *
 * @param keyNum K0, physical keys per side before key expansion
 * @param keyDim D_k, key dimension per side
 * @param valueDim D_v, physical value dimension
 * @param candidates m, candidates kept per side (first/second top-m)
 * @param topK k, final picks per head
 * @param heads H, retrieval heads
 * @param tuckerRank r
 * @param tuckerCores T (multi-core scoring components)
 * @param valueExpand E ∈ {1, 4, 9, 16} (implicit value expansion)
 * @param placement "i:j" source/target block, or null when the model decides
 * @param softmaxWeights PKM-style softmax over each head's k selected scores (requires T = 1)
 * @param outputProjection W_o after pooling; when false E must be 1 and D_v = hidden
 * @param shareQuery all heads use one query (false: one query per head)
 * @param qkNorm RMSNorm on queries and keys
 * @param tdqkr Tucker-decomposed scoring; false = PKM sum-of-halves scoring (r = 1, T = 1)
 * @param mcs multi-core scoring allowed (false requires T = 1)
 * @param init "code" (released-code constants) or "paper" (variance-derived, spec §D.2)
 * @param memLayers memory layers in the model (only used by paper init)
 * @param valueLrMult value-table learning-rate multiplier M at the start
 * @param valueLrDecayFrac fraction of the run over which M decays to 1
 * @param valueOptimizer "dense_adamw" or "lazy_adamw"
 * @param tuckerAuxAlpha Tucker aux-loss weight α (0 = off)
 * @param tuckerAuxTau Tucker aux-loss threshold τ
 * @param rmsEps epsilon of the query/key RMSNorm
 * @param remedies the retrieval-collapse remedies ({@link RetrievalRemedies#OFF}: none)
 */
public record UltraMemConfig(int keyNum, int keyDim, int valueDim, int candidates, int topK,
                             int heads, int tuckerRank, int tuckerCores, int valueExpand,
                             String placement, boolean softmaxWeights, boolean outputProjection,
                             boolean shareQuery, boolean qkNorm, boolean tdqkr, boolean mcs,
                             String init, int memLayers, double valueLrMult,
                             double valueLrDecayFrac, String valueOptimizer,
                             double tuckerAuxAlpha, double tuckerAuxTau, float rmsEps,
                             RetrievalRemedies remedies) {

    private static final Pattern PLACEMENT = Pattern.compile("\\d+:\\d+");
    /** Every key of an UltraMem layer config object. */
    public static final Set<String> KEYS = keys();

    private static Set<String> keys() {
        Set<String> k = new java.util.TreeSet<>(Set.of("hidden_size", "mem_knum", "mem_kdim",
                "mem_vdim", "mem_knn", "mem_candidates", "mem_topk", "mem_heads", "tucker_rank",
                "tucker_cores", "value_expand", "placement", "softmax_weights", "output_projection",
                "share_query", "qk_norm", "tdqkr", "mcs", "init", "mem_layers", "value_lr_mult",
                "value_lr_decay_frac", "value_optimizer", "tucker_aux_alpha", "tucker_aux_tau",
                "rms_eps"));
        k.addAll(RetrievalRemedies.KEYS);
        return java.util.Collections.unmodifiableSet(k);
    }

    /** The config before the remedies existed: every remedy off. */
    public UltraMemConfig(int keyNum, int keyDim, int valueDim, int candidates, int topK,
                          int heads, int tuckerRank, int tuckerCores, int valueExpand,
                          String placement, boolean softmaxWeights, boolean outputProjection,
                          boolean shareQuery, boolean qkNorm, boolean tdqkr, boolean mcs,
                          String init, int memLayers, double valueLrMult,
                          double valueLrDecayFrac, String valueOptimizer,
                          double tuckerAuxAlpha, double tuckerAuxTau, float rmsEps) {
        this(keyNum, keyDim, valueDim, candidates, topK, heads, tuckerRank, tuckerCores,
                valueExpand, placement, softmaxWeights, outputProjection, shareQuery, qkNorm,
                tdqkr, mcs, init, memLayers, valueLrMult, valueLrDecayFrac, valueOptimizer,
                tuckerAuxAlpha, tuckerAuxTau, rmsEps, RetrievalRemedies.OFF);
    }

    public UltraMemConfig {
        positive("mem_knum", keyNum);
        positive("mem_kdim", keyDim);
        positive("mem_vdim", valueDim);
        positive("mem_candidates", candidates);
        positive("mem_topk", topK);
        positive("mem_heads", heads);
        positive("tucker_rank", tuckerRank);
        positive("tucker_cores", tuckerCores);
        if (valueExpand != 1 && valueExpand != 4 && valueExpand != 9 && valueExpand != 16) {
            fail("value_expand", valueExpand, "must be a perfect square in {1, 4, 9, 16} so the "
                    + "virtual grid covers all E·N slots (spec §I.3)", "use 1, 4, 9 or 16");
        }
        if (valueDim % tuckerCores != 0) {
            fail("mem_vdim", valueDim, "must be divisible by tucker_cores (" + tuckerCores
                    + "): each core weights one contiguous chunk", "pick D_v a multiple of T");
        }
        long n = (long) keyNum * keyNumExpansion(valueExpand);
        if (candidates > n) {
            fail("mem_candidates", candidates, "must be <= keys per side n = sqrt(E)·K0 = " + n,
                    "lower mem_candidates or raise mem_knum");
        }
        if ((long) topK > (long) candidates * candidates) {
            fail("mem_topk", topK, "must be <= m² = " + (long) candidates * candidates,
                    "lower mem_topk or raise mem_candidates");
        }
        if (n * n > Integer.MAX_VALUE - 16) {
            fail("mem_knum", keyNum, "gives n² = " + n * n + " virtual slots, more than an int "
                    + "index holds", "lower mem_knum or value_expand");
        }
        if ((long) keyNum * keyNum * valueDim > Integer.MAX_VALUE - 16) {
            fail("mem_knum", keyNum, "gives a value table of K0²·D_v = "
                    + (long) keyNum * keyNum * valueDim + " floats, more than one array holds",
                    "lower mem_knum or mem_vdim");
        }
        if (!mcs && tuckerCores != 1) {
            fail("tucker_cores", tuckerCores, "must be 1 when mcs is false", "set mcs true or T = 1");
        }
        if (!tdqkr && (tuckerRank != 1 || tuckerCores != 1)) {
            fail("tdqkr", false, "PKM scoring needs tucker_rank = 1 and tucker_cores = 1 (found "
                    + tuckerRank + ", " + tuckerCores + ")", "set both to 1 or tdqkr true");
        }
        if (softmaxWeights && tuckerCores != 1) {
            fail("softmax_weights", true, "needs tucker_cores = 1 (one weight per slot), found "
                    + tuckerCores, "set tucker_cores 1 or softmax_weights false");
        }
        if (!outputProjection && valueExpand != 1) {
            fail("output_projection", false, "needs value_expand = 1 (the E projectors are the "
                    + "projection), found " + valueExpand, "set value_expand 1");
        }
        if (placement != null && !placement.isEmpty() && !PLACEMENT.matcher(placement).matches()) {
            fail("placement", "\"" + placement + "\"", "must look like \"i:j\" (0-based blocks)",
                    "e.g. \"2:5\"");
        }
        if (placement != null && PLACEMENT.matcher(placement).matches()) {
            String[] ij = placement.split(":");
            if (Integer.parseInt(ij[0]) > Integer.parseInt(ij[1])) {
                fail("placement", "\"" + placement + "\"", "needs source block i <= target j",
                        "swap the two numbers");
            }
        }
        if (!"code".equals(init) && !"paper".equals(init)) {
            fail("init", init, "must be \"code\" or \"paper\"", "use one of the two");
        }
        positive("mem_layers", memLayers);
        if (!(valueLrMult > 0)) {
            fail("value_lr_mult", valueLrMult, "must be > 0", "use 1 for no boost");
        }
        if (!(valueLrDecayFrac > 0)) {
            fail("value_lr_decay_frac", valueLrDecayFrac, "must be > 0", "use 1 for the whole run");
        }
        if (!"dense_adamw".equals(valueOptimizer) && !"lazy_adamw".equals(valueOptimizer)) {
            fail("value_optimizer", valueOptimizer, "must be \"dense_adamw\" or \"lazy_adamw\"",
                    "use one of the two");
        }
        if (!(tuckerAuxAlpha >= 0) || !(tuckerAuxTau >= 0)) {
            fail("tucker_aux_alpha/tucker_aux_tau", tuckerAuxAlpha + "/" + tuckerAuxTau,
                    "must both be >= 0", "alpha 0 turns the aux loss off");
        }
        if (tuckerAuxAlpha > 0 && (tuckerRank < 2 || !tdqkr)) {
            fail("tucker_aux_alpha", tuckerAuxAlpha, "needs tdqkr with tucker_rank >= 2 (it "
                    + "penalizes the 2nd..r-th singular values)", "set tucker_aux_alpha 0");
        }
        if (!(rmsEps > 0)) {
            fail("rms_eps", rmsEps, "must be > 0", "use 1e-5");
        }
        if (remedies == null) {
            remedies = RetrievalRemedies.OFF;
        }
    }

    /** The released V1 defaults (spec §A.1, §D) around the four required sizes. */
    public static UltraMemConfig of(int keyNum, int keyDim, int valueDim, int knn) {
        return new UltraMemConfig(keyNum, keyDim, valueDim, knn, knn, 2, 2, 2, 4, null, false,
                true, true, true, true, true, "code", 1, 4.0, 1.0, "dense_adamw", 0.0, 0.15, 1e-5f);
    }

    /** Key expansion s = sqrt(E). */
    public int keyExpansion() {
        return keyNumExpansion(valueExpand);
    }

    /** Keys per side n = sqrt(E)·K0. */
    public int keysPerSide() {
        return keyNum * keyExpansion();
    }

    /** Physical value rows N = K0². */
    public int valueNum() {
        return keyNum * keyNum;
    }

    /** Query slots: 1 when heads share the query, else one per head (spec §I.13). */
    public int querySlots() {
        return shareQuery ? 1 : heads;
    }

    /** A copy with different heads/rank/cores/expansion (handy for ladders and tests). */
    public UltraMemConfig withShape(int heads, int tuckerRank, int tuckerCores, int valueExpand) {
        return new UltraMemConfig(keyNum, keyDim, valueDim, candidates, topK, heads, tuckerRank,
                tuckerCores, valueExpand, placement, softmaxWeights, outputProjection, shareQuery,
                qkNorm, tdqkr, mcs, init, memLayers, valueLrMult, valueLrDecayFrac, valueOptimizer,
                tuckerAuxAlpha, tuckerAuxTau, rmsEps, remedies);
    }

    /** A copy with other retrieval-collapse remedies. */
    public UltraMemConfig withRemedies(RetrievalRemedies r) {
        return new UltraMemConfig(keyNum, keyDim, valueDim, candidates, topK, heads, tuckerRank,
                tuckerCores, valueExpand, placement, softmaxWeights, outputProjection, shareQuery,
                qkNorm, tdqkr, mcs, init, memLayers, valueLrMult, valueLrDecayFrac, valueOptimizer,
                tuckerAuxAlpha, tuckerAuxTau, rmsEps, r);
    }

    /** Reads a config object; unknown keys are rejected, missing optional keys take V1 defaults. */
    public static UltraMemConfig fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("UltraMem config must be a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!KEYS.contains(key)) {
                List<String> close = KeyReader.closeMatches(key, KEYS);
                throw new IllegalArgumentException("unknown UltraMem config key `" + key + "`"
                        + (close.isEmpty() ? "" : "; did you mean `" + String.join("`, `", close)
                        + "`?") + "; known keys: " + KEYS);
            }
        }
        int knn = node.has("mem_knn") ? requireInt(node, "mem_knn") : -1;
        int m = node.has("mem_candidates") ? requireInt(node, "mem_candidates") : knn;
        int k = node.has("mem_topk") ? requireInt(node, "mem_topk") : knn;
        if (m < 0 || k < 0) {
            throw new IllegalArgumentException("config key `mem_knn` is missing: give mem_knn "
                    + "(m = k) or both mem_candidates and mem_topk");
        }
        UltraMemConfig d = of(1, 2, 2, 1);
        return new UltraMemConfig(requireInt(node, "mem_knum"), requireInt(node, "mem_kdim"),
                requireInt(node, "mem_vdim"), m, k, optInt(node, "mem_heads", d.heads),
                optInt(node, "tucker_rank", d.tuckerRank), optInt(node, "tucker_cores", d.tuckerCores),
                optInt(node, "value_expand", d.valueExpand),
                node.hasNonNull("placement") ? node.get("placement").asText() : null,
                optBool(node, "softmax_weights", d.softmaxWeights),
                optBool(node, "output_projection", d.outputProjection),
                optBool(node, "share_query", d.shareQuery), optBool(node, "qk_norm", d.qkNorm),
                optBool(node, "tdqkr", d.tdqkr), optBool(node, "mcs", d.mcs),
                node.has("init") ? node.get("init").asText() : d.init,
                optInt(node, "mem_layers", d.memLayers),
                optDouble(node, "value_lr_mult", d.valueLrMult),
                optDouble(node, "value_lr_decay_frac", d.valueLrDecayFrac),
                node.has("value_optimizer") ? node.get("value_optimizer").asText() : d.valueOptimizer,
                optDouble(node, "tucker_aux_alpha", d.tuckerAuxAlpha),
                optDouble(node, "tucker_aux_tau", d.tuckerAuxTau),
                (float) optDouble(node, "rms_eps", d.rmsEps),
                RetrievalRemedies.fromJson(node));
    }

    /** Writes every key (so a saved config never depends on defaults). */
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("mem_knum", keyNum).put("mem_kdim", keyDim).put("mem_vdim", valueDim);
        if (candidates == topK) {
            o.put("mem_knn", topK);
        }
        o.put("mem_candidates", candidates).put("mem_topk", topK).put("mem_heads", heads);
        o.put("tucker_rank", tuckerRank).put("tucker_cores", tuckerCores);
        o.put("value_expand", valueExpand);
        if (placement != null) {
            o.put("placement", placement);
        }
        o.put("softmax_weights", softmaxWeights).put("output_projection", outputProjection);
        o.put("share_query", shareQuery).put("qk_norm", qkNorm).put("tdqkr", tdqkr).put("mcs", mcs);
        o.put("init", init).put("mem_layers", memLayers).put("value_lr_mult", valueLrMult);
        o.put("value_lr_decay_frac", valueLrDecayFrac).put("value_optimizer", valueOptimizer);
        o.put("tucker_aux_alpha", tuckerAuxAlpha).put("tucker_aux_tau", tuckerAuxTau);
        o.put("rms_eps", rmsEps);
        remedies.writeJson(o);
        return o;
    }

    private static int keyNumExpansion(int e) {
        return (int) Math.round(Math.sqrt(e));
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            fail(key, value, "must be > 0", "set a positive integer");
        }
    }

    private static void fail(String key, Object value, String rule, String fix) {
        throw new IllegalArgumentException("config key `" + key + "` (" + value + ") " + rule
                + "; " + fix);
    }

    private static int requireInt(JsonNode node, String key) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            throw new IllegalArgumentException("config key `" + key + "` is missing; it is required");
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber()) {
            throw new IllegalArgumentException("config key `" + key + "` (" + v + ") must be an integer");
        }
        return v.intValue();
    }

    static int optInt(JsonNode node, String key, int dflt) {
        return node.hasNonNull(key) ? requireInt(node, key) : dflt;
    }

    static boolean optBool(JsonNode node, String key, boolean dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isBoolean()) {
            throw new IllegalArgumentException("config key `" + key + "` (" + v + ") must be true or false");
        }
        return v.booleanValue();
    }

    static double optDouble(JsonNode node, String key, double dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber()) {
            throw new IllegalArgumentException("config key `" + key + "` (" + v + ") must be a number");
        }
        return v.doubleValue();
    }

    static String optText(JsonNode node, String key, String dflt) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isTextual()) {
            throw new IllegalArgumentException("config key `" + key + "` (" + v
                    + ") must be a string");
        }
        return v.textValue();
    }
}
