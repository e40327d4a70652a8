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
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.SafeTensorsWriter;
import org.ultramem.io.TensorInfo;
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
 *                          step, tokens
 *   tokenizer.json         copied from the data directory
 *   optimizer.safetensors  step, tokens (I64 [1]); m/NAME, v/NAME (F32); row_step/NAME (I64, lazy
 *                          value tables only); __metadata__: step, seed
 * </pre>
 * A training save replaces the model and optimizer files as a pair: both are first written
 * completely as {@code *.pending} (each atomically: temp file, fsync, rename), the optimizer's
 * first, then renamed over the old pair, optimizer first. A crash leaves one of three states,
 * which {@link #recoverInterruptedSave} settles before a resume: both pending files present
 * (roll both forward), only the model's (the optimizer's rename happened: roll it forward), or
 * only the optimizer's (the new pair never completed: drop it, the old pair stands). Both files
 * are stamped with the step and {@link #loadOptimizer} still refuses a pair whose stamps differ.
 * The data position needs no state of its own: batches are a function of (seed, step).
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

    /** Where a run stands: optimizer steps done, tokens seen, and the run's seed. */
    public record TrainState(long step, long tokens, long seed) {
    }

    /**
     * Writes config.json, model.safetensors and (when {@code tokenizer} is non-null and exists)
     * tokenizer.json into {@code dir}. {@code training} may be null (a model-only export).
     */
    public static void saveModel(Path dir, LanguageModel model, TrainConfig training, Path tokenizer,
                                 TrainState state, Map<String, String> provenance) throws IOException {
        Files.createDirectories(dir);
        writeModel(dir.resolve(MODEL), model, state, provenance);
        writeConfigAndTokenizer(dir, model, training, tokenizer);
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
        w.write(file);
    }

    /**
     * A full training checkpoint: the model/optimizer pair replaced as a unit (see the class
     * comment), then config and tokenizer.
     */
    public static void save(Path dir, LanguageModel model, TrainConfig training, AdamW opt, Path tokenizer,
                            TrainState state, Map<String, String> provenance) throws IOException {
        Files.createDirectories(dir);
        writeOptimizer(dir.resolve(OPTIMIZER + PENDING), opt, state);
        writeModel(dir.resolve(MODEL + PENDING), model, state, provenance);
        commitPending(dir, OPTIMIZER);
        commitPending(dir, MODEL);
        writeConfigAndTokenizer(dir, model, training, tokenizer);
    }

    /**
     * Settles a save that a crash interrupted (see the class comment); does nothing when none
     * was. Returns a one-line account of what it did, or null. Call before resuming from
     * {@code dir}, never while another process may be saving into it.
     */
    public static String recoverInterruptedSave(Path dir) throws IOException {
        Path model = dir.resolve(MODEL + PENDING);
        Path optimizer = dir.resolve(OPTIMIZER + PENDING);
        if (Files.exists(model)) {
            boolean both = Files.exists(optimizer);
            if (both) {
                commitPending(dir, OPTIMIZER);
            }
            commitPending(dir, MODEL);
            return "completed an interrupted checkpoint save in " + dir + " (renamed "
                    + (both ? OPTIMIZER + PENDING + " and " : "") + MODEL + PENDING + " into place)";
        }
        if (Files.exists(optimizer)) {
            Files.delete(optimizer);
            return "dropped " + optimizer + ": its checkpoint save was interrupted before the model"
                    + " file was written; the previous checkpoint stands";
        }
        return null;
    }

    private static void commitPending(Path dir, String name) throws IOException {
        Files.move(dir.resolve(name + PENDING), dir.resolve(name),
                java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        AtomicFiles.fsyncDirectory(dir);
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

    /** Loads a checkpoint as a {@link Transformer} whose training buffers fit maxBatch × maxSeq. */
    public static Transformer loadModel(Path dir, int maxBatch, int maxSeq) throws IOException {
        ModelConfig cfg = readConfig(dir);
        Transformer model = new Transformer(cfg, maxBatch, Math.min(maxSeq, cfg.maxPositionEmbeddings()), 0);
        loadParameters(dir, model);
        return model;
    }

    /**
     * Overwrites every parameter and buffer of {@code model} from {@code dir/model.safetensors},
     * checking names and shapes.
     */
    public static void loadParameters(Path dir, LanguageModel model) throws IOException {
        Path file = dir.resolve(MODEL);
        try (SafeTensorsFile st = open(file)) {
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
                saved.put(name, b.f32() != null ? LanguageModel.Buffer.ofF32(st.readF32(name), b.shape())
                        : LanguageModel.Buffer.ofI32(st.readI32(name), b.shape()));
            }
            try {
                model.loadBuffers(saved);
            } catch (IllegalArgumentException ex) {
                throw new IOException(file + ": " + ex.getMessage(), ex);
            }
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
     * and returns the run's state; fails when the optimizer and model files disagree on the step.
     */
    public static TrainState loadOptimizer(Path dir, AdamW opt) throws IOException {
        Path file = dir.resolve(OPTIMIZER);
        long modelStep;
        try (SafeTensorsFile model = open(dir.resolve(MODEL))) {
            modelStep = parseStep(dir.resolve(MODEL), model.metadataLong("step"));
        }
        try (SafeTensorsFile st = open(file)) {
            long step = st.readScalarI64("step");
            long tokens = st.readScalarI64("tokens");
            long seed = st.metadataLong("seed").orElse(0);
            if (step != modelStep) {
                throw new IOException("checkpoint " + dir + " is inconsistent: " + OPTIMIZER + " is at step " + step
                        + " but " + MODEL + " at step " + modelStep + " (files replaced by hand, or"
                        + " written by an older ultramem that saved the two separately); restart"
                        + " without --resume or restore the directory from a backup");
            }
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
                    long[] saved = st.readI64(name);
                    checkRowSteps(file, name, saved, rows.length, step);
                    System.arraycopy(saved, 0, rows, 0, rows.length);
                }
            }
            opt.restoreStepCount(step);
            return new TrainState(step, tokens, seed);
        }
    }

    private static void copy(SafeTensorsFile st, Path file, String name, float[] into) throws IOException {
        if (!st.contains(name)) {
            throw new IOException(file + " has no tensor `" + name + "`: the optimizer state belongs to a different model");
        }
        float[] data = st.readF32(name);
        if (data.length != into.length) {
            throw new IOException(file + ": `" + name + "` has " + data.length + " elements, expected " + into.length);
        }
        System.arraycopy(data, 0, into, 0, into.length);
    }

    private static long parseStep(Path file, java.util.OptionalLong s) throws IOException {
        if (s.isEmpty()) {
            throw new IOException(file + " has no `step` in its metadata: it is not a training checkpoint; "
                    + "train from scratch (without --resume)");
        }
        return s.getAsLong();
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
        if (!Files.isRegularFile(dir.resolve(CONFIG))) {
            throw new ConfigException("model directory " + dir + " has no " + CONFIG + "; is it a checkpoint "
                    + "written by `ultramem train`?");
        }
    }

    private static SafeTensorsFile open(Path file) throws IOException {
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
