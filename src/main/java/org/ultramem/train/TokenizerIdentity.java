package org.ultramem.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.function.Consumer;
import org.ultramem.data.DataMeta;
import org.ultramem.io.Provenance;
import org.ultramem.io.SafeTensorsFile;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.TokenizerJson;

/**
 * Which tokenizer a checkpoint and a data folder were made with, and the checks that keep them
 * together. The identity is {@link TokenizerJson#sha256} (SHA-256 of the canonical
 * {@code tokenizer.json} bytes): {@code data prepare} records it in {@code meta.json}
 * ({@code tokenizerSha256}), checkpoint saves in {@code model.safetensors}' metadata under
 * {@link Provenance#KEY_TOKENIZER_HASH}. A model scored on data made by another tokenizer, or
 * decoded through another tokenizer, gives meaningless numbers and garbage text; these checks
 * refuse both in one line naming the two identities, the files and the fix. Checkpoints and data
 * folders from before the identity was recorded are accepted with a one-line warning.
 */
public final class TokenizerIdentity {

    /** The last file hashed: saves hash the same data tokenizer at every checkpoint. */
    private static Cached cached;

    private record Cached(Path file, long size, FileTime modified, String sha256) {
    }

    private TokenizerIdentity() {
    }

    /** The identity of the tokenizer in {@code file} (parsed, then hashed canonically). */
    public static synchronized String of(Path file) throws IOException {
        Path abs = file.toAbsolutePath().normalize();
        long size = Files.size(abs);
        FileTime modified = Files.getLastModifiedTime(abs);
        Cached c = cached;
        if (c != null && c.file.equals(abs) && c.size == size && c.modified.equals(modified)) {
            return c.sha256;
        }
        String sha = TokenizerJson.sha256(TokenizerJson.load(file));
        cached = new Cached(abs, size, modified, sha);
        return sha;
    }

    /** The identity a checkpoint recorded at save, or null (older checkpoint, or none known). */
    public static String recorded(Path modelDir) throws IOException {
        Path file = modelDir.resolve(Checkpoints.MODEL);
        if (!Files.exists(file)) {
            return null;
        }
        try (SafeTensorsFile st = SafeTensorsFile.open(file)) {
            String sha = st.metadata().get(Provenance.KEY_TOKENIZER_HASH);
            return sha == null || sha.isBlank() ? null : sha;
        }
    }

    /**
     * Loads {@code modelDir/tokenizer.json} and checks it is the tokenizer the model was trained
     * with: its identity must equal the one recorded in the checkpoint (a checkpoint without one
     * is accepted with a warning to {@code warn}), and it may not hold more tokens than the
     * model's {@code vocab_size}.
     */
    public static BpeTokenizer loadCheckpointTokenizer(Path modelDir, int modelVocab,
            Consumer<String> warn) throws IOException {
        Path file = modelDir.resolve(Checkpoints.TOKENIZER);
        if (!Files.exists(file)) {
            throw new IllegalArgumentException(modelDir + " has no " + Checkpoints.TOKENIZER
                    + "; copy the tokenizer.json of the model's data folder there (checkpoints"
                    + " written by `ultramem train` include it)");
        }
        BpeTokenizer tok = TokenizerJson.load(file);
        String actual = TokenizerJson.sha256(tok);
        String want = recorded(modelDir);
        if (want == null) {
            warn.accept("warning: " + modelDir.resolve(Checkpoints.MODEL) + " records no"
                    + " tokenizer identity (written by an older build), so " + file + " cannot"
                    + " be checked against the tokenizer the model was trained with");
        } else if (!want.equals(actual)) {
            throw swapped(modelDir, actual, want);
        }
        if (tok.vocabSize() > modelVocab) {
            throw new IllegalArgumentException(file + " has " + tok.vocabSize() + " tokens but the"
                    + " model's vocab_size is " + modelVocab + ": the tokenizer belongs to"
                    + " another model; use the tokenizer.json the model was trained with");
        }
        return tok;
    }

    /**
     * Checks that the data folder {@code dataDir} (its {@code meta.json} read as {@code meta})
     * was tokenized with the checkpoint's tokenizer: the identity the checkpoint recorded, else
     * that of its {@code tokenizer.json} (which must equal the recorded one when both exist).
     * Without an identity on either side the data are accepted with a warning to {@code warn}.
     */
    public static void requireDataMatches(Path modelDir, Path dataDir, DataMeta meta,
            Consumer<String> warn) throws IOException {
        String model = recorded(modelDir);
        String source = Provenance.KEY_TOKENIZER_HASH + " in "
                + modelDir.resolve(Checkpoints.MODEL);
        Path tokFile = modelDir.resolve(Checkpoints.TOKENIZER);
        String copied = null;
        if (Files.exists(tokFile)) {
            try {
                copied = of(tokFile);
            } catch (IllegalArgumentException e) { // scoring does not need it: say so, go on
                warn.accept("warning: " + e.getMessage() + " (the model's tokenizer cannot be"
                        + " compared with the data's)");
            }
        }
        if (model != null && copied != null && !model.equals(copied)) {
            throw swapped(modelDir, copied, model);
        }
        if (model == null && copied != null) {
            model = copied;
            source = tokFile.toString();
        }
        String data = meta.tokenizerSha256();
        boolean dataKnown = data != null && data.matches("[0-9a-f]{64}");
        if (model == null || !dataKnown) {
            warn.accept("warning: cannot check that " + dataDir + " was tokenized with the"
                    + " model's tokenizer (" + (model == null ? modelDir + " records no tokenizer"
                    + " identity and has no " + Checkpoints.TOKENIZER : dataDir.resolve(
                    DataMeta.FILE_NAME) + " records no tokenizer sha256") + ")");
            return;
        }
        if (!model.equals(data)) {
            throw new IllegalArgumentException("data folder " + dataDir + " was tokenized with"
                    + " tokenizer sha256 " + shortHash(data) + " (" + dataDir.resolve(
                    DataMeta.FILE_NAME) + ") but the model " + modelDir + " with "
                    + shortHash(model) + " (" + source + "); scores would be meaningless: pass"
                    + " --data with the folder the model was trained on (training.data_dir in its"
                    + " config.json)");
        }
    }

    private static IllegalArgumentException swapped(Path modelDir, String actual, String want) {
        return new IllegalArgumentException(modelDir.resolve(Checkpoints.TOKENIZER) + " (sha256 "
                + shortHash(actual) + ") is not the tokenizer the model was trained with ("
                + Provenance.KEY_TOKENIZER_HASH + " " + shortHash(want) + " in "
                + modelDir.resolve(Checkpoints.MODEL) + "); copy the tokenizer.json of the data"
                + " folder the model was trained on (training.data_dir in config.json) into "
                + modelDir);
    }

    /** The first 12 hex digits, enough to tell two tokenizers apart in a message. */
    static String shortHash(String sha) {
        return sha.length() > 12 ? sha.substring(0, 12) : sha;
    }
}
