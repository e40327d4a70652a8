package org.ultramem.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenDatasetTest {

    /** Token file whose token at position i is i % vocab. */
    static Path tokenFile(Path dir, int n, int vocab) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            buf.putInt(i % vocab);
        }
        return Files.write(dir.resolve("t.bin"), buf.array());
    }

    @Test
    void randomBatchesAreShiftedWindowsAndReproducibleBySeed(@TempDir Path dir) throws IOException {
        int vocab = 1000;
        try (TokenDataset ds = TokenDataset.open(tokenFile(dir, 777, vocab), vocab, 4.0)) {
            int batch = 5;
            int seq = 16;
            int[] in = new int[batch * seq];
            int[] tg = new int[batch * seq];
            ds.randomBatch(new SplittableRandom(3), batch, seq, in, tg);
            for (int b = 0; b < batch; b++) {
                for (int t = 0; t < seq; t++) {
                    assertEquals((in[b * seq + t] + 1) % vocab, tg[b * seq + t]);
                    if (t > 0) {
                        assertEquals(tg[b * seq + t - 1], in[b * seq + t]);
                    }
                }
            }
            int[] in2 = new int[batch * seq];
            ds.randomBatch(new SplittableRandom(3), batch, seq, in2, new int[batch * seq]);
            assertArrayEquals(in, in2);
            assertEquals(4.0, ds.bytesPerToken());
        }
    }

    @Test
    void evaluationWindowsScoreEveryTokenExactlyOnce(@TempDir Path dir) throws IOException {
        int n = 103;
        try (TokenDataset ds = TokenDataset.open(tokenFile(dir, n, 5000), 5000, 4.0)) {
            for (long limit : new long[] {n, 50, 2, 1, 10_000}) {
                int seq = 8;
                int batch = 3;
                long windows = ds.windowCount(seq, limit);
                boolean[] scored = new boolean[n];
                for (long w = 0; w < windows; w += batch) {
                    int[] in = new int[batch * seq];
                    int[] tg = new int[batch * seq];
                    int rows = ds.fillWindows(w, batch, seq, limit, in, tg);
                    assertEquals(Math.min(batch, windows - w), rows);
                    for (int k = 0; k < tg.length; k++) {
                        if (tg[k] >= 0) {
                            assertEquals(in[k] + 1, tg[k]);
                            assertTrue(!scored[tg[k]], "token " + tg[k] + " scored twice");
                            scored[tg[k]] = true;
                        }
                    }
                }
                long effective = Math.min(limit, n);
                for (int p = 1; p < n; p++) {
                    assertEquals(p < effective, scored[p], "limit " + limit + " token " + p);
                }
            }
        }
    }

    @Test
    void rejectsATruncatedFile(@TempDir Path dir) throws IOException {
        Path f = tokenFile(dir, 10, 100);
        byte[] all = Files.readAllBytes(f);
        Files.write(f, java.util.Arrays.copyOf(all, all.length - 1));
        DataException e = assertThrows(DataException.class, () -> TokenDataset.open(f, 100, 4.0));
        assertTrue(e.getMessage().contains("39 bytes") && e.getMessage().contains("multiple of 4"),
                e.getMessage());
    }

    @Test
    void rejectsIdsOutsideTheVocabulary(@TempDir Path dir) throws IOException {
        Path f = tokenFile(dir, 50, 100);
        DataException e = assertThrows(DataException.class, () -> TokenDataset.open(f, 40, 4.0));
        assertTrue(e.getMessage().contains("id 40 at position 40"), e.getMessage());
    }

    @Test
    void rejectsASplitShorterThanOneWindow(@TempDir Path dir) throws IOException {
        try (TokenDataset ds = TokenDataset.open(tokenFile(dir, 8, 100), 100, 4.0)) {
            assertThrows(IllegalArgumentException.class, () -> ds.randomBatch(
                    new SplittableRandom(1), 1, 8, new int[8], new int[8]));
        }
    }
}
