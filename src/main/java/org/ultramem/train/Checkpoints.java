package org.ultramem.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ultramem.io.AtomicFiles;
import org.ultramem.io.ConfigException;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.CrashPoints;
import org.ultramem.io.DType;
import org.ultramem.io.Provenance;
import org.ultramem.io.RegularFiles;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.SafeTensorsWriter;
import org.ultramem.io.TensorInfo;
import org.ultramem.model.CheckpointValidator;
import org.ultramem.model.LanguageModel;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;

/**
 * Checkpoints in the Hugging Face layout, one directory per run:
 * <pre>
 *   config.json            model keys at top level + "training" object
 *   model.safetensors      every parameter, F32, by checkpoint name; every buffer (UltraMem u/v
 *                          F32, π I32, PKM BatchNorm statistics F32); __metadata__: provenance,
 *                          step, tokens, seed, run_id, tokenizer_sha256 (the copied
 *                          tokenizer's identity)
 *   tokenizer.json         copied from the data directory
 *   optimizer.safetensors  step, tokens (I64 [1]); m/NAME, v/NAME (F32); row_step/NAME (I64, lazy
 *                          value tables only); __metadata__: step, seed, run_id
 * </pre>
 * A training save writes config.json and tokenizer.json first (the same content at every save of
 * a run), then replaces the model and optimizer files as a pair: both are first written
 * completely as {@code *.pending} (each atomically: temp file, fsync, rename), the optimizer's
 * first, then renamed over the old pair, optimizer first. A crash leaves one of three states,
 * which {@link #recoverInterruptedSave} settles at the start of every run in the directory: both
 * pending files present (roll both forward), only the model's (the optimizer's rename happened:
 * roll it forward), or only the optimizer's (the new pair never completed: drop it, the old pair
 * stands); stale temp files are deleted. So after any crash the directory holds either a complete
 * pair (resumable) or no pair at all (a fresh start accepts it), never a pair without config.json.
 *
 * <p>A pair is identified by its step and its run id: a random UUID made at a run's fresh start
 * and kept through resumes, stamped into both files. {@link #loadOptimizer} refuses a pair whose
 * steps or run ids differ (files copied in from another run or seed). Within one run the step
 * pins the content, since training is bit-exact. The data position needs no state of its own:
 * batches are a function of (seed, step).
 */
public final class Checkpoints {

    public static final String CONFIG = "config.json";
    public static final String MODEL = "model.safetensors";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String OPTIMIZER = "optimizer.safetensors";
    /** Suffix of a new model or optimizer file written but not yet renamed into place. */
    public static final String PENDING = ".pending";

    private Checkpoints() {
    }

    /** Metadata key of the run id in both files of a pair. */
    public static final String RUN_ID = "run_id";

    /**
     * Where a run stands: optimizer steps done, tokens seen, the run's seed, and its run id (null
     * for checkpoints written before run ids existed).
     */
    public record TrainState(long step, long tokens, long seed, String runId) {
    }

    /**
     * Writes config.json, model.safetensors and (when {@code tokenizer} is non-null and exists)
     * tokenizer.json into {@code dir}. {@code training} may be null (a model-only export).
     */
    public static void saveModel(Path dir, LanguageModel model, TrainConfig training, Path tokenizer,
                                 TrainState state, Map<String, String> provenance) throws IOException {
        Files.createDirectories(dir);
        writeModel(dir.resolve(MODEL), model, state, withTokenizer(provenance, tokenizer));
        writeConfigAndTokenizer(dir, model, training, tokenizer);
    }

    /** The provenance plus the tokenizer's identity ({@link TokenizerIdentity}), when known. */
    private static Map<String, String> withTokenizer(Map<String, String> provenance,
            Path tokenizer) throws IOException {
        if (tokenizer == null || !Files.isRegularFile(tokenizer)) {
            return provenance;
        }
        Map<String, String> m = new LinkedHashMap<>(provenance);
        try {
            m.put(Provenance.KEY_TOKENIZER_HASH, TokenizerIdentity.of(tokenizer));
        } catch (IllegalArgumentException e) {
            return provenance; // not a tokenizer we can read: nothing to vouch for, save anyway
        }
        return m;
    }

    private static void writeModel(Path file, LanguageModel model, TrainState state,
                                   Map<String, String> provenance) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        for (Map.Entry<String, Parameter> e : model.parametersByName().entrySet()) {
            w.addF32(e.getKey(), e.getValue().data, e.getValue().shape);
        }
        for (Map.Entry<String, LanguageModel.Buffer> e : model.buffers().entrySet()) {
            LanguageModel.Buffer b = e.getValue();
            if (b.f32() != null) {
                w.addF32(e.getKey(), b.f32(), b.shape());
            } else {
                w.addI32(e.getKey(), b.i32(), b.shape());
            }
        }
        Map<String, String> meta = new LinkedHashMap<>();
        meta.putAll(provenance);
        if (state != null) {
            meta.put("step", Long.toString(state.step()));
            meta.put("tokens", Long.toString(state.tokens()));
            meta.put("seed", Long.toString(state.seed()));
            if (state.runId() != null) {
                meta.put(RUN_ID, state.runId());
            }
        }
        w.putMetadata(meta);
        w.write(file);
    }

    private static void writeConfigAndTokenizer(Path dir, LanguageModel model, TrainConfig training,
                                                Path tokenizer) throws IOException {
        ObjectNode config = model.config().toJsonNode();
        if (training != null) {
            config.set("training", training.toJson());
        }
        AtomicFiles.writeString(dir.resolve(CONFIG), ConfigJson.toPrettyJson(config) + "\n");
        if (tokenizer != null && Files.isRegularFile(tokenizer)
                && !tokenizer.toAbsolutePath().normalize().equals(dir.resolve(TOKENIZER).toAbsolutePath().normalize())) {
            AtomicFiles.write(dir.resolve(TOKENIZER), Files.readAllBytes(tokenizer));
        }
    }

    /** Writes an optimizer file: moments, per-row counters, step and tokens. */
    private static void writeOptimizer(Path file, AdamW opt, TrainState state) throws IOException {
        SafeTensorsWriter w = new SafeTensorsWriter();
        w.addI64("step", new long[] {state.step()}, 1);
        w.addI64("tokens", new long[] {state.tokens()}, 1);
        List<Parameter> ps = opt.parameters();
        for (int i = 0; i < ps.size(); i++) {
            Parameter p = ps.get(i);
            String name = opt.name(i);
            w.addF32("m/" + name, opt.firstMoment(i), p.shape);
            w.addF32("v/" + name, opt.secondMoment(i), p.shape);
            long[] rows = opt.rowSteps(i);
            if (rows != null) {
                w.addI64("row_step/" + name, rows, rows.length);
            }
        }
        w.putMetadata("step", Long.toString(state.step()));
        w.putMetadata("seed", Long.toString(state.seed()));
        if (state.runId() != null) {
            w.putMetadata(RUN_ID, state.runId());
        }
        w.write(file);
    }

    /**
     * A full training checkpoint: config and tokenizer, then the model/optimizer pair replaced as
     * a unit (see the class comment).
     */
    public static void save(Path dir, LanguageModel model, TrainConfig training, AdamW opt, Path tokenizer,
                            TrainState state, Map<String, String> provenance) throws IOException {
        Files.createDirectories(dir);
        writeConfigAndTokenizer(dir, model, training, tokenizer);
        writeOptimizer(dir.resolve(OPTIMIZER + PENDING), opt, state);
        writeModel(dir.resolve(MODEL + PENDING), model, state,
                withTokenizer(provenance, tokenizer));
        commitPending(dir, OPTIMIZER);
        commitPending(dir, MODEL);
    }

    /**
     * Settles what a crash left in {@code dir} (see the class comment): completes or drops an
     * interrupted pair and deletes stale temp files. Returns a one-line account of what it did,
     * or null when there was nothing to do. Call it holding the directory's {@link RunLock}, or
     * at least never while another process may be saving into it.
     */
    public static String recoverInterruptedSave(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return null;
        }
        List<String> temps = AtomicFiles.deleteStaleTemps(dir);
        String removed = temps.isEmpty() ? "" : "; deleted stale temp files " + String.join(", ", temps);
        Path model = dir.resolve(MODEL + PENDING);
        Path optimizer = dir.resolve(OPTIMIZER + PENDING);
        if (Files.exists(model)) {
            boolean both = Files.exists(optimizer);
            if (both) {
                commitPending(dir, OPTIMIZER);
            }
            commitPending(dir, MODEL);
            return "completed an interrupted checkpoint save in " + dir + " (renamed "
                    + (both ? OPTIMIZER + PENDING + " and " : "") + MODEL + PENDING + " into place)" + removed;
        }
        if (Files.exists(optimizer)) {
            Files.delete(optimizer);
            AtomicFiles.fsyncDirectory(dir);
            return "dropped " + optimizer + ": its checkpoint save was interrupted before the model"
                    + " file was written; the previous checkpoint, if any, stands" + removed;
        }
        return temps.isEmpty() ? null : "cleaned " + dir + ":" + removed.substring(1);
    }

    private static void commitPending(Path dir, String name) throws IOException {
        Files.move(dir.resolve(name + PENDING), dir.resolve(name),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.fsyncDirectory(dir);
        CrashPoints.reached("renamed " + name + PENDING + " to " + name);
    }

    /** The model config stored in {@code dir/config.json}; fails clearly when the directory is not a checkpoint. */
    public static ModelConfig readConfig(Path dir) {
        requireCheckpoint(dir);
        Path file = dir.resolve(CONFIG);
        ObjectNode root = ConfigJson.load(file);
        try {
            return ModelConfig.fromJson(root);
        } catch (ConfigException | IllegalArgumentException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /** The training config stored in {@code dir/config.json}, or null when it has none. */
    public static TrainConfig readTrainConfig(Path dir) {
        Path file = dir.resolve(CONFIG);
        JsonNode t = ConfigJson.load(file).get("training");
        try {
            return t == null ? null : TrainConfig.fromJson(t);
        } catch (ConfigException e) {
            throw new ConfigException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads {@code dir/config.json} and checks {@code dir/model.safetensors} against it with
     * {@link CheckpointValidator} (every name, dtype, shape and value); returns the config.
     */
    public static ModelConfig validate(Path dir) throws IOException {
        ModelConfig cfg = readConfig(dir);
        try (SafeTensorsFile st = open(dir.resolve(MODEL))) {
            CheckpointValidator.validate(st, cfg);
        }
        return cfg;
    }

    /**
     * Loads a checkpoint as a {@link Transformer} whose training buffers fit maxBatch × maxSeq.
     * The weights are validated against config.json ({@link CheckpointValidator}) before the
     * model is allocated, and the allocation is checked against the heap (Transformer).
     */
    public static Transformer loadModel(Path dir, int maxBatch, int maxSeq) throws IOException {
        ModelConfig cfg = readConfig(dir);
        Path file = dir.resolve(MODEL);
        try (SafeTensorsFile st = open(file)) {
            CheckpointValidator.validate(st, cfg);
            Transformer model = new Transformer(cfg, maxBatch,
                    Math.min(maxSeq, cfg.maxPositionEmbeddings()), 0);
            copyParameters(st, file, model);
            return model;
        }
    }

    /**
     * Overwrites every parameter and buffer of {@code model} from {@code dir/model.safetensors}
     * after {@link CheckpointValidator} has checked every name, dtype, shape and value.
     */
    public static void loadParameters(Path dir, LanguageModel model) throws IOException {
        Path file = dir.resolve(MODEL);
        try (SafeTensorsFile st = open(file)) {
            CheckpointValidator.validate(st, model.config());
            copyParameters(st, file, model);
        }
    }

    private static void copyParameters(SafeTensorsFile st, Path file, LanguageModel model)
            throws IOException {
        for (Map.Entry<String, Parameter> e : model.parametersByName().entrySet()) {
            String name = e.getKey();
            Parameter p = e.getValue();
            requireTensor(st, file, name, p.shape);
            float[] data = st.readF32(name);
            System.arraycopy(data, 0, p.data, 0, data.length);
        }
        Map<String, LanguageModel.Buffer> saved = new LinkedHashMap<>();
        for (Map.Entry<String, LanguageModel.Buffer> e : model.buffers().entrySet()) {
            String name = e.getKey();
            LanguageModel.Buffer b = e.getValue();
            requireTensor(st, file, name, b.shape());
            saved.put(name, b.f32() != null
                    ? LanguageModel.Buffer.ofF32(st.readF32(name), b.shape())
                    : LanguageModel.Buffer.ofI32(st.readI32(name), b.shape()));
        }
        try {
            model.loadBuffers(saved);
        } catch (IllegalArgumentException ex) {
            throw new IOException(file + ": " + ex.getMessage(), ex);
        }
    }

    private static void requireTensor(SafeTensorsFile st, Path file, String name, int[] shape) throws IOException {
        if (!st.contains(name)) {
            throw new IOException(file + " has no tensor `" + name + "`: it was saved by a different"
                    + " model; check that config.json belongs to this checkpoint");
        }
        TensorInfo info = st.info(name);
        // Compared as longs: a file's dimension beyond int range is a mismatch, not a crash.
        if (!Arrays.equals(info.shape(), Arrays.stream(shape).asLongStream().toArray())) {
            throw new IOException(file + ": tensor `" + name + "` has shape "
                    + Arrays.toString(info.shape()) + " but config.json implies " + Arrays.toString(shape));
        }
    }

    /**
     * Restores {@code opt} (moments, row counters, step) from {@code dir/optimizer.safetensors}
     * and returns the run's state; fails when the optimizer and model files are not one pair
     * (different steps or run ids) or their metadata is damaged.
     */
    public static TrainState loadOptimizer(Path dir, AdamW opt) throws IOException {
        Path file = dir.resolve(OPTIMIZER);
        Path modelFile = dir.resolve(MODEL);
        long modelStep;
        String modelRun;
        try (SafeTensorsFile model = open(modelFile)) {
            if (model.metadata().get("step") == null) {
                throw new IOException(modelFile + " has no `step` in its metadata: it is not a training"
                        + " checkpoint; train from scratch (without --resume)");
            }
            modelStep = CheckpointPair.requireLong(modelFile, model.metadata(), "step");
            modelRun = model.metadata().get(RUN_ID);
        }
        try (SafeTensorsFile st = open(file)) {
            long step = CheckpointPair.requireScalar(st, file, "step");
            long tokens = CheckpointPair.requireScalar(st, file, "tokens");
            if (st.metadata().containsKey("step")) {
                CheckpointPair.requireLong(file, st.metadata(), "step");
            }
            long seed = st.metadata().containsKey("seed") ? CheckpointPair.requireLong(file, st.metadata(), "seed") : 0;
            String run = st.metadata().get(RUN_ID);
            CheckpointPair.requireOnePair(modelFile, modelStep, modelRun, file, step, run);
            List<Parameter> ps = opt.parameters();
            for (int i = 0; i < ps.size(); i++) {
                copy(st, file, "m/" + opt.name(i), opt.firstMoment(i));
                copy(st, file, "v/" + opt.name(i), opt.secondMoment(i));
                long[] rows = opt.rowSteps(i);
                if (rows != null) {
                    String name = "row_step/" + opt.name(i);
                    if (!st.contains(name)) {
                        throw new IOException(file + " has no `" + name + "`: it was written with values_optimizer "
                                + "\"dense\"; resume with the same values_optimizer");
                    }
                    TensorInfo info = st.info(name);
                    if ((info.dtype() != DType.I64 && info.dtype() != DType.I32) || info.numel() != rows.length) {
                        throw new IOException(file + ": `" + name + "` is " + info.dtype() + " with "
                                + info.numel() + " elements, expected I64 with " + rows.length
                                + "; the optimizer file is damaged or belongs to another model");
                    }
                    long[] saved = st.readI64(name);
                    checkRowSteps(file, name, saved, rows.length, step);
                    System.arraycopy(saved, 0, rows, 0, rows.length);
                }
            }
            opt.restoreStepCount(step);
            return new TrainState(step, tokens, seed, run);
        }
    }

    private static void copy(SafeTensorsFile st, Path file, String name, float[] into) throws IOException {
        if (!st.contains(name)) {
            throw new IOException(file + " has no tensor `" + name + "`: the optimizer state belongs to a different model");
        }
        float[] data;
        try {
            data = st.readF32(name);
        } catch (IllegalStateException e) { // a dtype readF32 does not take, or a tensor too large
            throw new IOException(e.getMessage() + "; the optimizer file is damaged: restore it or train"
                    + " without --resume", e);
        }
        if (data.length != into.length) {
            throw new IOException(file + ": `" + name + "` has " + data.length + " elements, expected " + into.length);
        }
        System.arraycopy(data, 0, into, 0, into.length);
    }

    /**
     * The step recorded in {@code dir/model.safetensors}; fails naming the file and key when it
     * is missing or not an integer.
     */
    public static long modelStep(Path dir) throws IOException {
        Path file = dir.resolve(MODEL);
        try (SafeTensorsFile st = open(file)) {
            return CheckpointPair.requireLong(file, st.metadata(), "step");
        }
    }

    /** Lazy AdamW's per-row Adam counts: one per row, each in [0, step] (they index its decay table). */
    private static void checkRowSteps(Path file, String name, long[] saved, int rows, long step)
            throws IOException {
        if (saved.length != rows) {
            throw new IOException(file + ": `" + name + "` has " + saved.length + " elements, expected "
                    + rows + " (one per value row); the optimizer state belongs to a different model");
        }
        for (int r = 0; r < rows; r++) {
            if (saved[r] < 0 || saved[r] > step) {
                throw new IOException(file + ": `" + name + "` row " + r + " is at Adam step " + saved[r]
                        + ", outside [0, " + step + "] (the checkpoint's step); the file is damaged:"
                        + " restore it or restart without --resume");
            }
        }
    }

    /** True when {@code dir} holds a complete training checkpoint (model and optimizer). */
    public static boolean hasTrainingCheckpoint(Path dir) {
        return Files.isRegularFile(dir.resolve(CONFIG)) && Files.isRegularFile(dir.resolve(MODEL))
                && Files.isRegularFile(dir.resolve(OPTIMIZER));
    }

    private static void requireCheckpoint(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new ConfigException("model directory " + dir + " does not exist; pass the --out directory of "
                    + "`ultramem train` (it holds config.json and model.safetensors)");
        }
        if (!Files.exists(dir.resolve(CONFIG))) { // not a regular file: ConfigJson.load says so
            throw new ConfigException("model directory " + dir + " has no " + CONFIG + "; is it a checkpoint "
                    + "written by `ultramem train`?");
        }
    }

    private static SafeTensorsFile open(Path file) throws IOException {
        if (Files.exists(file)) {
            RegularFiles.require(file, "checkpoint file"); // its own message, not "corrupt"
        }
        try {
            return SafeTensorsFile.open(file);
        } catch (NoSuchFileException e) {
            throw new IOException(file + " is missing: the checkpoint is incomplete; re-run training or "
                    + "point at a complete checkpoint directory", e);
        } catch (IOException e) {
            throw new IOException(file + " is unreadable or corrupt (" + e.getMessage() + "); re-run training "
                    + "or restore it from a backup", e);
        }
    }
}
