package org.ultramem.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.ultramem.data.DataMeta;
import org.ultramem.data.Split;
import org.ultramem.data.TokenDataset;

/**
 * A {@link BatchSource} over a prepared data folder ({@code ultramem data prepare}): training
 * batches from the memory-mapped {@code train.bin}, evaluation windows from the chosen split.
 * Micro-batch (seed, step, micro) draws its windows from a {@link SplittableRandom} seeded with
 * {@link ArrayBatchSource#batchSeed}, so the sequence of batches is a pure function of the step.
 */
public final class DatasetBatches implements BatchSource, AutoCloseable {

    private final TokenDataset train;
    private final TokenDataset eval;
    private final DataMeta meta;
    private final Path dir;

    private DatasetBatches(TokenDataset train, TokenDataset eval, DataMeta meta, Path dir) {
        this.train = train;
        this.eval = eval;
        this.meta = meta;
        this.dir = dir;
    }

    /**
     * Opens {@code dataDir}; {@code withTrain} false skips mapping the training split (evaluation
     * only). Fails with "run `ultramem data prepare` first" when the folder is not prepared.
     */
    public static DatasetBatches open(Path dataDir, Split evalSplit, boolean withTrain) throws IOException {
        if (!Files.isRegularFile(dataDir.resolve(DataMeta.FILE_NAME))) {
            throw new IOException("data folder " + dataDir + " is not prepared (no " + DataMeta.FILE_NAME
                    + "); run `ultramem data prepare --out " + dataDir + "` first, or set training.data_dir");
        }
        DataMeta meta = DataMeta.read(dataDir);
        TokenDataset eval = TokenDataset.open(dataDir, evalSplit);
        TokenDataset train = null;
        try {
            train = withTrain ? (evalSplit == Split.TRAIN ? eval : TokenDataset.open(dataDir, Split.TRAIN)) : null;
        } catch (IOException | RuntimeException e) {
            eval.close();
            throw e;
        }
        return new DatasetBatches(train, eval, meta, dataDir);
    }

    public DataMeta meta() {
        return meta;
    }

    /** The data folder's tokenizer file. */
    public Path tokenizerFile() {
        return dir.resolve(meta.tokenizer());
    }

    /** Tokens in the evaluation split. */
    public long evalSize() {
        return eval.size();
    }

    @Override
    public void trainBatch(long seed, long step, int micro, int[] tokens, int[] targets, int batch, int seq) {
        if (train == null) {
            throw new IllegalStateException("opened for evaluation only");
        }
        train.randomBatch(new SplittableRandom(ArrayBatchSource.batchSeed(seed, step, micro)), batch, seq, tokens,
                targets);
    }

    @Override
    public long evalWindows(int seq, long limit) {
        return eval.windowCount(seq, limit);
    }

    @Override
    public void evalBatch(long first, int seq, long limit, int[] tokens, int[] targets) {
        eval.fillWindows(first, tokens.length / seq, seq, limit, tokens, targets);
    }

    @Override
    public double bytesPerToken() {
        return eval.bytesPerToken();
    }

    @Override
    public void close() {
        if (train != null && train != eval) {
            train.close();
        }
        eval.close();
    }
}
