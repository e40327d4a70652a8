package org.ultramem.nn.memory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * Product Key Memory layer (Lample et al. 2019; XLM {@code HashingMemoryProductFast}; spec §E.2,
 * §F.1), the PKM baseline. Shapes (B tokens, D hidden, H heads, Dq query width, n sub-keys per
 * side, k selections, D_v = D):
 * <pre>
 *   x [B, D] → q = x·Wqᵀ + bq [B, H·Dq] → (BatchNorm1d) → per head h: q1, q2 = halves [Dq/2]
 *   s1 = q1·K[h,0]ᵀ [n], s2 = q2·K[h,1]ᵀ [n]; top-k of each; top-k of the k² sums s1[a]+s2[c]
 *   slot = a·n + c; w = softmax over the k selected scores (per head)
 *   y [B, D_v] = Σ_h Σ_i w[h,i] · values[slot[h,i]]
 * </pre>
 * Parameters: {@code query_proj.weight} [H·Dq, D], {@code query_proj.bias} [H·Dq],
 * {@code query_bn.weight}/{@code .bias} [H·Dq] (when BatchNorm is on), {@code keys} [H, 2, n, Dq/2],
 * {@code values} [n², D_v] (group VALUES, row-sparse gradient tracking). Buffers (checkpoint them):
 * {@code query_bn.running_mean}, {@code query_bn.running_var}.
 *
 * <p>Selection is deterministic: higher score first, ties to the lower index ({@link PkmTopK});
 * it equals a brute-force top-k over all n² sums (the product-key argument, which survives ties
 * under this order).
 *
 * <p>{@link #forward}/{@link #backward} use activations allocated once for {@code maxTokens}
 * tokens, follow {@link #setTraining} for BatchNorm, and record {@link #diagnostics()}; one call
 * at a time. Decoding is the inference engine's ({@code infer.PkmDecoder}, sharing
 * {@link PkmTopK#selectSlots} and {@link RunningBatchNorm}).
 */
public final class ProductKeyMemory {

    private final PkmConfig cfg;
    private final int dModel;
    private final int dv;
    private final int heads;
    private final int n;
    private final int dq;
    private final int half;
    private final int k;
    private final int qWidth;
    private final int maxTokens;
    private final Kernels kern = KernelProvider.get();

    private final Parameter queryWeight;
    private final Parameter queryBias;
    private final QueryBatchNorm batchNorm;
    private final Parameter keys;
    private final Parameter values;
    private boolean training = true;

    // Saved by forward for backward: the training activations, and aliases of their arrays.
    private final Activations own;
    private int savedTokens = -1;
    private boolean savedTraining;
    private final float[] xSaved;
    /** Query projection output; overwritten with x̂ when BatchNorm is on: [B, H·Dq]. */
    private final float[] query;
    /** Queries that score the keys (after BatchNorm, if any): [B, H·Dq]. */
    private final float[] queryNorm;
    private final int[] selIdx;
    private final float[] selScore;
    private final float[] selWeight;
    // Scratch: side scores in forward, their gradients in backward; [B, n] each.
    private final float[] side1;
    private final float[] side2;
    private final float[] dQuery;

    private final PkmDiagnostics diag;

    /**
     * Builds the layer with freshly initialized weights.
     *
     * @param cfg        the PKM configuration
     * @param hiddenSize D (also the value width D_v)
     * @param maxTokens  the largest {@code tokens} any forward will be called with
     * @param seed       seeds all initializers
     */
    public ProductKeyMemory(PkmConfig cfg, int hiddenSize, int maxTokens, long seed) {
        if (hiddenSize <= 0 || maxTokens <= 0) {
            throw new IllegalArgumentException("PKM hiddenSize (" + hiddenSize + ") and maxTokens ("
                    + maxTokens + ") must be > 0");
        }
        long slotsTimesDv = cfg.numSlots() * hiddenSize;
        if (slotsTimesDv > Integer.MAX_VALUE - 16) {
            throw PkmConfig.bad(PkmConfig.KNUM, cfg.numKeys(), "gives a value table of " + cfg.numSlots()
                    + " x " + hiddenSize + " = " + slotsTimesDv + " floats, more than one array holds",
                    "lower " + PkmConfig.KNUM + " so that knum² · hidden < 2^31");
        }
        this.cfg = cfg;
        this.dModel = hiddenSize;
        this.dv = hiddenSize;
        this.heads = cfg.heads();
        this.n = cfg.numKeys();
        this.dq = cfg.keyDim();
        this.half = dq / 2;
        this.k = cfg.topK();
        this.qWidth = heads * dq;
        this.maxTokens = maxTokens;

        SplittableRandom rnd = new SplittableRandom(seed);
        queryWeight = new Parameter("query_proj.weight", new int[] {qWidth, dModel}, Parameter.Group.DECAY);
        queryBias = new Parameter("query_proj.bias", new int[] {qWidth}, Parameter.Group.NO_DECAY);
        float bound = (float) (1 / Math.sqrt(dModel));   // nn.Linear default init
        uniform(rnd, queryWeight.data, bound);
        uniform(rnd, queryBias.data, bound);
        batchNorm = cfg.queryBatchNorm() ? new QueryBatchNorm("query_bn", qWidth) : null;
        keys = new Parameter("keys", new int[] {heads, 2, n, half}, Parameter.Group.DECAY);
        uniform(rnd, keys.data, (float) (1 / Math.sqrt(half)));
        values = new Parameter("values", new int[] {n * n, dv}, Parameter.Group.VALUES, true);
        double std = 1 / Math.sqrt(dv);
        for (int i = 0; i < values.data.length; i++) {
            values.data[i] = (float) (std * rnd.nextGaussian());
        }

        xSaved = new float[maxTokens * dModel];
        dQuery = new float[maxTokens * qWidth];
        own = new Activations(this, maxTokens);
        query = own.query;
        queryNorm = own.queryNorm;
        selIdx = own.selIdx;
        selScore = own.selScore;
        selWeight = own.selWeight;
        side1 = own.side1;
        side2 = own.side2;
        diag = new PkmDiagnostics(heads, n, k);
    }

    private static void uniform(SplittableRandom rnd, float[] a, float bound) {
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) rnd.nextDouble(-bound, bound);
        }
    }

    /** Trainable parameters with HF-like names, in a fixed order. */
    public List<Parameter> parameters() {
        List<Parameter> ps = new ArrayList<>();
        ps.add(queryWeight);
        ps.add(queryBias);
        if (batchNorm != null) {
            ps.add(batchNorm.weight);
            ps.add(batchNorm.bias);
        }
        ps.add(keys);
        ps.add(values);
        return ps;
    }

    /** The parameter with this name, e.g. {@code "keys"}. */
    public Parameter parameter(String name) {
        for (Parameter p : parameters()) {
            if (p.name.equals(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("PKM layer has no parameter `" + name + "`; it has " + parameters());
    }

    /** Non-trained state to checkpoint (BatchNorm running statistics); empty without BatchNorm. */
    public Map<String, float[]> buffers() {
        Map<String, float[]> m = new LinkedHashMap<>();
        if (batchNorm != null) {
            m.put("query_bn.running_mean", batchNorm.runningMean);
            m.put("query_bn.running_var", batchNorm.runningVar);
        }
        return m;
    }

    public PkmConfig config() {
        return cfg;
    }

    /** Training mode (default): BatchNorm uses batch statistics and updates the running ones. */
    public void setTraining(boolean training) {
        this.training = training;
    }

    public boolean isTraining() {
        return training;
    }

    /**
     * Forward. y: [tokens, D] (written, =), x: [tokens, D] (copied; may change afterwards).
     * Saves the selected slots, their scores and softmax weights for {@link #backward}.
     */
    public void forward(float[] y, float[] x, int tokens) {
        if (tokens < 1 || tokens > maxTokens) {
            throw new IllegalArgumentException("PKM forward: tokens (" + tokens + ") must be in [1, "
                    + maxTokens + "] (maxTokens given to the constructor)");
        }
        if (batchNorm != null && training && tokens < 2) {
            throw new IllegalArgumentException("query BatchNorm (config key `" + PkmConfig.QUERY_BATCHNORM
                    + "`) needs at least 2 tokens per training forward, got " + tokens
                    + "; use larger batches, evaluation mode (setTraining(false)), or set it to false");
        }
        savedTokens = -1;   // a forward that fails half-way leaves nothing for backward
        System.arraycopy(x, 0, xSaved, 0, tokens * dModel);
        run(y, x, tokens, own);
        savedTokens = tokens;
        savedTraining = training;
        diag.record(selIdx, selScore, y, tokens, dv);
    }

    /** Query → scores → selection → softmax → pooling into {@code a}. */
    private void run(float[] y, float[] x, int tokens, Activations a) {
        kern.matmul(false, true, tokens, qWidth, dModel, x, 0, dModel, queryWeight.data, 0, dModel,
                a.query, 0, qWidth, false);
        for (int t = 0; t < tokens; t++) {
            kern.axpy(a.query, t * qWidth, 1f, queryBias.data, 0, qWidth);
        }
        if (batchNorm == null) {
            System.arraycopy(a.query, 0, a.queryNorm, 0, tokens * qWidth);
        } else {
            batchNorm.forward(a.queryNorm, a.query, tokens, training);
        }
        for (int h = 0; h < heads; h++) {
            // Side scores for all tokens as two GEMMs: [B, Dq/2] · [n, Dq/2]ᵀ.
            kern.matmul(false, true, tokens, n, half, a.queryNorm, h * dq, qWidth, keys.data,
                    keyOffset(h, 0), half, a.side1, 0, n, false);
            kern.matmul(false, true, tokens, n, half, a.queryNorm, h * dq + half, qWidth, keys.data,
                    keyOffset(h, 1), half, a.side2, 0, n, false);
            final int head = h;
            Parallel.forRange(tokens, 8, (start, end) -> select(a, head, start, end));
        }
        System.arraycopy(a.selScore, 0, a.selWeight, 0, tokens * heads * k);
        kern.softmaxRows(a.selWeight, 0, tokens * heads, k);
        Parallel.forRange(tokens, 8, (start, end) -> {
            for (int t = start; t < end; t++) {
                Arrays.fill(y, t * dv, (t + 1) * dv, 0f);
                for (int s = t * heads * k; s < (t + 1) * heads * k; s++) {
                    kern.axpy(y, t * dv, a.selWeight[s], values.data, a.selIdx[s] * dv, dv);
                }
            }
        });
    }

    /** Selects head {@code h}'s k slots for tokens [start, end) from the side scores in {@code a}. */
    private void select(Activations a, int h, int start, int end) {
        PkmTopK.Scratch s = PkmTopK.Scratch.of(k);
        for (int t = start; t < end; t++) {
            PkmTopK.selectSlots(a.side1, t * n, a.side2, t * n, n, k, a.selIdx, a.selScore,
                    (t * heads + h) * k, s);
        }
    }

    /**
     * Backward of the last forward. dx: [tokens, D] (+=), dy: [tokens, D_v]; parameter gradients +=.
     * With w = softmax(s) over a head's k scores: dValues[slot] += w·dy; dw = dy·values[slot];
     * ds = w⊙(dw − Σ w⊙dw); ds flows to q1·K1[a] and q2·K2[c] (both halves get the same ds), then
     * through BatchNorm and the query Linear. Selection is treated as constant (spec §F.1).
     */
    public void backward(float[] dx, float[] dy, int tokens) {
        if (tokens != savedTokens) {
            throw new IllegalStateException("PKM backward: tokens (" + tokens
                    + ") differs from the last forward (" + savedTokens + "); call forward first");
        }
        scatterValueGradients(dy, tokens);
        // Softmax backward in place: selScore ← ds (the scores are not needed any more).
        Parallel.forRange(tokens, 8, (start, end) -> {
            for (int r = start * heads; r < end * heads; r++) {
                int t = r / heads;
                int o = r * k;
                double dot = 0;
                for (int i = 0; i < k; i++) {
                    float dw = kern.dot(dy, t * dv, values.data, selIdx[o + i] * dv, dv);
                    selScore[o + i] = dw;
                    dot += (double) selWeight[o + i] * dw;
                }
                for (int i = 0; i < k; i++) {
                    selScore[o + i] = selWeight[o + i] * (float) (selScore[o + i] - dot);
                }
            }
        });
        for (int h = 0; h < heads; h++) {
            keyAndQueryGradients(h, tokens);
        }
        if (batchNorm != null) {
            batchNorm.backwardInPlace(dQuery, query, tokens, savedTraining);
        }
        // Query Linear: dW += dqᵀ·x, db += Σ dq, dx += dq·W.
        kern.matmul(true, false, qWidth, dModel, tokens, dQuery, 0, qWidth, xSaved, 0, dModel,
                queryWeight.grad, 0, dModel, true);
        for (int t = 0; t < tokens; t++) {
            kern.axpy(queryBias.grad, 0, 1f, dQuery, t * qWidth, qWidth);
        }
        kern.matmul(false, false, tokens, dModel, qWidth, dQuery, 0, qWidth, queryWeight.data, 0, dModel,
                dx, 0, dModel, true);
    }

    /**
     * dValues[slot] += w·dy[t]. Rows are split among threads by slot modulo the thread count, so
     * each row is summed by one thread in token order: the result does not depend on threads.
     */
    private void scatterValueGradients(float[] dy, int tokens) {
        int sel = tokens * heads * k;
        values.touchRows(selIdx, 0, sel);
        int parts = Math.max(1, Math.min(Parallel.threads(), sel / 256));
        Parallel.forRange(parts, 1, (p0, p1) -> {
            for (int s = 0; s < sel; s++) {
                int row = selIdx[s];
                if (row % parts >= p0 && row % parts < p1) {
                    kern.axpy(values.grad, row * dv, selWeight[s], dy, (s / (heads * k)) * dv, dv);
                }
            }
        });
    }

    /** Head h: ds → dense side gradients [B, n] → dQuery halves (=) and key gradients (+=). */
    private void keyAndQueryGradients(int h, int tokens) {
        Arrays.fill(side1, 0, tokens * n, 0f);
        Arrays.fill(side2, 0, tokens * n, 0f);
        for (int t = 0; t < tokens; t++) {
            int o = (t * heads + h) * k;
            for (int i = 0; i < k; i++) {
                int slot = selIdx[o + i];
                side1[t * n + slot / n] += selScore[o + i];
                side2[t * n + slot % n] += selScore[o + i];
            }
        }
        kern.matmul(false, false, tokens, half, n, side1, 0, n, keys.data, keyOffset(h, 0), half,
                dQuery, h * dq, qWidth, false);
        kern.matmul(false, false, tokens, half, n, side2, 0, n, keys.data, keyOffset(h, 1), half,
                dQuery, h * dq + half, qWidth, false);
        kern.matmul(true, false, n, half, tokens, side1, 0, n, queryNorm, h * dq, qWidth,
                keys.grad, keyOffset(h, 0), half, true);
        kern.matmul(true, false, n, half, tokens, side2, 0, n, queryNorm, h * dq + half, qWidth,
                keys.grad, keyOffset(h, 1), half, true);
    }

    private int keyOffset(int h, int side) {
        return (h * 2 + side) * n * half;
    }

    // ---- diagnostics -------------------------------------------------------------------------

    /** Usage statistics gathered by every forward since the last {@link #resetDiagnostics()}. */
    public PkmDiagnostics diagnostics() {
        return diag;
    }

    public void resetDiagnostics() {
        diag.reset();
    }

    // ---- package-private views for tests ------------------------------------------------------

    /** Selected slots of the last forward: [tokens, H, k], best first per head (tests). */
    public int[] selectedSlots() {
        return selIdx;
    }

    /** Raw scores s1[a] + s2[c] of the selected slots: [tokens, H, k] (valid until backward). */
    float[] selectedScores() {
        return selScore;
    }

    /** Queries that scored the keys in the last forward: [tokens, H·Dq]. */
    float[] scoringQueries() {
        return queryNorm;
    }

    /**
     * Activation buffers of one caller of {@link #apply} (and, internally, of the training path):
     * queries [B, H·Dq] twice, side scores [B, n] twice, selections [B, H, k] thrice.
     */
    static final class Activations {
        private final ProductKeyMemory owner;
        private final int capacity;
        final float[] query;
        final float[] queryNorm;
        final float[] side1;
        final float[] side2;
        final int[] selIdx;
        final float[] selScore;
        final float[] selWeight;

        private Activations(ProductKeyMemory owner, int capacity) {
            if (capacity <= 0) {
                throw new IllegalArgumentException("PKM activations capacity (" + capacity + ") must be > 0");
            }
            this.owner = owner;
            this.capacity = capacity;
            int sel = capacity * owner.heads * owner.k;
            this.query = new float[capacity * owner.qWidth];
            this.queryNorm = new float[capacity * owner.qWidth];
            this.side1 = new float[capacity * owner.n];
            this.side2 = new float[capacity * owner.n];
            this.selIdx = new int[sel];
            this.selScore = new float[sel];
            this.selWeight = new float[sel];
        }

        /** Selected slots of the last call: [tokens, H, k], best first per head. */
        public int[] selectedSlots() {
            return selIdx;
        }
    }
}
