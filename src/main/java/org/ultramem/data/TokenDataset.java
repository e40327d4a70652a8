package org.ultramem.data;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;
import org.ultramem.io.RegularFiles;

/**
 * A token file (little-endian int32 ids, see {@link DataMeta}) memory-mapped through FFM, serving
 * training and evaluation batches as flattened {@code int[batch * seq]} arrays
 * ({@code tokens[b·seq + t]}, as {@code LanguageModel} expects).
 *
 * <ul>
 *   <li>{@link #randomBatch}: each row is a window of {@code seq + 1} tokens at a uniformly random
 *       start drawn from the caller's seeded {@link SplittableRandom}; inputs are its first
 *       {@code seq} tokens, targets the last {@code seq}.
 *   <li>{@link #fillWindows}: sequential, non-overlapping windows over the first {@code limit}
 *       tokens, so that every token after the first is predicted exactly once; the tail window is
 *       padded with target −1 (not scored). Use a fixed prefix for periodic evaluation and
 *       {@code limit = size()} for the final one.
 * </ul>
 *
 * <p>Opening checks the file: its size must be a multiple of 4 bytes, must match the token count
 * in {@code meta.json} when opened from a data folder, and every id must be in {@code [0, vocab)}.
 * Thread-safe for reads; {@link #close} unmaps.
 */
public final class TokenDataset implements AutoCloseable {

    private static final ValueLayout.OfInt TOKEN =
            ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final Path file;
    private final Arena arena;
    private final MemorySegment tokens;
    private final long size;
    private final int vocabSize;
    private final double bytesPerToken;

    private TokenDataset(Path file, Arena arena, MemorySegment tokens, int vocabSize,
            double bytesPerToken) {
        this.file = file;
        this.arena = arena;
        this.tokens = tokens;
        this.size = tokens.byteSize() / Integer.BYTES;
        this.vocabSize = vocabSize;
        this.bytesPerToken = bytesPerToken;
    }

    /** Opens one split of a data folder written by {@code ultramem data prepare}. */
    public static TokenDataset open(Path dataDir, Split split) throws IOException {
        DataMeta meta = DataMeta.read(dataDir);
        DataMeta.SplitMeta s = meta.split(split);
        TokenDataset ds = open(dataDir.resolve(s.file()), meta.vocabSize(), s.bytesPerToken());
        if (ds.size() != s.tokens()) {
            ds.close();
            throw new DataException("token file " + dataDir.resolve(s.file()) + " holds "
                    + ds.size() + " tokens but meta.json says " + s.tokens() + "; the file is"
                    + " truncated or stale: run ultramem data prepare again");
        }
        return ds;
    }

    /**
     * Maps {@code tokenFile} and validates it.
     *
     * @param bytesPerToken text bytes per token of this split (from meta.json), for bits per byte
     */
    public static TokenDataset open(Path tokenFile, int vocabSize, double bytesPerToken)
            throws IOException {
        if (Files.exists(tokenFile)) {
            RegularFiles.require(tokenFile, "token file");
        }
        if (!Files.isRegularFile(tokenFile)) {
            throw new DataException("token file " + tokenFile + " does not exist; run ultramem"
                    + " data prepare first");
        }
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(tokenFile, StandardOpenOption.READ)) {
            long bytes = ch.size();
            if (bytes % Integer.BYTES != 0) {
                throw new DataException("token file " + tokenFile + " has " + bytes + " bytes, not"
                        + " a multiple of 4 (int32 tokens): it is truncated or damaged; run"
                        + " ultramem data prepare again");
            }
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_ONLY, 0, bytes, arena);
            TokenDataset ds = new TokenDataset(tokenFile, arena, seg, vocabSize, bytesPerToken);
            ds.checkIds();
            return ds;
        } catch (RuntimeException | IOException e) {
            arena.close();
            throw e;
        }
    }

    private void checkIds() {
        for (long i = 0; i < size; i++) {
            int id = tokens.getAtIndex(TOKEN, i);
            if (id < 0 || id >= vocabSize) {
                throw new DataException("token file " + file + " holds id " + id + " at position "
                        + i + ", outside the vocabulary [0, " + vocabSize + "); the file is damaged"
                        + " or belongs to another tokenizer: run ultramem data prepare again");
            }
        }
    }

    /** Number of tokens. */
    public long size() {
        return size;
    }

    public int vocabSize() {
        return vocabSize;
    }

    /** Mean UTF-8 text bytes per token of this split: bits/byte = nats/token / ln 2 / this. */
    public double bytesPerToken() {
        return bytesPerToken;
    }

    /** The token at {@code index}. */
    public int get(long index) {
        return tokens.getAtIndex(TOKEN, index);
    }

    /**
     * Fills {@code inputs} and {@code targets} ({@code batch * seq} each) with random windows.
     *
     * @throws IllegalArgumentException if the split has fewer than {@code seq + 1} tokens
     */
    public void randomBatch(SplittableRandom rng, int batch, int seq, int[] inputs, int[] targets) {
        checkShape(batch, seq, inputs, targets);
        if (size < seq + 1L) {
            throw new IllegalArgumentException("token file " + file + " has " + size + " tokens,"
                    + " fewer than seq + 1 = " + (seq + 1) + "; use a shorter seq or more text");
        }
        for (int b = 0; b < batch; b++) {
            long start = rng.nextLong(size - seq);
            for (int t = 0; t < seq; t++) {
                inputs[b * seq + t] = get(start + t);
                targets[b * seq + t] = get(start + t + 1);
            }
        }
    }

    /** Number of evaluation windows of length {@code seq} over the first {@code limit} tokens. */
    public long windowCount(int seq, long limit) {
        long n = Math.min(limit, size);
        return n <= 1 ? 0 : (n - 1 + seq - 1) / seq;
    }

    /**
     * Fills rows with the evaluation windows {@code firstWindow, firstWindow + 1, ...} over the
     * first {@code limit} tokens. Window {@code w} predicts tokens {@code w·seq + 1 ..
     * w·seq + seq}; positions past the limit get input 0 and target −1, as do rows past the last
     * window.
     *
     * @return number of rows that hold a window
     */
    public int fillWindows(long firstWindow, int batch, int seq, long limit, int[] inputs,
            int[] targets) {
        checkShape(batch, seq, inputs, targets);
        long n = Math.min(limit, size);
        long windows = windowCount(seq, limit);
        int rows = 0;
        for (int b = 0; b < batch; b++) {
            long w = firstWindow + b;
            if (w < windows) {
                rows++;
            }
            for (int t = 0; t < seq; t++) {
                long p = w * seq + t;
                boolean scored = w < windows && p + 1 < n;
                inputs[b * seq + t] = scored ? get(p) : 0;
                targets[b * seq + t] = scored ? get(p + 1) : -1;
            }
        }
        return rows;
    }

    private static void checkShape(int batch, int seq, int[] inputs, int[] targets) {
        int n = batch * seq;
        if (batch <= 0 || seq <= 0 || inputs.length != n || targets.length != n) {
            throw new IllegalArgumentException("batch (" + batch + ") and seq (" + seq + ") must be"
                    + " > 0 with inputs and targets of length batch*seq; got " + inputs.length
                    + " and " + targets.length);
        }
    }

    @Override
    public void close() {
        arena.close();
    }
}
