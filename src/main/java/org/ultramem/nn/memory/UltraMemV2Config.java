package org.ultramem.nn.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.KeyReader;

/**
 * Configuration of the UltraMemV2 retrieval layers of a model ({@code mem_type: "ultramem_v2"};
 * {@code ultramem-v2-spec.md} §1-§2): every V2 layer of a model shares it and one value table
 * ({@link UltraMemV2Values}). The hidden size and the number of V2 layers L come from the model
 * ({@link #geometry(int)}).
 *
 * <p>JSON keys (the official {@code olmo/config.py} names, mapped only in {@link #fromJson} and
 * {@link #toJson}; unknown keys are rejected with close matches):
 * <table>
 *   <caption>UltraMemV2 keys</caption>
 *   <tr><th>key</th><th>symbol</th><th>default</th><th>rule</th></tr>
 *   <tr><td>{@code mem_knum}</td><td>K0</td><td>required</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code mem_kdim}</td><td>D_k</td><td>required</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code mem_vdim}</td><td>D_v</td><td>required</td><td>multiple of T</td></tr>
 *   <tr><td>{@code mem_pre_vdim}</td><td>D_p</td><td>512</td><td>≥ 0 (0: no pre-values)</td></tr>
 *   <tr><td>{@code mem_knn}</td><td>m = k</td><td>required</td><td>≤ keys per side n</td></tr>
 *   <tr><td>{@code mem_head}</td><td>H</td><td>1</td><td>1..4 (two heads per query slot)</td></tr>
 *   <tr><td>{@code tucker_rank}</td><td>r</td><td>2</td><td>must be 2</td></tr>
 *   <tr><td>{@code tucker_multihead}</td><td>T</td><td>2</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code mem_key_expand_time}</td><td>κ_e</td><td>1</td><td>&gt; 0; E' = κ_e²</td></tr>
 *   <tr><td>{@code mem_value_expand_time}</td><td>E</td><td>1</td><td>1 or κ_e²</td></tr>
 *   <tr><td>{@code mem_share_ratio}</td><td>ρ</td><td>1.0</td><td>0 &lt; ρ ≤ 1</td></tr>
 *   <tr><td>{@code mem_key_balance_reg_coef}</td><td>β</td><td>0</td><td>≥ 0 (0: off)</td></tr>
 *   <tr><td>{@code mem_use_glu_act}</td><td>glu</td><td>false</td><td>GELU on pre-score</td></tr>
 *   <tr><td>{@code mem_q_for_each_tucker_rank}</td><td></td><td>true</td><td>must be true</td></tr>
 *   <tr><td>{@code mem_output_dropout_rate}</td><td></td><td>0</td><td>must be 0</td></tr>
 *   <tr><td>{@code mem_insert_way}</td><td></td><td>"full"</td><td>"full" or "i:j/..."</td></tr>
 *   <tr><td>{@code mem_value_lr_times}</td><td>M</td><td>4.0</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code mem_value_lr_max_steps_rate}</td><td>ρ_lr</td><td>1.0</td><td>&gt; 0</td></tr>
 *   <tr><td>{@code rms_eps}</td><td>ε</td><td>1e-5</td><td>&gt; 0</td></tr>
 * </table>
 * {@code mem_type} must be "ultramem_v2" when present; {@code hidden_size} is ignored (the model
 * owns it). The released code cannot run r ≠ 2, {@code mem_q_for_each_tucker_rank = false}
 * (its default, a shape error) or H ≥ 5 (spec §2.3), so they are rejected rather than given a
 * meaning the reference does not have. κ_e ≥ 3 and (D_v/T) % 8 ≠ 0 run here but not on the
 * reference's CUDA lookup (spec §11.10).
 *
 * @param keyNum K0, configured keys per side per layer (sizes the shared table K0²·L)
 * @param keyDim D_k, query/key width per side and rank
 * @param valueDim D_v, value width
 * @param preValueDim D_p, pre-value width (0: no pre-values, gate 1)
 * @param knn m = k, candidates per side and final slots per head
 * @param heads H
 * @param tuckerRank r (2)
 * @param tuckerCores T, Tucker cores; core t weights the value chunk t of width D_v/T
 * @param keyExpand κ_e, key expansion; E' = κ_e² virtual blocks
 * @param valueExpand E ∈ {1, κ_e²}: 1 sums the blocks into one projector input
 * @param shareRatio ρ, the fraction of the shared table one layer addresses
 * @param balanceCoef β, key-balance loss weight (0: off)
 * @param gluAct GELU (exact erf) on the pre-value score
 * @param queryPerRank {@code mem_q_for_each_tucker_rank} (true; kept so official configs load)
 * @param outputDropout {@code mem_output_dropout_rate} (0)
 * @param insertWay {@code mem_insert_way}: "full" (every block) or "i:j/..." (model placement)
 * @param valueLrTimes M, value-table learning-rate multiplier at the start
 * @param valueLrMaxStepsRate ρ_lr, fraction of the run over which M decays to 1
 * @param rmsEps ε of the query/key RMSNorm
 */
public record UltraMemV2Config(int keyNum, int keyDim, int valueDim, int preValueDim, int knn,
                               int heads, int tuckerRank, int tuckerCores, int keyExpand,
                               int valueExpand, double shareRatio, double balanceCoef,
                               boolean gluAct, boolean queryPerRank, double outputDropout,
                               String insertWay, double valueLrTimes,
                               double valueLrMaxStepsRate, float rmsEps) {

    public static final String MEM_TYPE = "mem_type";
    public static final String MEM_TYPE_V2 = "ultramem_v2";
    public static final String KNUM = "mem_knum";
    public static final String KDIM = "mem_kdim";
    public static final String VDIM = "mem_vdim";
    public static final String PRE_VDIM = "mem_pre_vdim";
    public static final String KNN = "mem_knn";
    public static final String HEAD = "mem_head";
    public static final String TUCKER_RANK = "tucker_rank";
    public static final String TUCKER_MULTIHEAD = "tucker_multihead";
    public static final String KEY_EXPAND = "mem_key_expand_time";
    public static final String VALUE_EXPAND = "mem_value_expand_time";
    public static final String SHARE_RATIO = "mem_share_ratio";
    public static final String BALANCE_COEF = "mem_key_balance_reg_coef";
    public static final String GLU = "mem_use_glu_act";
    public static final String Q_PER_RANK = "mem_q_for_each_tucker_rank";
    public static final String DROPOUT = "mem_output_dropout_rate";
    public static final String INSERT_WAY = "mem_insert_way";
    public static final String VALUE_LR_TIMES = "mem_value_lr_times";
    public static final String VALUE_LR_RATE = "mem_value_lr_max_steps_rate";
    public static final String RMS_EPS = "rms_eps";

    /** Every key of a V2 config object. */
    public static final Set<String> KEYS = Set.of(MEM_TYPE, "hidden_size", KNUM, KDIM, VDIM,
            PRE_VDIM, KNN, HEAD, TUCKER_RANK, TUCKER_MULTIHEAD, KEY_EXPAND, VALUE_EXPAND,
            SHARE_RATIO, BALANCE_COEF, GLU, Q_PER_RANK, DROPOUT, INSERT_WAY, VALUE_LR_TIMES,
            VALUE_LR_RATE, RMS_EPS);

    /** Official keys the released layer stores but never reads (spec §1, §11.9). */
    private static final Map<String, String> UNUSED_IN_REFERENCE = Map.of(
            "mem_final_top_expand_time",
            "is stored but never read by the released UltraMemV2 layer",
            "mem_tucker_rank_penalty", "is unused: the released layer's Tucker aux loss is "
                    + "commented out");

    private static final Pattern INSERT_WAY_RANGES = Pattern.compile("\\d+:\\d+(/\\d+:\\d+)*");

    /** Validates every field; messages name the JSON key, the value, the rule and the fix. */
    public UltraMemV2Config {
        positive(KNUM, keyNum);
        positive(KDIM, keyDim);
        positive(VDIM, valueDim);
        if (preValueDim < 0) {
            throw bad(PRE_VDIM, preValueDim, "must be >= 0", "use 0 for no pre-values");
        }
        positive(KNN, knn);
        if (heads < 1 || heads > 4) {
            throw bad(HEAD, heads, "must be in 1..4: the released layer shares each of its two "
                    + "query slots between two heads and fails for H >= 5 (spec §2.3)",
                    "use 1 to 4 heads");
        }
        if (tuckerRank != 2) {
            throw bad(TUCKER_RANK, tuckerRank, "must be 2: the released layer raises a shape "
                    + "error for any other rank (spec §2.3, §11.5)", "use 2");
        }
        positive(TUCKER_MULTIHEAD, tuckerCores);
        if (valueDim % tuckerCores != 0) {
            throw bad(VDIM, valueDim, "must be a multiple of " + TUCKER_MULTIHEAD + " ("
                    + tuckerCores + "): core t weights the contiguous value chunk t",
                    "pick D_v a multiple of T");
        }
        positive(KEY_EXPAND, keyExpand);
        if (valueExpand != 1 && valueExpand != keyExpand * keyExpand) {
            throw bad(VALUE_EXPAND, valueExpand, "must be 1 (blocks summed, one projector) or "
                    + KEY_EXPAND + "² = " + keyExpand * keyExpand, "use one of the two");
        }
        if (!(shareRatio > 0 && shareRatio <= 1)) {
            throw bad(SHARE_RATIO, shareRatio, "must be in (0, 1]", "use 1 to let every layer "
                    + "address the whole shared table");
        }
        if (!(balanceCoef >= 0) || Double.isInfinite(balanceCoef)) {
            throw bad(BALANCE_COEF, balanceCoef, "must be a finite number >= 0", "use 0 (off)");
        }
        if (!queryPerRank) {
            throw bad(Q_PER_RANK, false, "is not runnable: the released layer raises a shape "
                    + "error without a query per Tucker rank (spec §2.3)",
                    "set it true or drop it");
        }
        if (outputDropout != 0) {
            throw bad(DROPOUT, outputDropout, "must be 0: every released config uses 0 and "
                    + "dropout is not modelled", "remove the key");
        }
        if (insertWay == null || !(insertWay.equals("full")
                || INSERT_WAY_RANGES.matcher(insertWay).matches())) {
            throw bad(INSERT_WAY, insertWay == null ? null : "\"" + insertWay + "\"",
                    "must be \"full\" (one memory per block) or \"i:j/i2:j2/...\" (0-based blocks)",
                    "e.g. \"full\" or \"0:0/2:3\"");
        }
        if (!(valueLrTimes > 0) || Double.isInfinite(valueLrTimes)) {
            throw bad(VALUE_LR_TIMES, valueLrTimes, "must be a finite number > 0",
                    "use 1 for no boost");
        }
        if (!(valueLrMaxStepsRate > 0) || Double.isInfinite(valueLrMaxStepsRate)) {
            throw bad(VALUE_LR_RATE, valueLrMaxStepsRate, "must be a finite number > 0",
                    "use 1 for the whole run");
        }
        if (!(rmsEps > 0)) {
            throw bad(RMS_EPS, rmsEps, "must be > 0", "use 1e-5");
        }
    }

    /** The released defaults around the five required sizes (pre_vdim explicit here). */
    public static UltraMemV2Config of(int keyNum, int keyDim, int valueDim, int preValueDim,
                                      int knn) {
        return new UltraMemV2Config(keyNum, keyDim, valueDim, preValueDim, knn, 1, 2, 2, 1, 1,
                1.0, 0.0, false, true, 0.0, "full", 4.0, 1.0, 1e-5f);
    }

    /** A copy with other heads, Tucker cores, key expansion and value expansion. */
    public UltraMemV2Config withShape(int heads, int tuckerCores, int keyExpand, int valueExpand) {
        return new UltraMemV2Config(keyNum, keyDim, valueDim, preValueDim, knn, heads, tuckerRank,
                tuckerCores, keyExpand, valueExpand, shareRatio, balanceCoef, gluAct, queryPerRank,
                outputDropout, insertWay, valueLrTimes, valueLrMaxStepsRate, rmsEps);
    }

    /** A copy with another share ratio, balance coefficient and GELU switch. */
    public UltraMemV2Config withRetrieval(double shareRatio, double balanceCoef, boolean gluAct) {
        return new UltraMemV2Config(keyNum, keyDim, valueDim, preValueDim, knn, heads, tuckerRank,
                tuckerCores, keyExpand, valueExpand, shareRatio, balanceCoef, gluAct, queryPerRank,
                outputDropout, insertWay, valueLrTimes, valueLrMaxStepsRate, rmsEps);
    }

    /** E' = κ_e², the virtual blocks of implicit value expansion. */
    public int virtualBlocks() {
        return keyExpand * keyExpand;
    }

    /** Slots per token, H·k. */
    public int slots() {
        return heads * knn;
    }

    /** Width of the projector input, E·D_v. */
    public int poolWidth() {
        return valueExpand * valueDim;
    }

    /** The table and key sizes for a model with {@code layers} V2 layers (spec §2.1). */
    public UltraMemV2Geometry geometry(int layers) {
        return new UltraMemV2Geometry(this, layers);
    }

    /**
     * Reads a V2 config object. Keys outside {@link #KEYS} are rejected with close matches; the
     * two official keys the released layer ignores are rejected saying so.
     */
    public static UltraMemV2Config fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new ConfigException("UltraMemV2 config must be a JSON object, found "
                    + (node == null ? "nothing" : node.getNodeType()));
        }
        for (var it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (UNUSED_IN_REFERENCE.containsKey(key)) {
                throw new ConfigException("config key `" + key + "` " + UNUSED_IN_REFERENCE.get(key)
                        + " (spec §1); remove it");
            }
        }
        KeyReader.rejectUnknown(node, KEYS, "an UltraMemV2 config");
        String type = KeyReader.optString(node, MEM_TYPE, MEM_TYPE_V2);
        if (!MEM_TYPE_V2.equals(type)) {
            throw bad(MEM_TYPE, "\"" + type + "\"", "must be \"" + MEM_TYPE_V2 + "\" here",
                    "build the layer that matches mem_type");
        }
        UltraMemV2Config d = of(1, 1, 2, 512, 1);
        return new UltraMemV2Config(KeyReader.requireInt(node, KNUM),
                KeyReader.requireInt(node, KDIM), KeyReader.requireInt(node, VDIM),
                KeyReader.optInt(node, PRE_VDIM, d.preValueDim), KeyReader.requireInt(node, KNN),
                KeyReader.optInt(node, HEAD, d.heads),
                KeyReader.optInt(node, TUCKER_RANK, d.tuckerRank),
                KeyReader.optInt(node, TUCKER_MULTIHEAD, d.tuckerCores),
                KeyReader.optInt(node, KEY_EXPAND, d.keyExpand),
                KeyReader.optInt(node, VALUE_EXPAND, d.valueExpand),
                KeyReader.optDouble(node, SHARE_RATIO, d.shareRatio),
                KeyReader.optDouble(node, BALANCE_COEF, d.balanceCoef),
                KeyReader.optBool(node, GLU, d.gluAct),
                KeyReader.optBool(node, Q_PER_RANK, d.queryPerRank),
                KeyReader.optDouble(node, DROPOUT, d.outputDropout),
                KeyReader.optString(node, INSERT_WAY, d.insertWay),
                KeyReader.optDouble(node, VALUE_LR_TIMES, d.valueLrTimes),
                KeyReader.optDouble(node, VALUE_LR_RATE, d.valueLrMaxStepsRate),
                (float) KeyReader.optDouble(node, RMS_EPS, d.rmsEps));
    }

    /** Writes every key, {@code mem_type} first, so a saved config never depends on defaults. */
    public ObjectNode toJson() {
        ObjectNode o = ConfigJson.newObject();
        o.put(MEM_TYPE, MEM_TYPE_V2);
        o.put(KNUM, keyNum).put(KDIM, keyDim).put(VDIM, valueDim).put(PRE_VDIM, preValueDim);
        o.put(KNN, knn).put(HEAD, heads).put(TUCKER_RANK, tuckerRank);
        o.put(TUCKER_MULTIHEAD, tuckerCores).put(KEY_EXPAND, keyExpand);
        o.put(VALUE_EXPAND, valueExpand).put(SHARE_RATIO, shareRatio);
        o.put(BALANCE_COEF, balanceCoef).put(GLU, gluAct).put(Q_PER_RANK, queryPerRank);
        o.put(DROPOUT, outputDropout).put(INSERT_WAY, insertWay);
        o.put(VALUE_LR_TIMES, valueLrTimes).put(VALUE_LR_RATE, valueLrMaxStepsRate);
        o.put(RMS_EPS, rmsEps);
        return o;
    }

    private static void positive(String key, int value) {
        if (value <= 0) {
            throw bad(key, value, "must be > 0", "set a positive integer");
        }
    }

    static ConfigException bad(String key, Object value, String rule, String fix) {
        return new ConfigException("config key `" + key + "` (" + value + ") " + rule + "; " + fix);
    }
}
