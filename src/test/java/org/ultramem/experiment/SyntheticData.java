package org.ultramem.experiment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.ultramem.data.DataMeta;
import org.ultramem.data.Split;

/** A small prepared data folder of learnable synthetic tokens (as {@code TinyRuns} builds one), no corpus needed. */
final class SyntheticData {

    static final int VOCAB = 32;

    private SyntheticData() {
    }

    /** A corpus where the next token is mostly a fixed function of the current one. */
    static int[] corpus(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 1; i < n; i++) {
            t[i] = rnd.nextInt(10) == 0 ? rnd.nextInt(VOCAB) : (t[i - 1] * 5 + 3) % VOCAB;
        }
        return t;
    }

    /** Writes train.bin, val.bin (int32 little-endian) and meta.json into {@code dir}; 3 bytes per token. */
    static Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, DataMeta.SplitMeta> splits = new LinkedHashMap<>();
        int[][] parts = {corpus(20000, 1), corpus(3000, 2)};
        Split[] which = {Split.TRAIN, Split.VALIDATION};
        for (int i = 0; i < 2; i++) {
            ByteBuffer b = ByteBuffer.allocate(parts[i].length * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int t : parts[i]) {
                b.putInt(t);
            }
            Files.write(dir.resolve(which[i].fileName), b.array());
            splits.put(which[i].key, new DataMeta.SplitMeta(which[i].fileName, 1, parts[i].length,
                    3L * parts[i].length, 3.0, "0", List.of("synthetic")));
        }
        new DataMeta(DataMeta.FORMAT, DataMeta.TOKEN_DTYPE, VOCAB, VOCAB, 0, "tokenizer.json", "0", "0",
                List.of("synthetic"), splits).write(dir);
        return dir;
    }
}
