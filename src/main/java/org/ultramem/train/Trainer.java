package org.ultramem.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.ultramem.model.LanguageModel;
import org.ultramem.model.LanguageModel.StepLoss;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;

/**
 * The training loop. One optimizer step, in order:
 * <ol>
 *   <li>{@code model.beforeStep()} (UltraMem u/v refresh), then zero every gradient;</li>
 *   <li>for each of {@code grad_accum} micro-batches drawn from (seed, step, micro):
 *       forward + backward with loss scale 1/grad_accum (gradients add up);</li>
 *   <li>stop if the loss is not finite; clip to the global norm, value tables with their own
 *       norm apart ({@link GradClip.Groups}; stop if a norm is not finite);</li>
 *   <li>AdamW at the schedule's learning rate (value tables at their layer's rule,
 *       {@link org.ultramem.model.LanguageModel#valueTableRules()}, retrieval parameters at
 *       theirs, {@link org.ultramem.model.LanguageModel#retrievalRules()}), then
 *       {@code model.afterStep} (UltraMem dead sub-key restart);</li>
 *   <li>log every {@code log_every} steps, evaluate every {@code eval_every} (the eval entry of
 *       metrics.jsonl also carries {@code model.drainDiagnostics()} of the steps since the last
 *       evaluation, and a memory layer whose rows in use collapse gets one warning line,
 *       {@link CollapseWatch}), checkpoint every
 *       {@code checkpoint_every} and at the end.</li>
 * </ol>
 * Everything that decides step t+1 is a function of the checkpoint at step t (parameters, moments,
 * per-row counters, step) and the config, so {@code --resume} reproduces the uninterrupted run bit
 * for bit. Divergence throws {@link TrainingDivergedException} before anything is written, keeping
 * the last good checkpoint.
 */
public final class Trainer {

    /**
     * How to run: {@code out} receives checkpoints and metrics.jsonl; {@code tokenizer} is copied
     * into checkpoints (may be null); {@code stopAfterStep} ≥ 0 ends the run early without the final
     * checkpoint (simulates an interruption; −1 runs to max_steps).
     */
    public record Options(Path out, boolean resume, PrintStream log, boolean progressBar, Path tokenizer,
                          Map<String, String> provenance, long stopAfterStep) {
    }

    /** Loss over the evaluation windows: mean NLL in nats, perplexity, bits per byte, tokens scored. */
    public record EvalResult(double loss, double perplexity, double bitsPerByte, long tokens) {
    }

    /** What a run ended with. {@code eval} is the last evaluation (null when none ran). */
    public record Result(long step, long tokens, double loss, EvalResult eval) {
    }

    private final LanguageModel model;
    private final TrainConfig cfg;
    private final BatchSource data;
    private final Kernels kernels;
    private final Options opts;
    private final AdamW optimizer;
    private final GradClip.Groups clipGroups;
    private final CollapseWatch collapseWatch;
    private final int[] tokenBuf;
    private final int[] targetBuf;
    /** The run id stamped on every checkpoint pair of this run (see {@link Checkpoints}). */
    private String runId;

    public Trainer(LanguageModel model, TrainConfig cfg, BatchSource data, Kernels kernels, Options opts) {
        this.model = model;
        this.cfg = cfg;
        this.data = data;
        this.kernels = kernels;
        this.opts = opts;
        this.optimizer = new AdamW(kernels, model.parametersByName(), cfg.schedule(),
                cfg.optimizerSettings(), model.valueTableRules(), model.retrievalRules());
        this.clipGroups = GradClip.Groups.of(model.parametersByName(), model.valueTableRules());
        this.collapseWatch = new CollapseWatch(cfg.collapseWarnSlotFrac());
        this.tokenBuf = new int[cfg.batchSize() * cfg.seqLen()];
        this.targetBuf = new int[cfg.batchSize() * cfg.seqLen()];
    }

    /** One optimizer step's learning rate, mean loss (nats/token) and pre-clip gradient norm. */
    public record StepResult(double lr, double loss, double gradNorm) {
    }

    /**
     * Runs optimizer step {@code step} (0-based): beforeStep, zero gradients, grad_accum
     * micro-batches of forward + backward, non-finite check, clipping, AdamW. Throws
     * {@link TrainingDivergedException} (parameters untouched) when the loss or norm is not finite.
     */
    public StepResult step(long step) {
        double lr = cfg.schedule().at(step);
        model.beforeStep();
        for (Parameter p : model.parameters()) {
            p.zeroGrad();
        }
        double nll = 0;
        long scored = 0;
        for (int micro = 0; micro < cfg.gradAccum(); micro++) {
            data.trainBatch(cfg.seed(), step, micro, tokenBuf, targetBuf, cfg.batchSize(), cfg.seqLen());
            StepLoss l = model.forwardBackward(tokenBuf, targetBuf, cfg.batchSize(), cfg.seqLen(),
                    1f / cfg.gradAccum());
            nll += l.nll();
            scored += l.tokens();
        }
        double loss = nll / scored;
        if (!Double.isFinite(loss)) {
            throw diverged(step + 1, "loss is " + loss, lr);
        }
        // Lazy tables get the clip factor inside the optimizer's row pass (AdamW#deferGradScale).
        double gradNorm = clipGroups.clip(kernels, cfg.gradClip(), optimizer);
        if (!Double.isFinite(gradNorm)) {
            optimizer.dropDeferredGradScales();
            throw diverged(step + 1, "gradient norm is " + gradNorm + " (loss " + loss + ")", lr);
        }
        // The lazy tables' touched rows are zeroed in the optimizer's row pass, so the
        // zeroGrad above skips them next step.
        optimizer.step(true);
        model.afterStep(step + 1, cfg.seed(), optimizer::reset);
        return new StepResult(lr, loss, gradNorm);
    }

    public AdamW optimizer() {
        return optimizer;
    }

    /** Trains from scratch or from the checkpoint in {@code out} up to max_steps (or stopAfterStep). */
    public Result run() throws IOException {
        Path out = opts.out();
        Checkpoints.TrainState state = start(out);
        runId = state.runId();
        long step = state.step();
        long tokens = state.tokens();
        int batch = cfg.batchSize();
        int seq = cfg.seqLen();
        double loss = Double.NaN;
        EvalResult eval = null;
        long lastLogTokens = tokens;
        long lastLogNanos = System.nanoTime();
        try (MetricsLog metrics = opts.resume() ? MetricsLog.resume(out.resolve("metrics.jsonl"), step)
                : MetricsLog.create(out.resolve("metrics.jsonl"));
             TrainProgress progress = opts.progressBar()
                     ? TrainProgress.start(opts.log(), tokens, cfg.tokensPerStep() * cfg.maxSteps())
                     : TrainProgress.disabled()) {
            while (step < cfg.maxSteps()) {
                StepResult sr = step(step);
                double lr = sr.lr();
                double gradNorm = sr.gradNorm();
                loss = sr.loss();
                step++;
                tokens += cfg.tokensPerStep();
                progress.update(step, tokens, loss);
                if (step % cfg.logEvery() == 0 || step == 1 || step == cfg.maxSteps()) {
                    long now = System.nanoTime();
                    double tps = (tokens - lastLogTokens) / Math.max(1e-9, (now - lastLogNanos) / 1e9);
                    lastLogTokens = tokens;
                    lastLogNanos = now;
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("type", "train");
                    e.put("step", step);
                    e.put("tokens", tokens);
                    e.put("lr", lr);
                    e.put("loss", loss);
                    e.put("grad_norm", gradNorm);
                    e.put("tokens_per_s", tps);
                    metrics.write(e);
                }
                boolean last = step == cfg.maxSteps();
                if (step % cfg.evalEvery() == 0 || last) {
                    optimizer.catchUpAll();
                    // Memory/MoE statistics of the training steps since the last evaluation; the
                    // evaluation's own forwards are then drained and dropped.
                    Map<String, Double> diagnostics = model.drainDiagnostics();
                    eval = evaluate(model, data, cfg.evalTokens(), batch, seq);
                    model.drainDiagnostics();
                    Map<String, Object> entry = evalEntry(step, tokens, eval);
                    entry.putAll(diagnostics);
                    metrics.write(entry);
                    for (String warning : collapseWatch.check(step, diagnostics)) {
                        if (opts.log() != null) {
                            opts.log().println((progress.isBar() ? "\n" : "") + warning);
                        }
                    }
                    // Plain progress lines are whole lines, so the evaluation line can go between them.
                    if (!progress.isBar() && opts.log() != null) {
                        opts.log().printf(Locale.ROOT, "step %d: train loss %.4f, val loss %.4f, bpb %.4f%n",
                                step, loss, eval.loss(), eval.bitsPerByte());
                    }
                }
                if (step == opts.stopAfterStep() && !last) {
                    if (step % cfg.checkpointEvery() == 0) {
                        save(out, step, tokens);
                    }
                    break;
                }
                if (step % cfg.checkpointEvery() == 0 || last) {
                    if (last) {
                        optimizer.catchUpAll();
                    }
                    save(out, step, tokens);
                }
            }
        }
        return new Result(step, tokens, loss, eval);
    }

    /**
     * Settles what a crash may have left in {@code out}, then loads the checkpoint (resume) or
     * checks that there is none to overwrite (fresh start, which makes a new run id).
     */
    private Checkpoints.TrainState start(Path out) throws IOException {
        String recovered = Checkpoints.recoverInterruptedSave(out);
        if (recovered != null && opts.log() != null) {
            opts.log().println((opts.resume() ? "resume: " : "start: ") + recovered);
        }
        if (opts.resume()) {
            if (!Checkpoints.hasTrainingCheckpoint(out)) {
                throw new IOException("--resume: " + out + " holds no complete training checkpoint (config.json, "
                        + "model.safetensors, optimizer.safetensors); run without --resume to start a new run");
            }
            Checkpoints.loadParameters(out, model);
            Checkpoints.TrainState s = Checkpoints.loadOptimizer(out, optimizer);
            if (s.seed() != cfg.seed()) {
                throw new IllegalArgumentException("--resume: checkpoint in " + out + " was trained with seed "
                        + s.seed() + " but the config says training.seed=" + cfg.seed() + "; use the same config");
            }
            if (s.step() >= cfg.maxSteps()) {
                throw new IllegalArgumentException("--resume: checkpoint in " + out + " is at step " + s.step()
                        + ", already at training.max_steps=" + cfg.maxSteps() + "; raise max_steps to train longer");
            }
            // a checkpoint from before run ids gets one now, stamped on both files at the next save
            return s.runId() != null ? s : new Checkpoints.TrainState(s.step(), s.tokens(), s.seed(), newRunId());
        }
        if (Files.exists(out.resolve(Checkpoints.MODEL)) || Files.exists(out.resolve(Checkpoints.OPTIMIZER))) {
            throw new IllegalArgumentException("output directory " + out + " already holds a checkpoint; pass "
                    + "--resume to continue it, or choose another --out");
        }
        Files.createDirectories(out);
        return new Checkpoints.TrainState(0, 0, cfg.seed(), newRunId());
    }

    private static String newRunId() {
        return UUID.randomUUID().toString();
    }

    private void save(Path out, long step, long tokens) throws IOException {
        try {
            Checkpoints.save(out, model, cfg, optimizer, opts.tokenizer(),
                    new Checkpoints.TrainState(step, tokens, cfg.seed(), runId), opts.provenance());
        } catch (IOException e) {
            String next = Checkpoints.hasTrainingCheckpoint(out)
                    ? "continue with --resume: the last complete checkpoint in " + out + " is intact"
                    : "run the same command again: no checkpoint had been completed, so it starts afresh";
            throw new IOException("saving the step-" + step + " checkpoint into " + out + " failed: "
                    + e.getMessage() + "; training stopped there. Once fixed, " + next, e);
        }
    }

    private TrainingDivergedException diverged(long step, String what, double lr) {
        String kept = opts.out() != null && Checkpoints.hasTrainingCheckpoint(opts.out())
                ? "the last good checkpoint in " + opts.out() + " is kept"
                : "no checkpoint had been written yet";
        return new TrainingDivergedException(step, String.format(Locale.ROOT,
                "training diverged at step %d: %s (lr %.3g); %s. Fix: lower training.lr (e.g. --set training.lr=%.3g),"
                        + " raise training.warmup_steps or keep training.grad_clip at 1.0, and check the data"
                        + " (re-run `ultramem data prepare`)", step, what, lr, kept, cfg.lr() / 3));
    }

    private static Map<String, Object> evalEntry(long step, long tokens, EvalResult e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", "eval");
        m.put("step", step);
        m.put("tokens", tokens);
        m.put("val_loss", e.loss());
        m.put("val_ppl", e.perplexity());
        m.put("val_bpb", e.bitsPerByte());
        m.put("val_tokens", e.tokens());
        return m;
    }

    /**
     * Scores the first {@code maxTokens} evaluation tokens in windows of {@code seq}, {@code batch}
     * windows per forward. Bits per byte = loss · tokens / bytes / ln 2 with bytes = tokens ·
     * bytesPerToken, i.e. loss / (bytesPerToken · ln 2).
     */
    public static EvalResult evaluate(LanguageModel model, BatchSource data, long maxTokens, int batch, int seq) {
        long windows = data.evalWindows(seq, maxTokens);
        if (windows == 0) {
            throw new IllegalArgumentException("the evaluation split has fewer than 2 tokens within the first "
                    + maxTokens + "; raise eval_tokens or prepare more data");
        }
        int[] tokens = new int[batch * seq];
        int[] targets = new int[batch * seq];
        double nll = 0;
        long scored = 0;
        for (long first = 0; first < windows; first += batch) {
            int count = (int) Math.min(batch, windows - first);
            data.evalBatch(first, seq, maxTokens, tokens, targets);
            StepLoss l = model.forwardLoss(tokens, targets, count, seq);
            nll += l.nll();
            scored += l.tokens();
        }
        double loss = nll / scored;
        double bpb = loss / (data.bytesPerToken() * Math.log(2));
        return new EvalResult(loss, Math.exp(loss), bpb, scored);
    }
}
