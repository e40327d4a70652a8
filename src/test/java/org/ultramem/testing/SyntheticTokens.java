package org.ultramem.testing;

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

/**
 * Learnable synthetic token streams and prepared data folders built from them, so training and
 * experiment tests need no corpus. Tokens are in {@code [0, VOCAB)}; the next token is mostly a
 * fixed function of the current one, so a tiny model's loss falls quickly.
 */
public final class SyntheticTokens {

    /** Vocabulary size of every synthetic stream. */
    public static final int VOCAB = 32;

    private SyntheticTokens() {
    }

    /** {@code n} tokens where, 9 times in 10, token i+1 is (5·token i + 3) mod VOCAB; seeded. */
    public static int[] corpus(int n, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        int[] t = new int[n];
        for (int i = 1; i < n; i++) {
            t[i] = rnd.nextInt(10) == 0 ? rnd.nextInt(VOCAB) : (t[i - 1] * 5 + 3) % VOCAB;
        }
        return t;
    }

    /**
     * Writes a prepared data folder into {@code dir}: train.bin ({@code corpus(trainTokens, 1)}),
     * val.bin ({@code corpus(valTokens, 2)}), both int32 little-endian, and meta.json claiming
     * 3 bytes per token. Returns {@code dir}.
     */
    public static Path writeDataDir(Path dir, int trainTokens, int valTokens) throws IOException {
        Files.createDirectories(dir);
        Map<String, DataMeta.SplitMeta> splits = new LinkedHashMap<>();
        int[][] parts = {corpus(trainTokens, 1), corpus(valTokens, 2)};
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
