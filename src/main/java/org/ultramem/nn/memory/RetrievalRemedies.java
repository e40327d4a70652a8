package org.ultramem.nn.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;

/**
 * The retrieval-collapse remedies of one UltraMem layer (issue 12; background and sources in
 * {@code shared/docs/retrieval-collapse.md}). Each is one JSON key of the layer's
 * {@code memory_layers} entry and each is off by default: {@link #OFF} is the released code's
 * behaviour, bit for bit.
 *
 * <table>
 *   <caption>JSON keys</caption>
 *   <tr><th>key</th><th>default</th><th>what it does</th></tr>
 *   <tr><td>{@code query_batchnorm}</td><td>false</td><td>BatchNorm over the batch (every token a
 *       sample, per channel) on the query projection output, before the query RMSNorm; running
 *       statistics for evaluation and decoding (PKM §4.5, XLM
 *       {@code mem_query_batchnorm})</td></tr>
 *   <tr><td>{@code key_balance_coef}</td><td>0</td><td>β of the UltraMemV2 row/column key-balance
 *       loss (v2 spec §4), added to the training loss</td></tr>
 *   <tr><td>{@code retrieval_lr_mult}</td><td>1</td><td>learning-rate multiplier of the retrieval
 *       parameters (query projection, query BatchNorm affine, q/k norm weights, keys,
 *       cores)</td></tr>
 *   <tr><td>{@code retrieval_warmup_steps}</td><td>0</td><td>their own linear warmup: their rate is
 *       at most mult·lr·(t+1)/W (no effect when W ≤ training.warmup_steps)</td></tr>
 *   <tr><td>{@code value_grad_clip}</td><td>0 (off)</td><td>the value table's gradient is clipped
 *       to this L2 norm on its own and left out of training.grad_clip's norm</td></tr>
 *   <tr><td>{@code value_weight_decay}</td><td>true</td><td>false exempts the value table from
 *       weight decay (true keeps today's rule: decayed like any other weight)</td></tr>
 *   <tr><td>{@code dead_key_restart_steps}</td><td>0 (off)</td><td>every W steps, sub-keys in no
 *       top-m candidate set of the window's training forwards restart from current
 *       queries</td></tr>
 *   <tr><td>{@code output_gate}</td><td>"none"</td><td>"scale": y = γ ⊙ o, γ ∈ R^D; "silu"
 *       (Memory+): y = o ⊙ SiLU(W_g x), W_g [D, D]</td></tr>
 *   <tr><td>{@code output_gate_init}</td><td>0.1</td><td>initial γ of "scale" (only with
 *       it)</td></tr>
 * </table>
 *
 * @param queryBatchNorm       BatchNorm on the query projection output
 * @param keyBalanceCoef       β ≥ 0 of the key-balance loss (0 = off)
 * @param retrievalLrMult      learning-rate multiplier of the retrieval parameters (> 0)
 * @param retrievalWarmupSteps their own linear warmup in optimizer steps (0 = the base schedule)
 * @param valueGradClip        own global-norm clip of the value table (0 = off)
 * @param valueWeightDecay     whether the value table is weight-decayed
 * @param deadKeyRestartSteps  restart window in optimizer steps (0 = off)
 * @param outputGate           "none", "scale" or "silu"
 * @param outputGateInit       initial per-channel scale of the "scale" gate
 */
public record RetrievalRemedies(boolean queryBatchNorm, double keyBalanceCoef,
                                double retrievalLrMult, int retrievalWarmupSteps,
                                double valueGradClip, boolean valueWeightDecay,
                                int deadKeyRestartSteps, String outputGate,
                                double outputGateInit) {

    public static final String QUERY_BATCHNORM = "query_batchnorm";
    public static final String KEY_BALANCE_COEF = "key_balance_coef";
    public static final String RETRIEVAL_LR_MULT = "retrieval_lr_mult";
    public static final String RETRIEVAL_WARMUP_STEPS = "retrieval_warmup_steps";
    public static final String VALUE_GRAD_CLIP = "value_grad_clip";
    public static final String VALUE_WEIGHT_DECAY = "value_weight_decay";
    public static final String DEAD_KEY_RESTART_STEPS = "dead_key_restart_steps";
    public static final String OUTPUT_GATE = "output_gate";
    public static final String OUTPUT_GATE_INIT = "output_gate_init";

    /** Every key, in the order {@link #writeJson} writes them. */
    public static final List<String> KEYS = List.of(QUERY_BATCHNORM, KEY_BALANCE_COEF,
            RETRIEVAL_LR_MULT, RETRIEVAL_WARMUP_STEPS, VALUE_GRAD_CLIP, VALUE_WEIGHT_DECAY,
            DEAD_KEY_RESTART_STEPS, OUTPUT_GATE, OUTPUT_GATE_INIT);

    public static final String GATE_NONE = "none";
    public static final String GATE_SCALE = "scale";
    public static final String GATE_SILU = "silu";
    private static final Set<String> GATES = Set.of(GATE_NONE, GATE_SCALE, GATE_SILU);

    /** Every remedy off: the released code's layer. */
    public static final RetrievalRemedies OFF = new RetrievalRemedies(false, 0, 1, 0, 0, true, 0,
            GATE_NONE, 0.1);

    public RetrievalRemedies {
        if (!(keyBalanceCoef >= 0) || Double.isInfinite(keyBalanceCoef)) {
            fail(KEY_BALANCE_COEF, keyBalanceCoef, "must be a finite number >= 0",
                    "0 turns the loss off; UltraMemV2 used 1e-3");
        }
        if (!(retrievalLrMult > 0) || Double.isInfinite(retrievalLrMult)) {
            fail(RETRIEVAL_LR_MULT, retrievalLrMult, "must be a finite number > 0",
                    "use 1 for the base learning rate");
        }
        if (retrievalWarmupSteps < 0) {
            fail(RETRIEVAL_WARMUP_STEPS, retrievalWarmupSteps, "must be >= 0",
                    "0 follows the base schedule");
        }
        if (!(valueGradClip >= 0) || Double.isInfinite(valueGradClip)) {
            fail(VALUE_GRAD_CLIP, valueGradClip, "must be a finite number >= 0",
                    "0 keeps the value table under training.grad_clip");
        }
        if (deadKeyRestartSteps < 0) {
            fail(DEAD_KEY_RESTART_STEPS, deadKeyRestartSteps, "must be >= 0", "0 turns it off");
        }
        if (outputGate == null || !GATES.contains(outputGate)) {
            fail(OUTPUT_GATE, outputGate == null ? null : "\"" + outputGate + "\"",
                    "must be \"none\", \"scale\" or \"silu\"", "use one of the three");
        }
        if (!Double.isFinite(outputGateInit)) {
            fail(OUTPUT_GATE_INIT, outputGateInit, "must be finite", "use e.g. 0.1");
        }
    }

    /** True when the retrieval parameters get their own learning rate. */
    public boolean ownRetrievalLr() {
        return retrievalLrMult != 1 || retrievalWarmupSteps > 0;
    }

    /**
     * Reads the remedy keys of a layer object (other keys are ignored here; the layer config
     * rejects unknown ones). {@code output_gate_init} is only accepted with the "scale" gate.
     */
    static RetrievalRemedies fromJson(JsonNode node) {
        RetrievalRemedies d = OFF;
        String gate = UltraMemConfig.optText(node, OUTPUT_GATE, d.outputGate);
        if (node.hasNonNull(OUTPUT_GATE_INIT) && !GATE_SCALE.equals(gate)) {
            fail(OUTPUT_GATE_INIT, node.get(OUTPUT_GATE_INIT), "is only used by output_gate "
                    + "\"scale\" (output_gate is \"" + gate + "\")",
                    "set output_gate \"scale\" or remove output_gate_init");
        }
        return new RetrievalRemedies(
                UltraMemConfig.optBool(node, QUERY_BATCHNORM, d.queryBatchNorm),
                UltraMemConfig.optDouble(node, KEY_BALANCE_COEF, d.keyBalanceCoef),
                UltraMemConfig.optDouble(node, RETRIEVAL_LR_MULT, d.retrievalLrMult),
                UltraMemConfig.optInt(node, RETRIEVAL_WARMUP_STEPS, d.retrievalWarmupSteps),
                UltraMemConfig.optDouble(node, VALUE_GRAD_CLIP, d.valueGradClip),
                UltraMemConfig.optBool(node, VALUE_WEIGHT_DECAY, d.valueWeightDecay),
                UltraMemConfig.optInt(node, DEAD_KEY_RESTART_STEPS, d.deadKeyRestartSteps),
                gate,
                UltraMemConfig.optDouble(node, OUTPUT_GATE_INIT, d.outputGateInit));
    }

    /**
     * Writes the keys that differ from {@link #OFF} (and {@code output_gate_init} with the
     * "scale" gate). Off remedies are left out on purpose: a config without them is the released
     * code's layer, and existing config.json files, resolved suite configs and their hashes stay
     * byte-identical.
     */
    void writeJson(ObjectNode o) {
        RetrievalRemedies d = OFF;
        if (queryBatchNorm != d.queryBatchNorm) {
            o.put(QUERY_BATCHNORM, queryBatchNorm);
        }
        if (keyBalanceCoef != d.keyBalanceCoef) {
            o.put(KEY_BALANCE_COEF, keyBalanceCoef);
        }
        if (retrievalLrMult != d.retrievalLrMult) {
            o.put(RETRIEVAL_LR_MULT, retrievalLrMult);
        }
        if (retrievalWarmupSteps != d.retrievalWarmupSteps) {
            o.put(RETRIEVAL_WARMUP_STEPS, retrievalWarmupSteps);
        }
        if (valueGradClip != d.valueGradClip) {
            o.put(VALUE_GRAD_CLIP, valueGradClip);
        }
        if (valueWeightDecay != d.valueWeightDecay) {
            o.put(VALUE_WEIGHT_DECAY, valueWeightDecay);
        }
        if (deadKeyRestartSteps != d.deadKeyRestartSteps) {
            o.put(DEAD_KEY_RESTART_STEPS, deadKeyRestartSteps);
        }
        if (!outputGate.equals(d.outputGate)) {
            o.put(OUTPUT_GATE, outputGate);
        }
        if (GATE_SCALE.equals(outputGate)) {
            o.put(OUTPUT_GATE_INIT, outputGateInit);
        }
    }

    private static void fail(String key, Object value, String rule, String fix) {
        throw new IllegalArgumentException("config key `" + key + "` (" + value + ") " + rule
                + "; " + fix);
    }
}
