package org.ultramem.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.ultramem.nn.Attention;
import org.ultramem.nn.CrossEntropy;
import org.ultramem.nn.Embedding;
import org.ultramem.nn.Parameter;
import org.ultramem.nn.RmsNorm;
import org.ultramem.nn.SwiGlu;
import org.ultramem.nn.moe.MoeDiagnostics;
import org.ultramem.nn.moe.MoeLayer;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.tensor.kernel.Kernels;

/**
 * Decoder-only transformer with tied embeddings. Shapes, with rows = batch·seq tokens flattened
 * token-major, D = hidden_size, V = vocab_size, L = num_hidden_layers:
 * <pre>
 *   x₀ = E[tokens]                                  [rows, D]     E: [V, D]
 *   for l in 0..L−1 (pre-norm blocks):
 *     h_l     = x_l + Attn_l(RMS_attn_l(x_l))       [rows, D]
 *     a_l     = RMS_ff_l(h_l)                       [rows, D]
 *     y_m     = Mem_m(a_l)    for memory layers m placed "l:j"   (pending)
 *     x_{l+1} = h_l + FFN_l(a_l) + Σ_{m placed "i:l"} y_m        [rows, D]
 *   logits = RMS_final(x_L) · Eᵀ                    [rows, V]
 * </pre>
 * FFN_l is the dense SwiGLU, or an {@link MoeLayer} in the blocks {@code moe.moe_layers} names;
 * Mem_m is an UltraMem, PKM or UltraMemV2 layer ({@link MemoryStack}, placement by
 * {@link LayerPlan}; V2 layers default to every block, "m:m", all reading one shared table).
 * Parameters carry Hugging Face Llama names ({@code model.embed_tokens.weight},
 * {@code model.layers.{i}.self_attn.q_proj.weight}, {@code model.layers.{i}.mlp.down_proj.weight},
 * {@code model.norm.weight}, ...), Linear weights stored [out, in]; MoE blocks
 * {@code model.layers.{i}.mlp.router.weight}, {@code model.layers.{i}.mlp.experts.{e}.*};
 * memory layers {@code model.memory_layers.{m}.*} (see {@link #parametersByName()}, which differ
 * from {@code Parameter.name} for the sparse layers).
 *
 * <p><b>Auxiliary losses.</b> {@link #forwardBackward} adds the gradient of
 * {@code lossScale × (mean NLL + Σ MoE coef·aux + Σ UltraMem Tucker aux + Σ UltraMem β·balance
 * + Σ UltraMemV2 β·L_bal)} and reports each term in {@link StepLoss#aux()} ({@code moe{i}.aux},
 * {@code moe{i}.balance}, {@code moe{i}.z}, {@code mem{m}.tucker_aux}, V2 {@code mem{m}.balance}
 * (L_bal, unweighted), total {@code aux_loss}; the UltraMem key-balance loss is reported as the
 * {@code mem{m}.balance_loss} diagnostic, as is V2's mean). The V2 balance weight per micro-batch
 * is β·lossScale, so β weighs the mean over micro-batches whatever grad_accum is (see
 * {@link V2Memories}). Query BatchNorm (PKM, UltraMem) uses
 * batch statistics in forwardBackward and running statistics everywhere else.
 *
 * <p><b>Initialization</b> (OLMo-like, deterministic in the seed): embeddings and the input
 * projections (q, k, v, gate, up) ~ N(0, σ) with σ = initializer_range; the output projections
 * (o_proj, down_proj) ~ N(0, σ/√(2L)) so the residual stream's variance does not grow with depth;
 * norm gains 1. Each parameter draws from its own {@code SplittableRandom.split()} of the seed, in
 * {@link #parameters()} order. Normals are not truncated. MoE and memory layers are initialized by
 * their own schemes at construction, each from a seed drawn from {@code seed}; {@link #initialize}
 * redraws only the backbone.
 *
 * <p>Construction first checks with {@link ModelMemory#requireTransformer} that the parameters,
 * gradients and activation buffers fit the heap, and refuses in one line when they do not.
 *
 * <p>Training methods ({@link #forwardBackward}, {@link #forwardLoss}, {@link #forwardLogits}) use
 * activation buffers allocated once for maxBatch × maxSeq tokens, so a step allocates nothing and
 * only one may run at a time. Decoding is the inference engine's ({@code infer.InferenceModel},
 * over this model's weights with {@code InferenceModel.of} or over a saved checkpoint).
 */
public final class Transformer implements LanguageModel {

    private final ModelConfig cfg;
    private final int maxBatch;
    private final int maxSeq;
    private final int dModel;
    private final int numLayers;
    private final Kernels kernels = KernelProvider.get();

    private final Embedding embedding;
    private final RmsNorm[] attnNorm;
    private final Attention[] attn;
    private final RmsNorm[] ffnNorm;
    private final SwiGlu[] ffn;
    private final MoeLayer[] moe;
    private final MemoryStack memory;
    private final List<Parameter> backbone;
    private final RmsNorm finalNorm;
    private final CrossEntropy head;
    private final List<Parameter> parameters;
    private final Map<String, Parameter> byName;

    // Activations [maxRows, D]: x[l] enters block l, h[l] is its mid-block residual, nAttn/nFfn the
    // normalized inputs of its attention and FFN, nFinal the final norm's output.
    private final float[][] x;
    private final float[][] h;
    private final float[][] nAttn;
    private final float[][] nFfn;
    private final float[] nFinal;
    private final float[] branch;
    // Backward scratch [maxRows, D]: gradient of the residual stream and of a norm's output.
    private final float[] dResidual;
    private final float[] dNormed;

    /**
     * A freshly initialized model whose training buffers hold {@code maxBatch} sequences of up to
     * {@code maxSeq} tokens (maxSeq ≤ max_position_embeddings).
     */
    public Transformer(ModelConfig cfg, int maxBatch, int maxSeq, long seed) {
        if (maxBatch <= 0) {
            throw new IllegalArgumentException("maximum batch size " + maxBatch + " must be > 0");
        }
        if (maxSeq <= 0 || maxSeq > cfg.maxPositionEmbeddings()) {
            throw new IllegalArgumentException("maximum sequence length " + maxSeq
                    + " must be in [1, "
                    + cfg.maxPositionEmbeddings() + "] (config key `max_position_embeddings`)");
        }
        ModelMemory.requireTransformer(cfg, maxBatch, maxSeq, "lower the batch size or sequence"
                + " length (training.batch_size / training.seq_len, eval --batch) or the model's"
                + " sizes");
        this.cfg = cfg;
        this.maxBatch = maxBatch;
        this.maxSeq = maxSeq;
        this.dModel = cfg.hiddenSize();
        this.numLayers = cfg.numLayers();
        int maxRows = Math.multiplyExact(maxBatch, maxSeq);
        float eps = (float) cfg.rmsNormEps();
        float theta = (float) cfg.ropeTheta();

        embedding = new Embedding("model.embed_tokens.weight", cfg.vocabSize(), dModel);
        attnNorm = new RmsNorm[numLayers];
        attn = new Attention[numLayers];
        ffnNorm = new RmsNorm[numLayers];
        ffn = new SwiGlu[numLayers];
        moe = new MoeLayer[numLayers];
        // Sparse layers draw their seeds in a fixed order: MoE blocks ascending, then memory.
        SplittableRandom sparseSeeds = new SplittableRandom(seed ^ 0x6A09E667F3BCC909L);
        Attention.Grads attnGrads = Attention.Grads.allocate(maxRows, dModel);
        SwiGlu.Grads ffnGrads = SwiGlu.Grads.allocate(maxRows, cfg.intermediateSize());
        for (int l = 0; l < numLayers; l++) {
            String p = "model.layers." + l + ".";
            attnNorm[l] = new RmsNorm(p + "input_layernorm.weight", dModel, eps, maxRows);
            attn[l] = new Attention(p + "self_attn.", dModel, cfg.numHeads(), theta, maxBatch,
                    maxSeq, attnGrads);
            ffnNorm[l] = new RmsNorm(p + "post_attention_layernorm.weight", dModel, eps, maxRows);
            if (cfg.isMoeBlock(l)) {
                moe[l] = new MoeLayer(cfg.moe(), dModel, maxRows, sparseSeeds.nextLong());
            } else {
                ffn[l] = new SwiGlu(p + "mlp.", dModel, cfg.intermediateSize(), maxRows, ffnGrads);
            }
        }
        long[] memSeeds = new long[cfg.memoryLayers().size()];
        for (int m = 0; m < memSeeds.length; m++) {
            memSeeds[m] = sparseSeeds.nextLong();
        }
        memory = new MemoryStack(cfg, maxRows, memSeeds);
        finalNorm = new RmsNorm("model.norm.weight", dModel, eps, maxRows);
        head = new CrossEntropy(embedding.weight, maxRows);

        // Checkpoint order: embedding, blocks (attention, FFN or MoE), final norm, memory layers.
        Map<String, Parameter> m = new LinkedHashMap<>();
        List<Parameter> bb = new ArrayList<>();
        put(m, bb, embedding.weight.name, embedding.weight);
        for (int l = 0; l < numLayers; l++) {
            for (Parameter p : List.of(attnNorm[l].weight, attn[l].qProj.weight,
                    attn[l].kProj.weight, attn[l].vProj.weight, attn[l].oProj.weight,
                    ffnNorm[l].weight)) {
                put(m, bb, p.name, p);
            }
            if (moe[l] != null) {
                for (Parameter p : moe[l].parameters()) {
                    m.put("model.layers." + l + ".mlp." + p.name, p);
                }
            } else {
                for (Parameter p : List.of(ffn[l].gateProj.weight, ffn[l].upProj.weight,
                        ffn[l].downProj.weight)) {
                    put(m, bb, p.name, p);
                }
            }
        }
        put(m, bb, finalNorm.weight.name, finalNorm.weight);
        memory.addParameters(m);
        backbone = List.copyOf(bb);
        parameters = List.copyOf(m.values());
        byName = Collections.unmodifiableMap(m);

        int n = Math.multiplyExact(maxRows, dModel);
        x = new float[numLayers + 1][n];
        h = new float[numLayers][n];
        nAttn = new float[numLayers][n];
        nFfn = new float[numLayers][n];
        nFinal = new float[n];
        branch = new float[n];
        dResidual = new float[n];
        dNormed = new float[n];
        initialize(seed);
    }

    private static void put(Map<String, Parameter> m, List<Parameter> backbone, String name,
                            Parameter p) {
        m.put(name, p);
        backbone.add(p);
    }

    /**
     * Draws every backbone parameter afresh from {@code seed} (see the class comment for the
     * scheme); MoE and memory layers keep their construction-time initialization.
     */
    public void initialize(long seed) {
        SplittableRandom root = new SplittableRandom(seed);
        double std = cfg.initializerRange();
        double outStd = std / Math.sqrt(2.0 * numLayers);
        for (Parameter p : backbone) {
            SplittableRandom rnd = root.split();
            if (p.group == Parameter.Group.NO_DECAY) {
                Arrays.fill(p.data, 1f);
            } else {
                boolean output = p.name.endsWith("o_proj.weight")
                        || p.name.endsWith("down_proj.weight");
                double s = output ? outStd : std;
                for (int i = 0; i < p.data.length; i++) {
                    p.data[i] = (float) (s * rnd.nextGaussian());
                }
            }
        }
    }

    @Override
    public ModelConfig config() {
        return cfg;
    }

    @Override
    public List<Parameter> parameters() {
        return parameters;
    }

    /** Every parameter by its checkpoint name, in {@link #parameters()} order (unmodifiable). */
    @Override
    public Map<String, Parameter> parametersByName() {
        return byName;
    }

    @Override
    public Map<String, Buffer> buffers() {
        Map<String, Buffer> b = new LinkedHashMap<>();
        memory.addBuffers(b);
        return b;
    }

    @Override
    public void loadBuffers(Map<String, Buffer> saved) {
        memory.loadBuffers(saved);
    }

    @Override
    public Map<String, ValueTableRule> valueTableRules() {
        Map<String, ValueTableRule> r = new LinkedHashMap<>();
        memory.addValueRules(r);
        return r;
    }

    @Override
    public Map<String, RetrievalRule> retrievalRules() {
        Map<String, RetrievalRule> r = new LinkedHashMap<>();
        memory.addRetrievalRules(r);
        return r;
    }

    /** The dead sub-key restart of every UltraMem layer that has it on. */
    @Override
    public void afterStep(long stepsDone, long seed, org.ultramem.nn.ParameterReset reset) {
        memory.afterStep(stepsDone, seed, reset);
    }

    /** Refreshes every UltraMem and V2 layer's u/v from its current cores (spec §A.4, V2 §6). */
    @Override
    public void beforeStep() {
        memory.refreshTucker();
    }

    /**
     * Per memory layer {@code mem{m}.slot_frac, key_frac, dead_slots, usage_entropy, usage_kl,
     * top1_score, topk_score, out_std, core_sv.{i}} (UltraMem: i-th singular value of Σ_t C_t,
     * mean over heads; with those remedies on also {@code balance_loss}, {@code keys_restarted})
     * and per MoE block {@code moe{i}.load.{e}, balance, z}, over every forward since the
     * last call (training and evaluation forwards); then resets the counters.
     */
    @Override
    public Map<String, Double> drainDiagnostics() {
        Map<String, Double> d = new LinkedHashMap<>();
        memory.drainDiagnostics(d);
        for (int l = 0; l < numLayers; l++) {
            if (moe[l] == null) {
                continue;
            }
            MoeDiagnostics md = moe[l].diagnostics();
            if (!Double.isNaN(md.meanBalanceLoss())) {
                double[] load = md.expertLoad();
                for (int e = 0; e < load.length; e++) {
                    d.put("moe" + l + ".load." + e, load[e]);
                }
                d.put("moe" + l + ".balance", md.meanBalanceLoss());
                d.put("moe" + l + ".z", md.meanZLoss());
            }
            moe[l].resetDiagnostics();
        }
        return d;
    }

    /** The UltraMem layer at memory index {@code m} (null when that layer is a PKM). */
    public org.ultramem.nn.memory.UltraMemLayer ultraMemLayer(int m) {
        return memory.ultraMem(m);
    }

    /** The UltraMemV2 layer at memory index {@code m} (null when that layer is not V2). */
    public org.ultramem.nn.memory.UltraMemV2Layer ultraMemV2Layer(int m) {
        return memory.v2().layer(m);
    }

    /** The value table all UltraMemV2 layers share (null without V2 layers). */
    public org.ultramem.nn.memory.UltraMemV2Values ultraMemV2Values() {
        return memory.v2().holder();
    }

    /** Hits per window row of V2 memory layer {@code m} since the last diagnostics drain. */
    public long[] ultraMemV2RowUsage(int m) {
        return memory.v2().rowUsage(m);
    }

    /** The PKM layer at memory index {@code m} (null when that layer is not a PKM). */
    public org.ultramem.nn.memory.ProductKeyMemory pkmLayer(int m) {
        return memory.pkm(m);
    }

    /**
     * tokens, targets [batch·seq]; targets −1 are not scored. Adds the gradient of
     * lossScale × (mean NLL over scored tokens) into every parameter's grad.
     */
    @Override
    public StepLoss forwardBackward(int[] tokens, int[] targets, int batch, int seq,
            float lossScale) {
        int rows = checkBatch(tokens, targets, batch, seq);
        long scored = countScored(targets, rows);
        if (scored == 0) {
            return new StepLoss(0, 0, Map.of());
        }
        memory.setTraining(true);
        memory.setAuxGradScale(lossScale);
        forward(tokens, batch, seq);

        // Loss and its gradient w.r.t. the final norm's output (and the tied embedding).
        float gradScale = (float) (lossScale / (double) scored);
        Arrays.fill(dNormed, 0, rows * dModel, 0f);
        double nll = head.forwardBackward(dNormed, nFinal, targets, rows, gradScale);

        // Backward: exactly the reverse of forward. dResidual carries ∂L/∂x along the stream;
        // each norm's backward adds its branch's contribution into it.
        Arrays.fill(dResidual, 0, rows * dModel, 0f);
        finalNorm.backward(dResidual, dNormed, x[numLayers], rows);
        for (int l = numLayers - 1; l >= 0; l--) {
            memory.savePendingGrad(l, dResidual, rows);
            Arrays.fill(dNormed, 0, rows * dModel, 0f);
            if (moe[l] != null) {
                moe[l].setAuxGradScale(lossScale);
                moe[l].backward(dNormed, dResidual, rows);
            } else {
                ffn[l].backward(dNormed, dResidual, nFfn[l], rows);
            }
            memory.backwardReaders(l, dNormed, rows);
            ffnNorm[l].backward(dResidual, dNormed, h[l], rows);
            Arrays.fill(dNormed, 0, rows * dModel, 0f);
            attn[l].backward(dNormed, dResidual, nAttn[l], batch, seq);
            attnNorm[l].backward(dResidual, dNormed, x[l], rows);
        }
        embedding.backward(dResidual, tokens, rows);
        Map<String, Double> aux = auxLosses();
        double total = aux.getOrDefault("aux_loss", 0.0)
                + memory.tuckerAux(lossScale, aux) + memory.v2BalanceAux(aux);
        if (!aux.isEmpty()) {
            aux.put("aux_loss", total);
        }
        return new StepLoss(nll, scored, aux);
    }

    /** MoE auxiliary losses of the last forward: per block weighted, balance and z; their sum. */
    private Map<String, Double> auxLosses() {
        Map<String, Double> aux = new LinkedHashMap<>();
        double total = 0;
        for (int l = 0; l < numLayers; l++) {
            if (moe[l] != null) {
                aux.put("moe" + l + ".aux", moe[l].weightedAuxLoss());
                aux.put("moe" + l + ".balance", moe[l].balanceLoss());
                aux.put("moe" + l + ".z", moe[l].zLoss());
                total += moe[l].weightedAuxLoss();
            }
        }
        if (!aux.isEmpty()) {
            aux.put("aux_loss", total);
        }
        return aux;
    }

    /** Summed NLL over scored tokens (targets ≥ 0); no gradients. Shapes as forwardBackward. */
    @Override
    public StepLoss forwardLoss(int[] tokens, int[] targets, int batch, int seq) {
        int rows = checkBatch(tokens, targets, batch, seq);
        long scored = countScored(targets, rows);
        if (scored == 0) {
            return new StepLoss(0, 0, Map.of());
        }
        memory.setTraining(false);
        forward(tokens, batch, seq);
        return new StepLoss(head.loss(nFinal, targets, rows), scored, auxLosses());
    }

    /** out [batch·seq, V] = logits of every position (a full forward, no loss). */
    public void forwardLogits(float[] out, int[] tokens, int batch, int seq) {
        int rows = checkBatch(tokens, null, batch, seq);
        if (out.length < (long) rows * cfg.vocabSize()) {
            throw new IllegalArgumentException("logits buffer holds " + out.length
                    + " floats; batch "
                    + batch + " × seq " + seq + " × vocab " + cfg.vocabSize() + " needed");
        }
        memory.setTraining(false);
        forward(tokens, batch, seq);
        head.logits(out, nFinal, rows);
    }

    /** Forward up to the final norm: fills x, h, nAttn, nFfn and nFinal for rows = batch·seq. */
    private void forward(int[] tokens, int batch, int seq) {
        int rows = batch * seq;
        int n = rows * dModel;
        embedding.forward(x[0], tokens, rows);
        for (int l = 0; l < numLayers; l++) {
            attnNorm[l].forward(nAttn[l], x[l], rows);
            attn[l].forward(branch, nAttn[l], batch, seq);
            kernels.add(h[l], x[l], branch, n);
            ffnNorm[l].forward(nFfn[l], h[l], rows);
            memory.forwardReaders(l, nFfn[l], rows);
            if (moe[l] != null) {
                moe[l].forward(branch, nFfn[l], rows);
            } else {
                ffn[l].forward(branch, nFfn[l], rows);
            }
            kernels.add(x[l + 1], h[l], branch, n);
            memory.addPending(kernels, l, x[l + 1], rows);
        }
        finalNorm.forward(nFinal, x[numLayers], rows);
    }

    /** Validates a batch against the buffers and the vocabulary; returns rows = batch·seq. */
    private int checkBatch(int[] tokens, int[] targets, int batch, int seq) {
        if (batch <= 0 || batch > maxBatch) {
            throw new IllegalArgumentException("batch " + batch + " must be in [1, " + maxBatch
                    + "] (the model was built for at most " + maxBatch + " sequences)");
        }
        if (seq <= 0 || seq > maxSeq) {
            throw new IllegalArgumentException("sequence length " + seq + " must be in [1, "
                    + maxSeq + "] (the model was built for at most " + maxSeq + " positions)");
        }
        int rows = batch * seq;
        if (tokens.length < rows) {
            throw new IllegalArgumentException("tokens holds " + tokens.length + " ids; batch "
                    + batch + " × seq " + seq + " = " + rows + " needed");
        }
        if (targets != null) {
            if (targets.length < rows) {
                throw new IllegalArgumentException("targets holds " + targets.length
                        + " ids; batch " + batch + " × seq " + seq + " = " + rows + " needed");
            }
            for (int i = 0; i < rows; i++) {
                if (targets[i] < -1 || targets[i] >= cfg.vocabSize()) {
                    throw new IllegalArgumentException("target " + targets[i] + " at position " + i
                            + " must be −1 (not scored) or in [0, " + cfg.vocabSize() + ")");
                }
            }
        }
        return rows;
    }

    private static long countScored(int[] targets, int rows) {
        long n = 0;
        for (int i = 0; i < rows; i++) {
            if (targets[i] >= 0) {
                n++;
            }
        }
        return n;
    }
}
