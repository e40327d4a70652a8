package org.ultramem.fuzz;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.ultramem.io.ConfigJson;
import org.ultramem.io.Provenance;

/**
 * Makes the fixture's bytes independent of where and when it was built, so mutant (seed, index)
 * is the same file in every campaign on the same build: the data folder's path is replaced by a
 * placeholder (substituted back into each case's file after mutation, where a verb needs it) or
 * by {@code "data"} where no fuzzed verb reads it, and the provenance entries that record time,
 * commits and versions in model.safetensors are fixed strings.
 */
final class CanonicalFixture {

    /** Stands for the fixture's data folder in the run-config seed file. */
    static final String DATA_DIR = "@FUZZ_DATA_DIR@";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> VOLATILE = List.of(Provenance.KEY_VERSION,
            Provenance.KEY_GIT_COMMIT, Provenance.KEY_BUILD_COMMIT, Provenance.KEY_CREATED,
            Provenance.KEY_JAVA, "run_id");

    private CanonicalFixture() {
    }

    /**
     * Rewrites the checkpoint's config.json and model.safetensors metadata in place. Eval gets
     * {@code --data} and generate and inspect read no data, so training.data_dir is not used.
     */
    static void canonicalizeCheckpoint(Path checkpoint) throws IOException {
        Path config = checkpoint.resolve("config.json");
        ObjectNode c = ConfigJson.load(config);
        ((ObjectNode) c.get("training")).put("data_dir", "data");
        Files.writeString(config, ConfigJson.toPrettyJson(c) + "\n");

        rewriteMetadata(checkpoint.resolve("model.safetensors"));
        rewriteMetadata(checkpoint.resolve("optimizer.safetensors"));
    }

    /**
     * Fixes the volatile metadata of one safetensors file: build stamps, and the run id (a random
     * UUID per training run, the same in both files of the pair, so resume still accepts them).
     */
    private static void rewriteMetadata(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            return;
        }
        byte[] all = Files.readAllBytes(file);
        int end = 8 + (int) ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        ObjectNode header = (ObjectNode) JSON.readTree(Arrays.copyOfRange(all, 8, end));
        ObjectNode md = (ObjectNode) header.get("__metadata__");
        if (md == null) {
            return;
        }
        for (String k : VOLATILE) {
            if (md.has(k)) {
                md.put(k, "fuzz-fixture");
            }
        }
        if (md.has(Provenance.KEY_CONFIG)) {
            ObjectNode cfg = ConfigJson.parse(md.get(Provenance.KEY_CONFIG).textValue(), "metadata");
            ((ObjectNode) cfg.get("training")).put("data_dir", "data");
            md.put(Provenance.KEY_CONFIG, ConfigJson.toCompactJson(cfg));
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8; // keep the data section 8-byte aligned, as written
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        Files.write(file, SafeTensorsMutator.file(head, Arrays.copyOfRange(all, end, all.length)));
    }

    /** {@code bytes} with every {@link #DATA_DIR} replaced by {@code data} (JSON-escaped). */
    static byte[] withDataDir(byte[] bytes, Path data) {
        byte[] from = DATA_DIR.getBytes(StandardCharsets.US_ASCII);
        byte[] to = new String(JsonStringEncoder.getInstance().quoteAsString(data.toString()))
                .getBytes(StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(bytes.length + 64);
        for (int i = 0; i < bytes.length; ) {
            if (i + from.length <= bytes.length
                    && Arrays.equals(bytes, i, i + from.length, from, 0, from.length)) {
                out.write(to, 0, to.length);
                i += from.length;
            } else {
                out.write(bytes[i++]);
            }
        }
        return out.toByteArray();
    }
}
