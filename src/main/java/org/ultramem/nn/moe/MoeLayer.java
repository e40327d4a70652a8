package org.ultramem.nn.moe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Dropless top-k mixture of SwiGLU experts (OLMoE style; spec §E.3, §F.4), a drop-in for a
 * block's FFN. Shapes (B tokens, D hidden, N experts, k per token, d_e expert width):
 * <pre>
 *   router: experts [B, k], combine [B, k] ({@link TopKRouter})
 *   group the B·k token-slots by expert (token order inside an expert) → X_g [B·k, D]
 *   per expert e over its c_e rows: G = X_g·W_gateᵀ, U = X_g·W_upᵀ [c_e, d_e];
 *                                   H = silu(G)⊙U; O = H·W_downᵀ [c_e, D]   (GEMMs)
 *   y[t] = Σ_j combine[t,j] · O[row of (t, j)]
 * </pre>
 * No token is dropped: every token is processed by exactly k distinct experts, whatever the load.
 *
 * <p>Auxiliary losses. Each forward computes the load-balancing loss L_lb ({@link LoadBalanceLoss})
 * and the z-loss over its own tokens. {@link #backward} adds the gradient of
 * {@code auxGradScale · (moe_aux_loss_coef·L_lb + moe_z_loss_coef·z)} on top of the gradient
 * flowing from dy. The model's objective per micro-batch is {@code lossScale × mean token NLL}
 * ({@code LanguageModel.forwardBackward}); calling {@link #setAuxGradScale}{@code (lossScale)}
 * makes the objective {@code lossScale × (mean NLL + Σ_layers coef × aux)}, i.e. coef × aux added
 * to the mean LM loss. Default scale 1.
 *
 * <p>Parameters: {@code router.weight} [N, D]; {@code experts.{e}.gate_proj.weight} [d_e, D],
 * {@code experts.{e}.up_proj.weight} [d_e, D], {@code experts.{e}.down_proj.weight} [D, d_e].
 * Init: normal, std 1/√(2.5·D), truncated at ±3σ (the backbone's OLMo init, spec §D.1).
 *
 * <p>{@link #forward}/{@link #backward} use activations allocated once for {@code maxTokens}
 * tokens and record {@link #diagnostics()}; one call at a time. Decoding is the inference
 * engine's ({@code infer.MoeDecoder}, sharing {@link ExpertGrouping} and {@link TopKSoftmax}).
 */
public final class MoeLayer {

    private final MoeConfig cfg;
    private final int dModel;
    private final int numExperts;
    private final int topK;
    private final int de;
    private final int maxTokens;
    private final Kernels kern = KernelProvider.get();

    private final Parameter routerWeight;
    private final Parameter[] gate;
    private final Parameter[] up;
    private final Parameter[] down;
    private final TopKRouter router;
    private final LoadBalanceLoss balance;
    private double auxGradScale = 1.0;

    // Saved by forward: the training activations, and aliases of their arrays.
    private final Activations own;
    private int savedTokens = -1;
    private final float[] xSaved;
    private final int[] expertStart;
    private final int[] rowOf;
    private final float[] xGrouped;
    private final float[] gateOut;
    private final float[] upOut;
    private final float[] hidden;
    private final float[] expertOut;
    // Backward scratch.
    private final float[] dRows;
    private final float[] dHidden;
    private final float[] dGate;
    private final float[] dUp;
    private final float[] dCombine;

    private final MoeDiagnostics diag;

    /**
     * Builds the layer with freshly initialized weights.
     *
     * @param cfg        MoE configuration
     * @param hiddenSize D
     * @param maxTokens  the largest {@code tokens} any forward will be called with
     * @param seed       seeds all initializers
     */
    public MoeLayer(MoeConfig cfg, int hiddenSize, int maxTokens, long seed) {
        if (hiddenSize <= 0 || maxTokens <= 0) {
            throw new IllegalArgumentException("MoE hiddenSize (" + hiddenSize + ") and maxTokens ("
                    + maxTokens + ") must be > 0");
        }
        long slotRows = (long) maxTokens * cfg.topK() * Math.max(hiddenSize, cfg.intermediateSize());
        if (slotRows > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("MoE activations for maxTokens (" + maxTokens + ") x "
                    + MoeConfig.TOP_K + " (" + cfg.topK() + ") x width exceed one array; lower maxTokens");
        }
        this.cfg = cfg;
        this.dModel = hiddenSize;
        this.numExperts = cfg.numExperts();
        this.topK = cfg.topK();
        this.de = cfg.intermediateSize();
        this.maxTokens = maxTokens;

        SplittableRandom rnd = new SplittableRandom(seed);
        double std = 1 / Math.sqrt(2.5 * dModel);
        routerWeight = newWeight("router.weight", numExperts, dModel, std, rnd);
        gate = new Parameter[numExperts];
        up = new Parameter[numExperts];
        down = new Parameter[numExperts];
        for (int e = 0; e < numExperts; e++) {
            gate[e] = newWeight("experts." + e + ".gate_proj.weight", de, dModel, std, rnd);
            up[e] = newWeight("experts." + e + ".up_proj.weight", de, dModel, std, rnd);
            down[e] = newWeight("experts." + e + ".down_proj.weight", dModel, de, std, rnd);
        }
        router = new TopKRouter(routerWeight, numExperts, topK, cfg.normalizeTopK(), maxTokens, kern);
        balance = new LoadBalanceLoss(numExperts);

        int slots = maxTokens * topK;
        xSaved = new float[maxTokens * dModel];
        own = new Activations(this, maxTokens);
        expertStart = own.expertStart;
        rowOf = own.rowOf;
        xGrouped = own.xGrouped;
        gateOut = own.gateOut;
        upOut = own.upOut;
        hidden = own.hidden;
        expertOut = own.expertOut;
        dRows = new float[slots * dModel];
        dHidden = new float[slots * de];
        dGate = new float[slots * de];
        dUp = new float[slots * de];
        dCombine = new float[slots];
        diag = new MoeDiagnostics(numExperts);
    }

    private static Parameter newWeight(String name, int rows, int cols, double std, SplittableRandom rnd) {
        Parameter p = new Parameter(name, new int[] {rows, cols}, Parameter.Group.DECAY);
        for (int i = 0; i < p.data.length; i++) {
            double g;
            do {
                g = rnd.nextGaussian();
            } while (Math.abs(g) > 3);
            p.data[i] = (float) (std * g);
        }
        return p;
    }

    /** Trainable parameters: the router, then each expert's gate, up and down projections. */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(routerWeight);
        for (int e = 0; e < numExperts; e++) {
            ps.add(gate[e]);
            ps.add(up[e]);
            ps.add(down[e]);
        }
        return ps;
    }

    /** The parameter with this name, e.g. {@code "experts.0.up_proj.weight"}. */
    public Parameter parameter(String name) {
        for (Parameter p : parameters()) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("MoE layer has no parameter `" + name + "`; it has " + parameters());
    }

    public MoeConfig config() {
        return cfg;
    }

    /** Scale of the auxiliary-loss gradients added by {@link #backward} (see class doc). */
    public void setAuxGradScale(double scale) {
        this.auxGradScale = scale;
    }

    /** Forward. y: [tokens, D] (written, =); x: [tokens, D] (copied; may change afterwards). */
    public void forward(float[] y, float[] x, int tokens) {
        if (tokens < 1 || tokens > maxTokens) {
            throw new IllegalArgumentException("MoE forward: tokens (" + tokens + ") must be in [1, "
                    + maxTokens + "] (maxTokens given to the constructor)");
        }
        savedTokens = -1;   // a forward that fails half-way leaves nothing for backward
        System.arraycopy(x, 0, xSaved, 0, tokens * dModel);
        run(y, x, tokens, own);
        balance.forward(own.routing.probs, own.routing.experts, tokens, topK);
        savedTokens = tokens;
        diag.record(expertStart, tokens * topK, balance.value(), own.routing.zLoss);
    }

    /** Route, group by expert, run each expert's GEMMs, combine; writes only into {@code a} and y. */
    private void run(float[] y, float[] x, int tokens, Activations a) {
        router.forward(a.routing, x, tokens);
        ExpertGrouping.group(a.routing.experts, tokens * topK, numExperts, a.expertStart, a.rowOf,
                a.slotOf, null);
        ExpertGrouping.gather(a.xGrouped, x, a.slotOf, tokens * topK, topK, dModel);
        for (int e = 0; e < numExperts; e++) {
            int r0 = a.expertStart[e];
            int c = a.expertStart[e + 1] - r0;
            if (c > 0) {
                kern.matmul(false, true, c, de, dModel, a.xGrouped, r0 * dModel, dModel, gate[e].data, 0,
                        dModel, a.gateOut, r0 * de, de, false);
                kern.matmul(false, true, c, de, dModel, a.xGrouped, r0 * dModel, dModel, up[e].data, 0,
                        dModel, a.upOut, r0 * de, de, false);
            }
        }
        kern.swigluForward(a.hidden, a.gateOut, a.upOut, tokens * topK * de);
        for (int e = 0; e < numExperts; e++) {
            int r0 = a.expertStart[e];
            int c = a.expertStart[e + 1] - r0;
            if (c > 0) {
                kern.matmul(false, true, c, dModel, de, a.hidden, r0 * de, de, down[e].data, 0, de,
                        a.expertOut, r0 * dModel, dModel, false);
            }
        }
        ExpertGrouping.combine(kern, y, a.routing.combine, a.expertOut, a.rowOf, tokens * topK,
                topK, dModel);
    }

    /**
     * Backward of the last forward. dx: [tokens, D] (+=); dy: [tokens, D]; parameter grads +=.
     * Per slot: dO = combine·dy, dCombine = dy·O; per expert: dW_down += dOᵀ·H, dH = dO·W_down,
     * (dG, dU) = SwiGLU backward, dW_gate += dGᵀ·X_g, dW_up += dUᵀ·X_g, dX_g = dG·W_gate + dU·W_up
     * scattered back to tokens; then the router ({@link TopKRouter#backward}) with the auxiliary
     * gradients scaled as the class doc says.
     */
    public void backward(float[] dx, float[] dy, int tokens) {
        if (tokens != savedTokens) {
            throw new IllegalStateException("MoE backward: tokens (" + tokens
                    + ") differs from the last forward (" + savedTokens + "); call forward first");
        }
        int slots = tokens * topK;
        float[] combine = own.routing.combine;
        for (int s = 0; s < slots; s++) {
            int r = rowOf[s];
            int t = s / topK;
            dCombine[s] = kern.dot(dy, t * dModel, expertOut, r * dModel, dModel);
            for (int i = 0; i < dModel; i++) {
                dRows[r * dModel + i] = combine[s] * dy[t * dModel + i];
            }
        }
        for (int e = 0; e < numExperts; e++) {
            int r0 = expertStart[e];
            int c = expertStart[e + 1] - r0;
            if (c > 0) {
                kern.matmul(true, false, dModel, de, c, dRows, r0 * dModel, dModel, hidden, r0 * de, de,
                        down[e].grad, 0, de, true);
                kern.matmul(false, false, c, de, dModel, dRows, r0 * dModel, dModel, down[e].data, 0, de,
                        dHidden, r0 * de, de, false);
            }
        }
        Arrays.fill(dGate, 0, slots * de, 0f);
        Arrays.fill(dUp, 0, slots * de, 0f);
        kern.swigluBackward(dGate, dUp, dHidden, gateOut, upOut, slots * de);
        for (int e = 0; e < numExperts; e++) {
            int r0 = expertStart[e];
            int c = expertStart[e + 1] - r0;
            if (c > 0) {
                kern.matmul(true, false, de, dModel, c, dGate, r0 * de, de, xGrouped, r0 * dModel, dModel,
                        gate[e].grad, 0, dModel, true);
                kern.matmul(true, false, de, dModel, c, dUp, r0 * de, de, xGrouped, r0 * dModel, dModel,
                        up[e].grad, 0, dModel, true);
                // dRows of expert e are consumed above; reuse them for dX_g.
                kern.matmul(false, false, c, dModel, de, dGate, r0 * de, de, gate[e].data, 0, dModel,
                        dRows, r0 * dModel, dModel, false);
                kern.matmul(false, false, c, dModel, de, dUp, r0 * de, de, up[e].data, 0, dModel,
                        dRows, r0 * dModel, dModel, true);
            }
        }
        for (int s = 0; s < slots; s++) {
            kern.axpy(dx, (s / topK) * dModel, 1f, dRows, rowOf[s] * dModel, dModel);
        }
        router.backward(dx, dCombine, xSaved, tokens, own.routing, balance,
                auxGradScale * cfg.auxLossCoef(), auxGradScale * cfg.zLossCoef());
    }

    // ---- values for logging -----------------------------------------------------------------

    /** Load-balancing loss L_lb of the last forward (unweighted). */
    public double balanceLoss() {
        return balance.value();
    }

    /** Router z-loss of the last forward (unweighted). */
    public double zLoss() {
        return own.routing.zLoss;
    }

    /** coef-weighted auxiliary loss of the last forward: what backward adds (before auxGradScale). */
    public double weightedAuxLoss() {
        return cfg.auxLossCoef() * balance.value() + cfg.zLossCoef() * own.routing.zLoss;
    }

    /** Expert load and mean auxiliary losses since the last {@link #resetDiagnostics()}. */
    public MoeDiagnostics diagnostics() {
        return diag;
    }

    public void resetDiagnostics() {
        diag.reset();
    }

    // ---- package-private views for tests ----------------------------------------------------

    /** Routing of the last forward (experts, combine weights, probabilities, logits). */
    TopKRouter.Routing routing() {
        return own.routing;
    }

    /**
     * Activation buffers of one caller of {@link #apply} (and, internally, of the training path):
     * the routing, the grouping of the B·k token-slots by expert, and each slot's expert
     * activations ([B·k, D] input and output, [B·k, d_e] gate, up and SwiGLU).
     */
    static final class Activations {
        private final MoeLayer owner;
        private final int capacity;
        final TopKRouter.Routing routing;
        /** expertStart[e] .. expertStart[e+1]: the grouped rows of expert e. [N + 1]. */
        final int[] expertStart;
        /** rowOf[t·k + j]: grouped row holding token t's j-th choice. [B·k]. */
        final int[] rowOf;
        /** slotOf[row]: the token-slot t·k + j a grouped row holds. [B·k]. */
        final int[] slotOf;
        final float[] xGrouped;
        final float[] gateOut;
        final float[] upOut;
        final float[] hidden;
        final float[] expertOut;

        private Activations(MoeLayer owner, int capacity) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("MoE activations capacity (" + capacity + ") must be > 0");
            }
            this.owner = owner;
            this.capacity = capacity;
            int slots = capacity * owner.topK;
            routing = owner.router.newRouting(capacity);
            expertStart = new int[owner.numExperts + 1];
            rowOf = new int[slots];
            slotOf = new int[slots];
            xGrouped = new float[slots * owner.dModel];
            gateOut = new float[slots * owner.de];
            upOut = new float[slots * owner.de];
            hidden = new float[slots * owner.de];
            expertOut = new float[slots * owner.dModel];
        }

        /** Chosen experts of the last call: [tokens, k], highest probability first. */
        public int[] experts() {
            return routing.experts;
        }
    }
}
