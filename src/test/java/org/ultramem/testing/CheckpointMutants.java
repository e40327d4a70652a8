package org.ultramem.testing;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.ultramem.io.DType;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.io.SafeTensorsWriter;
import org.ultramem.io.TensorInfo;
import org.ultramem.model.ModelConfig;
import org.ultramem.model.TinySparse;
import org.ultramem.model.Transformer;
import org.ultramem.train.Checkpoints;

/**
 * Tiny checkpoints and seeded damage to them, for the tests of every checkpoint loader: a fresh
 * {@link TinySparse} model (MoE block, UltraMem and PKM memory layers) saved by
 * {@link Checkpoints#saveModel}, then {@code model.safetensors} rewritten with one tensor changed,
 * removed or added ({@link #edit}).
 */
public final class CheckpointMutants {

    /** One tensor of a file being edited: dtype, shape and little-endian bytes. */
    public record Tensor(DType dtype, long[] shape, byte[] bytes) {
    }

    private CheckpointMutants() {
    }

    /** Writes config.json and model.safetensors of a fresh TinySparse model (seed 5) into dir. */
    public static Path write(Path dir) throws IOException {
        return write(dir, TinySparse.config(), null);
    }

    /** Writes config.json, model.safetensors and (when non-null) tokenizer.json into dir. */
    public static Path write(Path dir, ModelConfig cfg, Path tokenizer) throws IOException {
        Transformer model = new Transformer(cfg, 1, 4, 5);
        Checkpoints.saveModel(dir, model, null, tokenizer, null, Map.of());
        return dir;
    }

    /** Rewrites {@code dir/model.safetensors} after {@code change} edited its tensors by name. */
    public static void edit(Path dir, Consumer<Map<String, Tensor>> change) throws IOException {
        editFile(dir.resolve(Checkpoints.MODEL), change, meta -> { });
    }

    /** Copies safetensors {@code from} to {@code to} with its metadata edited by {@code change}. */
    public static Path copyWithMetadata(Path from, Path to, Consumer<Map<String, String>> change)
            throws IOException {
        java.nio.file.Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        editFile(to, t -> { }, change);
        return to;
    }

    /** Rewrites safetensors {@code file} after editing its tensors and its metadata. */
    public static void editFile(Path file, Consumer<Map<String, Tensor>> change,
            Consumer<Map<String, String>> metaChange) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        Map<String, String> meta;
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            meta = new LinkedHashMap<>(st.metadata());
            for (String name : st.names()) {
                TensorInfo t = st.info(name);
                tensors.put(name, new Tensor(t.dtype(), t.shape(),
                        st.segment(name).toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        change.accept(tensors);
        metaChange.accept(meta);
        SafeTensorsWriter w = new SafeTensorsWriter();
        try (Arena arena = Arena.ofConfined()) {
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                Tensor t = e.getValue();
                MemorySegment bytes = arena.allocate(Math.max(1, t.bytes.length));
                MemorySegment.copy(t.bytes, 0, bytes, ValueLayout.JAVA_BYTE, 0, t.bytes.length);
                w.addRaw(e.getKey(), t.dtype, bytes.asSlice(0, t.bytes.length), t.shape);
            }
            w.putMetadata(meta);
            w.write(file);
        }
    }

    /** Sets element {@code index} of the F32 tensor {@code name} to {@code value}. */
    public static void setF32(Path dir, String name, int index, float value) throws IOException {
        edit(dir, m -> {
            Tensor t = m.get(name);
            ByteBuffer.wrap(t.bytes).order(ByteOrder.LITTLE_ENDIAN).putFloat(index * 4, value);
        });
    }

    /** Replaces {@code name} with the same F32 values reshaped to {@code shape} (same count). */
    public static void reshape(Path dir, String name, long... shape) throws IOException {
        edit(dir, m -> m.put(name, new Tensor(m.get(name).dtype, shape, m.get(name).bytes)));
    }

    /** Little-endian bytes of {@code values} as I64. */
    public static byte[] i64(long... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) {
            b.putLong(v);
        }
        return b.array();
    }

    /** The I32 tensor {@code t}'s values. */
    public static int[] i32(Tensor t) {
        int[] out = new int[t.bytes.length / 4];
        ByteBuffer.wrap(t.bytes).order(ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(out);
        return out;
    }
}
