package org.ultramem.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.ultramem.io.ConfigException;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.model.Transformer;
import org.ultramem.nn.Parameter;
import org.ultramem.tensor.kernel.KernelProvider;
import org.ultramem.testing.SafeTensorsEdits;

class CheckpointsTest {

    @TempDir
    Path dir;

    @Test
    void saveAndLoadRoundTripModelOptimizerAndConfig() throws Exception {
        Transformer model = TinyRuns.model();
        TrainConfig cfg = TinyRuns.config(5, 5, 5);
        Parameter values = new Parameter("values", new int[] {3, 2}, Parameter.Group.VALUES, true);
        AdamW opt = new AdamW(KernelProvider.scalar(), List.of(model.parameters().get(0), values),
                cfg.schedule(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, AdamW.ValuesMode.LAZY));
        model.parameters().get(0).grad[3] = 0.5f;
        values.touchRow(1);
        values.grad[2] = 1f;
        opt.step();
        Path tok = dir.resolve("tok.json");
        Files.writeString(tok, "{\"model\":{}}");
        Path ckpt = dir.resolve("ckpt");
        Checkpoints.save(ckpt, model, cfg, opt, tok, new Checkpoints.TrainState(1, 64, 7, "run-a"), Map.of("git_commit", "abc"));

        assertEquals("{\"model\":{}}", Files.readString(ckpt.resolve(Checkpoints.TOKENIZER)));
        assertEquals(model.config(), Checkpoints.readConfig(ckpt));
        assertEquals(cfg, Checkpoints.readTrainConfig(ckpt));
        try (SafeTensorsFile f = SafeTensorsFile.open(ckpt.resolve(Checkpoints.MODEL))) {
            assertEquals("abc", f.metadata().get("git_commit"));
            assertEquals("1", f.metadata().get("step"));
        }
        Transformer loaded = Checkpoints.loadModel(ckpt, 2, 8);
        for (int i = 0; i < model.parameters().size(); i++) {
            assertArrayEquals(model.parameters().get(i).data, loaded.parameters().get(i).data);
        }
        Parameter values2 = new Parameter("values", new int[] {3, 2}, Parameter.Group.VALUES, true);
        AdamW opt2 = new AdamW(KernelProvider.scalar(), List.of(loaded.parameters().get(0), values2),
                cfg.schedule(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, AdamW.ValuesMode.LAZY));
        Checkpoints.TrainState s = Checkpoints.loadOptimizer(ckpt, opt2);
        assertEquals(new Checkpoints.TrainState(1, 64, 7, "run-a"), s);
        assertEquals(1, opt2.stepCount());
        assertArrayEquals(opt.firstMoment(0), opt2.firstMoment(0));
        assertArrayEquals(opt.secondMoment(1), opt2.secondMoment(1));
        assertArrayEquals(new long[] {0, 1, 0}, opt2.rowSteps(1));
    }

    /** Saves steps 1..steps of a tiny run into {@code ckpt}; returns the optimizer. */
    private AdamW saves(Path ckpt, Transformer model, TrainConfig cfg, int steps) throws IOException {
        AdamW opt = new AdamW(KernelProvider.scalar(), List.of(model.parameters().get(0)),
                cfg.schedule(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, AdamW.ValuesMode.DENSE));
        for (int step = 1; step <= steps; step++) {
            model.parameters().get(0).grad[0] = step;
            opt.step();
            Checkpoints.save(ckpt, model, cfg, opt, null, new Checkpoints.TrainState(step, 64L * step, 7, "run-a"),
                    Map.of());
        }
        return opt;
    }

    private long resumeStep(Path ckpt, Transformer model, TrainConfig cfg) throws IOException {
        Checkpoints.recoverInterruptedSave(ckpt);
        AdamW fresh = new AdamW(KernelProvider.scalar(), List.of(model.parameters().get(0)),
                cfg.schedule(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, AdamW.ValuesMode.DENSE));
        return Checkpoints.loadOptimizer(ckpt, fresh).step();
    }

    @Test
    void aSaveInterruptedAtAnyPointLeavesAResumableCheckpoint() throws Exception {
        Transformer model = TinyRuns.model();
        TrainConfig cfg = TinyRuns.config(5, 5, 5);
        Path ckpt = dir.resolve("ckpt");
        saves(ckpt, model, cfg, 2);
        assertEquals(null, Checkpoints.recoverInterruptedSave(ckpt), "a clean save leaves nothing");
        Path next = dir.resolve("next");
        saves(next, model, cfg, 3);  // the files a save of step 3 would write
        byte[] opt3 = Files.readAllBytes(next.resolve(Checkpoints.OPTIMIZER));
        byte[] mod3 = Files.readAllBytes(next.resolve(Checkpoints.MODEL));
        Path opt = ckpt.resolve(Checkpoints.OPTIMIZER);
        Path optP = ckpt.resolve(Checkpoints.OPTIMIZER + Checkpoints.PENDING);
        Path modP = ckpt.resolve(Checkpoints.MODEL + Checkpoints.PENDING);

        // Crash before the model's pending file was complete: the step-2 pair stands.
        Files.write(optP, opt3);
        assertTrue(Checkpoints.recoverInterruptedSave(ckpt).contains("dropped"));
        assertTrue(!Files.exists(optP));
        assertEquals(2, resumeStep(ckpt, model, cfg));

        // Crash after both pending files, before any rename: both roll forward to step 3.
        Files.write(optP, opt3);
        Files.write(modP, mod3);
        assertTrue(Checkpoints.recoverInterruptedSave(ckpt).contains("completed"));
        assertTrue(!Files.exists(optP) && !Files.exists(modP));
        assertEquals(3, resumeStep(ckpt, model, cfg));

        // Crash between the two renames: optimizer at step 3, model at step 2 plus the pending
        // step-3 model. Without recovery the pair is refused; with it, it resumes at step 3.
        Path b = dir.resolve("b");
        saves(b, model, cfg, 2);
        Files.write(b.resolve(Checkpoints.OPTIMIZER), opt3);
        Files.write(b.resolve(Checkpoints.MODEL + Checkpoints.PENDING), mod3);
        AdamW probe = new AdamW(KernelProvider.scalar(), List.of(model.parameters().get(0)),
                cfg.schedule(), new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, AdamW.ValuesMode.DENSE));
        IOException e = assertThrows(IOException.class, () -> Checkpoints.loadOptimizer(b, probe));
        assertTrue(e.getMessage().contains("inconsistent"), e.getMessage());
        assertTrue(Checkpoints.recoverInterruptedSave(b).contains("completed"));
        assertEquals(3, resumeStep(b, model, cfg));
        assertTrue(Files.exists(opt));
    }

    @Test
    void missingAndCorruptCheckpointsFailClearly() throws Exception {
        ConfigException missing = assertThrows(ConfigException.class,
                () -> Checkpoints.loadModel(dir.resolve("nope"), 1, 8));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());

        Path ckpt = dir.resolve("ckpt");
        Checkpoints.saveModel(ckpt, TinyRuns.model(), null, null, null, Map.of());
        Files.write(ckpt.resolve(Checkpoints.MODEL), new byte[] {1, 2, 3});
        IOException corrupt = assertThrows(IOException.class, () -> Checkpoints.loadModel(ckpt, 1, 8));
        assertTrue(corrupt.getMessage().contains("corrupt"), corrupt.getMessage());

        Files.delete(ckpt.resolve(Checkpoints.MODEL));
        IOException gone = assertThrows(IOException.class, () -> Checkpoints.loadModel(ckpt, 1, 8));
        assertTrue(gone.getMessage().contains("missing"), gone.getMessage());
    }

    @Test
    void aPairFromTwoRunsAtOneStepIsRefusedNamingBothFilesAndIds() throws Exception {
        TrainConfig cfg = TinyRuns.config(4, 2, 2);
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        TinyRuns.trainer(TinyRuns.model(), cfg, a, false, 2).run();
        TinyRuns.trainer(new Transformer(TinyRuns.modelConfig(), 4, 8, 5), cfg, b, false, 2).run();
        String idA = metadata(a.resolve(Checkpoints.MODEL), Checkpoints.RUN_ID);
        String idB = metadata(b.resolve(Checkpoints.OPTIMIZER), Checkpoints.RUN_ID);
        assertTrue(idA != null && idB != null && !idA.equals(idB), idA + " " + idB);
        assertEquals(idA, metadata(a.resolve(Checkpoints.OPTIMIZER), Checkpoints.RUN_ID), "one save, one id");

        // both at step 2, so the step check alone would resume this mix silently
        Files.copy(b.resolve(Checkpoints.OPTIMIZER), a.resolve(Checkpoints.OPTIMIZER),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        IOException e = assertThrows(IOException.class,
                () -> TinyRuns.trainer(TinyRuns.model(), cfg, a, true, -1).run());
        String m = e.getMessage();
        assertTrue(m.contains(a.resolve(Checkpoints.MODEL).toString()) && m.contains(idA)
                && m.contains(a.resolve(Checkpoints.OPTIMIZER).toString()) && m.contains(idB), m);
    }

    @Test
    void theRunIdIsKeptThroughResumes() throws Exception {
        TrainConfig cfg = TinyRuns.config(4, 2, 2);
        Path run = dir.resolve("run");
        TinyRuns.trainer(TinyRuns.model(), cfg, run, false, 2).run();
        String id = metadata(run.resolve(Checkpoints.MODEL), Checkpoints.RUN_ID);
        TinyRuns.trainer(TinyRuns.model(), cfg, run, true, -1).run();
        assertEquals("4", metadata(run.resolve(Checkpoints.MODEL), "step"));
        assertEquals(id, metadata(run.resolve(Checkpoints.MODEL), Checkpoints.RUN_ID));
        assertEquals(id, metadata(run.resolve(Checkpoints.OPTIMIZER), Checkpoints.RUN_ID));
    }

    @Test
    void damagedStepMetadataFailsNamingTheFileAndKey() throws Exception {
        TrainConfig cfg = TinyRuns.config(4, 2, 2);
        Path run = dir.resolve("run");
        TinyRuns.trainer(TinyRuns.model(), cfg, run, false, 2).run();
        Path opt = run.resolve(Checkpoints.OPTIMIZER);
        byte[] good = Files.readAllBytes(opt);

        // metadata "step": "2" -> "x" (same length, so the header stays valid)
        Files.write(opt, replace(good, "\"step\":\"2\"", "\"step\":\"x\""));
        IOException meta = assertThrows(IOException.class, () -> resume(run, cfg));
        assertTrue(meta.getMessage().contains(opt.toString()) && meta.getMessage().contains("`step`")
                && meta.getMessage().contains("\"x\""), meta.getMessage());

        // the step tensor stored as a float
        rewrite(opt, good, (name, st, w) -> {
            if (name.equals("step")) {
                w.addF32("step", new float[] {2f}, 1);
                return true;
            }
            return false;
        });
        IOException tensor = assertThrows(IOException.class, () -> resume(run, cfg));
        assertTrue(tensor.getMessage().contains(opt.toString()) && tensor.getMessage().contains("`step`")
                && tensor.getMessage().contains("F32"), tensor.getMessage());
    }

    private static void resume(Path run, TrainConfig cfg) throws IOException {
        TinyRuns.trainer(TinyRuns.model(), cfg, run, true, -1).run();
    }

    private static String metadata(Path file, String key) throws IOException {
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            return st.metadata().get(key);
        }
    }

    private static byte[] replace(byte[] bytes, String from, String to) {
        String s = new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(s.contains(from), from);
        return s.replace(from, to).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Writes a tensor of a rewritten file; returns true when it wrote {@code name} itself. */
    private interface Rewrite {
        boolean apply(String name, SafeTensorsFile st, org.ultramem.io.SafeTensorsWriter w) throws IOException;
    }

    /** Rewrites the safetensors {@code original} into {@code file}, tensor by tensor, through {@code edit}. */
    private void rewrite(Path file, byte[] original, Rewrite edit) throws IOException {
        Path src = dir.resolve("original.safetensors");
        Files.write(src, original);
        org.ultramem.io.SafeTensorsWriter w = new org.ultramem.io.SafeTensorsWriter();
        try (SafeTensorsFile st = SafeTensorsFile.open(src)) {
            for (String name : st.names()) {
                if (edit.apply(name, st, w)) {
                    continue;
                }
                int[] shape = st.info(name).intShape();
                switch (st.info(name).dtype()) {
                    case F32 -> w.addF32(name, st.readF32(name), shape);
                    case I64 -> w.addI64(name, st.readI64(name), shape);
                    default -> throw new IllegalStateException(name);
                }
            }
            w.putMetadata(st.metadata());
        }
        w.write(file);
    }

    /** A lazy-AdamW checkpoint at step 1 as in the round-trip test; returns a fresh optimizer to load into. */
    private AdamW lazyCheckpoint(Path ckpt) throws IOException {
        Transformer model = TinyRuns.model();
        TrainConfig cfg = TinyRuns.config(5, 5, 5);
        AdamW.Settings lazy = new AdamW.Settings(0.9, 0.95, 1e-8, 0.1, null, AdamW.ValuesMode.LAZY);
        Parameter values = new Parameter("values", new int[] {3, 2}, Parameter.Group.VALUES, true);
        AdamW opt = new AdamW(KernelProvider.scalar(), List.of(model.parameters().get(0), values),
                cfg.schedule(), lazy);
        values.touchRow(1);
        opt.step();
        Checkpoints.save(ckpt, model, cfg, opt, null, new Checkpoints.TrainState(1, 64, 7, "run-a"), Map.of());
        Parameter fresh = new Parameter("values", new int[] {3, 2}, Parameter.Group.VALUES, true);
        return new AdamW(KernelProvider.scalar(), List.of(model.parameters().get(0), fresh),
                cfg.schedule(), lazy);
    }

    @Test
    void rejectsLazyRowCountersOutsideTheCheckpointsSteps() throws Exception {
        // A row counter indexes the decay table: before the check, 693063986 crashed the next step.
        Path ckpt = dir.resolve("rows");
        AdamW probe = lazyCheckpoint(ckpt);
        SafeTensorsEdits.patchI64(ckpt.resolve(Checkpoints.OPTIMIZER), "row_step/values", 2, 693063986);
        IOException e = assertThrows(IOException.class, () -> Checkpoints.loadOptimizer(ckpt, probe));
        assertTrue(e.getMessage().contains("`row_step/values` row 2 is at Adam step 693063986, outside"
                + " [0, 1]"), e.getMessage());
    }

    @Test
    void malformedMetadataAndScalarsNameTheFileAndKey() throws Exception {
        Path ckpt = dir.resolve("meta");
        AdamW probe = lazyCheckpoint(ckpt);
        Path opt = ckpt.resolve(Checkpoints.OPTIMIZER);
        SafeTensorsEdits.editHeader(opt, h -> ((ObjectNode) h.get("__metadata__")).put("seed", "abc"));
        IOException e = assertThrows(IOException.class, () -> Checkpoints.loadOptimizer(ckpt, probe));
        assertTrue(e.getMessage().contains(opt + ": metadata key `seed` (\"abc\") is not an"
                + " integer"), e.getMessage());

        SafeTensorsEdits.editHeader(opt, h -> {
            ((ObjectNode) h.get("__metadata__")).put("seed", "7");
            ObjectNode step = (ObjectNode) h.get("step");
            long begin = step.get("data_offsets").get(0).longValue();
            step.putArray("shape").add(1L << 32).add(0);
            step.putArray("data_offsets").add(begin).add(begin);
        });
        // Before the check, reading element 0 of the empty `step` tensor crashed (exit 70).
        IOException empty = assertThrows(IOException.class,
                () -> Checkpoints.loadOptimizer(ckpt, probe));
        assertTrue(empty.getMessage().contains("tensor `step` must be one integer"), empty.getMessage());
    }

    @Test
    void aTensorDimensionBeyondIntRangeIsAShapeMismatch() throws Exception {
        Path ckpt = dir.resolve("dims");
        Transformer model = TinyRuns.model();
        Checkpoints.saveModel(ckpt, model, null, null, null, Map.of());
        Path file = ckpt.resolve(Checkpoints.MODEL);
        SafeTensorsEdits.editHeader(file, h -> {
            ObjectNode norm = (ObjectNode) h.get("model.norm.weight");
            long begin = norm.get("data_offsets").get(0).longValue();
            norm.putArray("shape").add(1L << 31).add(0);
            norm.putArray("data_offsets").add(begin).add(begin);
        });
        IOException e = assertThrows(IOException.class, () -> Checkpoints.loadModel(ckpt, 1, 8));
        assertTrue(e.getMessage().contains("`model.norm.weight` has shape [2147483648, 0] but"
                + " config.json") && e.getMessage().contains("needs [16]"), e.getMessage());
    }

    @Test
    void aBadCheckpointConfigNamesItsFile() throws Exception {
        Path ckpt = dir.resolve("cfg");
        Checkpoints.saveModel(ckpt, TinyRuns.model(), null, null, null, Map.of());
        Path file = ckpt.resolve(Checkpoints.CONFIG);
        Files.writeString(file, Files.readString(file).replace("\"hidden_size\"", "\"hidden_sise\""));
        ConfigException e = assertThrows(ConfigException.class, () -> Checkpoints.readConfig(ckpt));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
    }
}
