package org.ultramem.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongToDoubleFunction;
import java.util.regex.Pattern;
import org.ultramem.io.MemoryBudget;
import org.ultramem.model.RetrievalRule;
import org.ultramem.model.ValueTableRule;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.Kernels;
import org.ultramem.tensor.kernel.Parallel;

/**
 * AdamW with decoupled weight decay (Loshchilov &amp; Hutter), one {@link Kernels#adamw} call per
 * parameter (or per touched row), driven by an {@link LrSchedule}.
 *
 * <p><b>Groups.</b> A parameter is decayed unless excluded: with {@code noDecay == null} the
 * model's own {@link Parameter.Group#NO_DECAY} marks decide; with a pattern list, a parameter is
 * excluded iff its name matches one of the glob patterns ({@code *} any run, {@code ?} one
 * character; an empty list decays everything, as the reference does). {@link Parameter.Group#VALUES}
 * parameters use the learning rate {@code schedule.valuesAt(t)} (spec §D.3), unless the model
 * gives the table a {@link ValueTableRule} (its layer's {@code value_lr_mult} /
 * {@code value_lr_decay_frac}, or PKM's own {@code pkm_value_lr} peak); a rule may also exempt
 * its table from weight decay ({@code value_weight_decay: false}). Parameters with a
 * {@link RetrievalRule} (UltraMem {@code retrieval_lr_mult}, {@code retrieval_warmup_steps}) use
 * {@code mult · min(lr(t), lr · (t+1)/W)}. Names (for patterns, messages and checkpoints) are the
 * model's checkpoint names.
 *
 * <p><b>Values modes.</b> {@link ValuesMode#DENSE} updates every row of every value table every
 * step, as the reference does (spec §B.4). {@link ValuesMode#LAZY} updates only the rows of a
 * row-sparse VALUES parameter touched this step; a table is lazy when the settings say LAZY or its
 * rule asks for it ({@code value_optimizer: "lazy_adamw"}). Each row keeps {@code s}, the Adam step count up
 * to which it is current. When it is next touched at count {@code t} (lr_j = value lr at count j,
 * 1-based; λ = weight decay) the skipped counts j = s+1 … t−1 are caught up first:
 * <pre>
 *   p ← p · Π_{j=s+1}^{t−1} (1 − lr_j·λ)      (weight decay of the skipped steps; product in double)
 *   m ← β1^{t−1−s} · m,   v ← β2^{t−1−s} · v   (moment decay of the skipped steps)
 * </pre>
 * and then the ordinary AdamW step t runs on the row. For a row whose moments are zero (no
 * gradient yet) this equals dense AdamW with zero gradient up to float rounding: dense AdamW's
 * update term m̂/(√v̂+ε) is then 0, leaving exactly the decay. A row with non-zero moments would,
 * under dense AdamW, also drift by lr_j·m̂_j/(√v̂_j+ε) during the skipped steps; the lazy mode omits
 * that drift (the one approximation, as in lazy/sparse Adam). {@link #catchUpAll()} brings every
 * row current (before evaluation and the final checkpoint).
 *
 * <p>{@link #reset} (usable as an {@link org.ultramem.nn.ParameterReset}) zeroes the moments of
 * part of a parameter that its layer re-initialised (UltraMem's dead sub-key restart), as for a
 * parameter never updated.
 *
 * <p>The step count is the only time state; with the schedule a pure function of the step, saving
 * m, v, the count and the per-row counters resumes the optimizer exactly.
 */
public final class AdamW {

    /** How VALUES parameters are updated. */
    public enum ValuesMode { DENSE, LAZY }

    /** Hyper-parameters other than the learning rate. {@code noDecay} may be null (use groups). */
    public record Settings(double beta1, double beta2, double eps, double weightDecay,
                           List<String> noDecay, ValuesMode valuesMode) {
    }

    private final Kernels kernels;
    private final LrSchedule schedule;
    private final Settings settings;
    private final List<Parameter> params;
    private final List<String> names;
    /**
     * Learning rate of parameter i at schedule step t when it has its own (VALUES tables, and
     * retrieval parameters with a {@link RetrievalRule}); null for the base schedule.
     */
    private final LongToDoubleFunction[] valueLr;
    private final float[][] m;
    private final float[][] v;
    private final float[] weightDecay;
    /** Per-row Adam step count for lazily updated parameters, null for the others. */
    private final long[][] rowStep;
    /** logDecay[i][c] = Σ_{j=1..c} ln(1 − lr_i(j) · λ) for lazy parameter i; grown on demand. */
    private final double[][] logDecay;
    /**
     * Gradient factor a lazy parameter's rows get inside the next {@link #step} (the clip factor
     * {@link #deferGradScale} moved there); 1 when none is pending.
     */
    private final float[] pendingGradScale;
    private long step;

    public AdamW(Kernels kernels, List<Parameter> params, LrSchedule schedule, Settings settings) {
        this(kernels, byOwnName(params), schedule, settings, Map.of());
    }

    /**
     * An optimizer over {@code named} (checkpoint name → parameter, in order); {@code rules}
     * (by the same names) set the learning rate and mode of individual VALUES tables.
     */
    public AdamW(Kernels kernels, Map<String, Parameter> named, LrSchedule schedule, Settings settings,
                 Map<String, ValueTableRule> rules) {
        this(kernels, named, schedule, settings, rules, Map.of());
    }

    /**
     * As above; {@code retrieval} (by checkpoint name) gives retrieval parameters their own
     * learning rate ({@link #retrievalSchedule}).
     */
    public AdamW(Kernels kernels, Map<String, Parameter> named, LrSchedule schedule,
                 Settings settings, Map<String, ValueTableRule> rules,
                 Map<String, RetrievalRule> retrieval) {
        this.kernels = kernels;
        this.schedule = schedule;
        this.settings = settings;
        this.params = List.copyOf(named.values());
        this.names = List.copyOf(named.keySet());
        int n = this.params.size();
        requireHeap(this.params);
        m = new float[n][];
        v = new float[n][];
        weightDecay = new float[n];
        rowStep = new long[n][];
        valueLr = new LongToDoubleFunction[n];
        logDecay = new double[n][];
        pendingGradScale = new float[n];
        Arrays.fill(pendingGradScale, 1f);
        List<Pattern> patterns = settings.noDecay() == null ? null : compile(settings.noDecay());
        for (int i = 0; i < n; i++) {
            Parameter p = this.params.get(i);
            m[i] = new float[p.numel()];
            v[i] = new float[p.numel()];
            weightDecay[i] = decays(names.get(i), p, patterns) ? (float) settings.weightDecay() : 0f;
            RetrievalRule own = retrieval.get(names.get(i));
            if (own != null) {
                valueLr[i] = retrievalSchedule(schedule, own);
            }
            if (p.group != Parameter.Group.VALUES) {
                continue;
            }
            ValueTableRule rule = rules.get(names.get(i));
            if (rule != null && !rule.weightDecay()) {
                weightDecay[i] = 0f;
            }
            valueLr[i] = valueSchedule(schedule, rule);
            boolean lazy = settings.valuesMode() == ValuesMode.LAZY || (rule != null && rule.lazy());
            if (lazy && p.rowSparse()) {
                rowStep[i] = new long[p.numel() / p.rowWidth];
                logDecay[i] = new double[1];
            }
        }
    }

    /** Refuses clearly, before allocating, moments (and row counters) that do not fit the heap. */
    private static void requireHeap(List<Parameter> params) {
        long bytes = 0;
        for (Parameter p : params) {
            bytes += 8L * p.numel() + (p.rowSparse() ? 8L * (p.numel() / p.rowWidth) : 0);
        }
        MemoryBudget.requireHeap("the AdamW optimizer state (two moments per parameter)", bytes,
                "train a smaller model");
    }

    private static Map<String, Parameter> byOwnName(List<Parameter> params) {
        Map<String, Parameter> m = new LinkedHashMap<>();
        for (Parameter p : params) {
            if (m.put(p.name, p) != null) {
                throw new IllegalArgumentException("two parameters are named `" + p.name
                        + "`; pass the model's parametersByName() instead");
            }
        }
        return m;
    }

    /** A VALUES table's learning rate by schedule step (see {@link ValueTableRule}). */
    static LongToDoubleFunction valueSchedule(LrSchedule base, ValueTableRule rule) {
        if (rule == null) {
            return base::valuesAt;
        }
        if (rule.hasOwnPeak()) {
            double peak = rule.peakLr();
            return t -> base.lr() == 0 ? 0 : peak * base.at(t) / base.lr();
        }
        LrSchedule s = new LrSchedule(base.lr(), base.minLrRatio(), base.warmupSteps(),
                base.maxSteps(), rule.lrMult(), rule.lrDecayFrac());
        return s::valuesAt;
    }

    /** A retrieval parameter's learning rate by schedule step (see {@link RetrievalRule}). */
    static LongToDoubleFunction retrievalSchedule(LrSchedule base, RetrievalRule rule) {
        double mult = rule.lrMult();
        int warmup = rule.warmupSteps();
        if (warmup == 0) {
            return t -> mult * base.at(t);
        }
        return t -> mult * Math.min(base.at(t), base.lr() * (t + 1) / warmup);
    }

    /** The learning rate parameter {@code p} gets at schedule step {@code step}. */
    public double learningRate(Parameter p, long step) {
        int i = indexOf(p);
        return valueLr[i] != null ? valueLr[i].applyAsDouble(step) : schedule.at(step);
    }

    /** Whether {@code p} is updated lazily (touched rows only). */
    public boolean isLazy(Parameter p) {
        return rowStep[indexOf(p)] != null;
    }

    private static boolean decays(String name, Parameter p, List<Pattern> patterns) {
        if (patterns == null) {
            return p.group != Parameter.Group.NO_DECAY;
        }
        for (Pattern pat : patterns) {
            if (pat.matcher(name).matches()) {
                return false;
            }
        }
        return true;
    }

    /** Compiles glob patterns: {@code *} matches any run of characters, {@code ?} one character. */
    static List<Pattern> compile(List<String> globs) {
        List<Pattern> out = new ArrayList<>();
        for (String g : globs) {
            StringBuilder re = new StringBuilder();
            for (char c : g.toCharArray()) {
                switch (c) {
                    case '*' -> re.append(".*");
                    case '?' -> re.append('.');
                    default -> re.append(Pattern.quote(String.valueOf(c)));
                }
            }
            out.add(Pattern.compile(re.toString()));
        }
        return out;
    }

    /** Whether parameter {@code p} receives weight decay under these settings. */
    public boolean isDecayed(Parameter p) {
        return weightDecay[indexOf(p)] != 0f;
    }

    private int indexOf(Parameter p) {
        int i = params.indexOf(p);
        if (i < 0) {
            throw new IllegalArgumentException("parameter " + p.name + " is not managed by this optimizer");
        }
        return i;
    }

    /** Optimizer steps taken so far (the next step uses schedule step {@code stepCount()}). */
    public long stepCount() {
        return step;
    }

    /**
     * Has the next {@link #step} multiply the gradient of lazy parameter {@code p} by
     * {@code factor} as it updates each touched row, instead of the caller scaling the gradient
     * in a pass of its own (the clip's scale: the row is then read once, in one kernel call with
     * the catch-up and the update). The step's result is that of scaling first, bit for bit;
     * p's gradient itself is left unscaled. At most one pending factor per parameter; {@link
     * #dropDeferredGradScales} forgets them (a step that is not taken).
     */
    public void deferGradScale(Parameter p, float factor) {
        int i = indexOf(p);
        if (rowStep[i] == null) {
            throw new IllegalArgumentException("parameter " + names.get(i) + " is not updated "
                    + "lazily; scale its gradient directly");
        }
        if (pendingGradScale[i] != 1f) {
            throw new IllegalStateException("parameter " + names.get(i) + " already has a "
                    + "deferred gradient factor (" + pendingGradScale[i] + ") for this step");
        }
        pendingGradScale[i] = factor;
    }

    /** Forgets every factor of {@link #deferGradScale} not yet applied by a {@link #step}. */
    public void dropDeferredGradScales() {
        Arrays.fill(pendingGradScale, 1f);
    }

    /** Applies one AdamW step to every parameter from its current gradient. */
    public void step() {
        step(false);
    }

    /**
     * As {@link #step()}; with {@code consumeLazyGrads} each lazily updated parameter's touched
     * rows also have their gradient zeroed and their marks cleared in the same row pass
     * ({@link Parameter#consumeTouchedRows}), so the next {@link Parameter#zeroGrad} finds
     * nothing to do for them: for a trainer that zeroes every gradient before the next step
     * anyway, one pass over the value tables' touched rows less. Parameters and moments are
     * the same bits either way.
     */
    public void step(boolean consumeLazyGrads) {
        long t = step + 1;
        float bc1 = (float) (1 - Math.pow(settings.beta1(), t));
        float bc2 = (float) (1 - Math.pow(settings.beta2(), t));
        float b1 = (float) settings.beta1();
        float b2 = (float) settings.beta2();
        float eps = (float) settings.eps();
        for (int i = 0; i < params.size(); i++) {
            Parameter p = params.get(i);
            float lr = (float) (valueLr[i] != null ? valueLr[i].applyAsDouble(step) : schedule.at(step));
            if (rowStep[i] == null) {
                kernels.adamw(p.data, p.grad, m[i], v[i], 0, p.numel(), lr, b1, b2, eps, weightDecay[i], bc1, bc2);
                continue;
            }
            lazyStep(i, t, lr, b1, b2, eps, bc1, bc2, pendingGradScale[i], consumeLazyGrads);
            pendingGradScale[i] = 1f;
        }
        step = t;
    }

    /**
     * AdamW step {@code t} on the touched rows of lazy parameter {@code i}, each first caught up to
     * count t − 1 and its gradient scaled by {@code gradScale}, in one kernel pass per row
     * ({@link Kernels#adamwScaled}: the same floats as scaling the row's parameter, moments and
     * gradient first, as {@link #catchUpRow} and a clip pass did). Rows are independent, so they
     * are split over the kernel threads (in address order, which streams where first-touch order
     * jumps); every row gets the same operations as one thread would give it. With
     * {@code consume} the pass also zeroes each row's gradient ({@link #step(boolean)}).
     */
    private void lazyStep(int i, long t, float lr, float b1, float b2, float eps, float bc1,
                          float bc2, float gradScale, boolean consume) {
        Parameter p = params.get(i);
        CatchUp factors = catchUpFactors(i, t - 1);
        long upTo = t - 1;
        Parameter.RowTask update = r -> {
            long s0 = rowStep[i][r];
            // Scales of 1 (a row current at t − 1) leave every float as it is.
            kernels.adamwScaled(p.data, p.grad, m[i], v[i], r * p.rowWidth, p.rowWidth,
                    gradScale, decayFactor(i, s0, factors),
                    momentFactor(settings.beta1(), factors.beta1Pow(), upTo - s0),
                    momentFactor(settings.beta2(), factors.beta2Pow(), upTo - s0),
                    lr, b1, b2, eps, weightDecay[i], bc1, bc2);
            rowStep[i][r] = t;
        };
        if (consume) {
            p.consumeTouchedRows(update);
            return;
        }
        int[] rows = p.touchedRowsAscending();
        Parallel.forRange(p.touchedCount(), Parameter.ROWS_PER_TASK, (s, e) -> {
            for (int k = s; k < e; k++) {
                update.run(rows[k]);
            }
        });
    }

    /**
     * The catch-up factors of lazy parameter {@code i} up to Adam count {@code upTo}, by number of
     * skipped counts: weight decay Π(1 − lr_j·λ) and the moment decays β1^n, β2^n, each the same
     * expression a row computed for itself before (so the same float), tabulated for the first
     * {@value #TABULATED_SKIPS} skips because most rows skip few steps and a row pays three
     * transcendental calls otherwise.
     */
    private CatchUp catchUpFactors(int i, long upTo) {
        if (weightDecay[i] != 0f) {
            ensureLogDecay(i, upTo);
        }
        int n = (int) Math.min(TABULATED_SKIPS, upTo);
        float[] decay = new float[n + 1];
        float[] m1 = new float[n + 1];
        float[] m2 = new float[n + 1];
        for (int skipped = 1; skipped <= n; skipped++) {
            decay[skipped] = weightDecayFactor(i, upTo - skipped, upTo);
            m1[skipped] = (float) Math.pow(settings.beta1(), skipped);
            m2[skipped] = (float) Math.pow(settings.beta2(), skipped);
        }
        return new CatchUp(upTo, decay, m1, m2);
    }

    /** Most skipped counts whose catch-up factors are tabulated per step. */
    private static final int TABULATED_SKIPS = 64;

    /** Catch-up factors up to Adam count {@code upTo}, by skipped counts (index 0 unused). */
    private record CatchUp(long upTo, float[] decay, float[] beta1Pow, float[] beta2Pow) {
    }

    /** Weight-decay factor of lazy parameter {@code i} from Adam count s to upTo. */
    private float weightDecayFactor(int i, long s, long upTo) {
        if (weightDecay[i] == 0f) {
            return 1f;
        }
        return (float) Math.exp(logDecay[i][(int) upTo] - logDecay[i][(int) s]);
    }

    /** Brings row {@code r} of lazy parameter {@code i} current up to Adam count {@code f.upTo}. */
    private void catchUpRow(int i, int r, CatchUp f) {
        long s = rowStep[i][r];
        long skipped = f.upTo() - s;
        if (skipped <= 0) {
            return;
        }
        Parameter p = params.get(i);
        int off = r * p.rowWidth;
        if (weightDecay[i] != 0f) {
            kernels.scale(p.data, off, decayFactor(i, s, f), p.rowWidth);
        }
        kernels.scale(m[i], off, momentFactor(settings.beta1(), f.beta1Pow(), skipped),
                p.rowWidth);
        kernels.scale(v[i], off, momentFactor(settings.beta2(), f.beta2Pow(), skipped),
                p.rowWidth);
        rowStep[i][r] = f.upTo();
    }

    /**
     * Weight-decay catch-up of lazy parameter {@code i} for a row current at Adam count s, up to
     * {@code f.upTo}: 1 without skipped counts or without weight decay.
     */
    private float decayFactor(int i, long s, CatchUp f) {
        long skipped = f.upTo() - s;
        if (skipped <= 0 || weightDecay[i] == 0f) {
            return 1f;
        }
        return skipped < f.decay().length ? f.decay()[(int) skipped]
                : weightDecayFactor(i, s, f.upTo());
    }

    /** β^skipped for a moment's catch-up (tabulated for few skips), 1 without skipped counts. */
    private static float momentFactor(double beta, float[] tabulated, long skipped) {
        if (skipped <= 0) {
            return 1f;
        }
        return skipped < tabulated.length ? tabulated[(int) skipped]
                : (float) Math.pow(beta, skipped);
    }

    private void ensureLogDecay(int i, long count) {
        if (count < logDecay[i].length) {
            return;
        }
        int old = logDecay[i].length;
        double[] d = Arrays.copyOf(logDecay[i], (int) Math.max(count + 1, 2L * old));
        for (int c = old; c < d.length; c++) {
            // Adam count c is schedule step c − 1.
            double lr = valueLr[i].applyAsDouble(c - 1);
            d[c] = d[c - 1] + Math.log1p(-lr * settings.weightDecay());
        }
        logDecay[i] = d;
    }

    /**
     * Forgets the state of {@code p.data[offset, offset + length)}: zero moments (as if never
     * updated); rows of a lazy table become current at the present step, so no skipped decay is
     * applied to the re-initialised entries.
     */
    public void reset(Parameter p, int offset, int length) {
        int i = indexOf(p);
        if (offset < 0 || length < 0 || offset + length > p.numel()) {
            throw new IllegalArgumentException("reset range [" + offset + ", " + (offset + length)
                    + ") is outside parameter " + names.get(i) + " of " + p.numel() + " entries");
        }
        Arrays.fill(m[i], offset, offset + length, 0f);
        Arrays.fill(v[i], offset, offset + length, 0f);
        if (rowStep[i] != null && length > 0) {
            for (int r = offset / p.rowWidth; r <= (offset + length - 1) / p.rowWidth; r++) {
                rowStep[i][r] = step;
            }
        }
    }

    /** Applies every lazily skipped step to every row, so all parameters are current. */
    public void catchUpAll() {
        for (int i = 0; i < params.size(); i++) {
            if (rowStep[i] == null) {
                continue;
            }
            int pi = i;
            CatchUp factors = catchUpFactors(i, step);
            Parallel.forRange(rowStep[i].length, Parameter.ROWS_PER_TASK, (s, e) -> {
                for (int r = s; r < e; r++) {
                    catchUpRow(pi, r, factors);
                }
            });
        }
    }

    // ---- state for checkpoints ----

    public List<Parameter> parameters() {
        return params;
    }

    /** Checkpoint name of parameter {@code i}. */
    public String name(int i) {
        return names.get(i);
    }

    public Settings settings() {
        return settings;
    }

    /** First moment of parameter {@code i} (live buffer). */
    public float[] firstMoment(int i) {
        return m[i];
    }

    /** Second moment of parameter {@code i} (live buffer). */
    public float[] secondMoment(int i) {
        return v[i];
    }

    /** Per-row Adam counts of lazily updated parameter {@code i} (live buffer), or null. */
    public long[] rowSteps(int i) {
        return rowStep[i];
    }

    /** Sets the step count when restoring from a checkpoint (moments are restored in place). */
    public void restoreStepCount(long stepCount) {
        if (stepCount < 0) {
            throw new IllegalArgumentException("optimizer step count (" + stepCount + ") must be >= 0");
        }
        this.step = stepCount;
    }
}
