package org.ultramem.text;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Trains a byte-level BPE vocabulary (GPT-2 style) from documents.
 *
 * <p>Algorithm (the one HF {@code tokenizers} uses): pre-tokenize every document into pieces and
 * count each distinct piece once ("words"); count adjacent symbol pairs weighted by word counts;
 * then repeatedly merge the most frequent pair. Each merge touches only the words that contain the
 * pair (an index pair → words), updates pair counts incrementally, and a max-heap with lazy
 * deletion finds the next pair. Ties go to the smallest pair in lexicographic order of
 * {@code (left id, right id)}, so training is deterministic.
 *
 * <p>Id layout of the result: ids 0..255 are the single bytes (id = byte value), then one id per
 * new token in merge order, then {@value BpeTokenizer#END_OF_TEXT} as the last id. When a merge
 * produces bytes that already are a token, the merge is recorded and reuses that id (as HF does).
 * Training stops when the vocabulary reaches the target size or no pair is left.
 */
public final class BpeTrainer {

    private final Map<String, int[]> wordCounts = new HashMap<>();
    private long pieces;

    /** Adds one document (UTF-8 or any bytes) to the training counts. */
    public void addDocument(byte[] text) {
        PreTokenizer.split(text, 0, text.length, (b, s, e) -> {
            String key = new String(b, s, e - s, StandardCharsets.ISO_8859_1);
            wordCounts.computeIfAbsent(key, k -> new int[1])[0]++;
            pieces++;
        });
    }

    /** Adds one document given as text (encoded as UTF-8). */
    public void addDocument(String text) {
        addDocument(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Number of distinct pre-tokenized pieces counted so far. */
    public int distinctWords() {
        return wordCounts.size();
    }

    /**
     * Trains the merges.
     *
     * @param vocabSize target number of ids including the 256 bytes and {@value
     *     BpeTokenizer#END_OF_TEXT}; must be ≥ 257
     * @param progress receives a line every 1000 merges (may be a no-op)
     */
    public BpeTokenizer train(int vocabSize, Consumer<String> progress) {
        if (vocabSize < 257) {
            throw new IllegalArgumentException("vocab size " + vocabSize + " must be >= 257 (256"
                    + " byte tokens + " + BpeTokenizer.END_OF_TEXT + "); the default is 8192");
        }
        progress.accept(String.format("bpe: %,d pieces, %,d distinct words, target vocab %,d",
                pieces, wordCounts.size(), vocabSize));
        List<Map.Entry<String, int[]>> words = new ArrayList<>(wordCounts.entrySet());
        words.sort(Map.Entry.comparingByKey()); // a fixed order, so nothing depends on hashing
        Run run = new Run(words, vocabSize - 1);
        run.mergeAll(progress);
        return run.build();
    }

    /** State of one training run. */
    private static final class Run {
        // Words: symbols sym[w][0 .. len[w]), occurring count[w] times in the corpus.
        private final int[][] sym;
        private final int[] len;
        private final int[] count;
        private final int[] lastVisit;
        // Pairs: count over all words, and an index slot → words that (may) contain the pair.
        private final PairMap pairCount;
        private final PairMap pairSlot = new PairMap(1 << 16);
        private final List<int[]> slotWords = new ArrayList<>();
        private int[] slotSizes = new int[1024];
        private final PairHeap heap = new PairHeap();
        // Result.
        private final List<byte[]> tokens = new ArrayList<>();
        private final Map<String, Integer> idOfBytes = new HashMap<>();
        private final List<int[]> merges = new ArrayList<>();
        private final int targetTokens;

        Run(List<Map.Entry<String, int[]>> words, int targetTokens) {
            this.targetTokens = targetTokens;
            int n = words.size();
            sym = new int[n][];
            len = new int[n];
            count = new int[n];
            lastVisit = new int[n];
            Arrays.fill(lastVisit, -1);
            for (int b = 0; b < 256; b++) {
                byte[] one = {(byte) b};
                tokens.add(one);
                idOfBytes.put(new String(one, StandardCharsets.ISO_8859_1), b);
            }
            pairCount = new PairMap(n * 4);
            List<Long> allPairs = new ArrayList<>();
            for (int w = 0; w < n; w++) {
                String word = words.get(w).getKey();
                count[w] = words.get(w).getValue()[0];
                len[w] = word.length();
                sym[w] = new int[len[w]];
                for (int k = 0; k < len[w]; k++) {
                    sym[w][k] = word.charAt(k); // ISO-8859-1 key: char value = byte value = id
                }
                for (int k = 0; k + 1 < len[w]; k++) {
                    long p = PairMap.key(sym[w][k], sym[w][k + 1]);
                    if (pairCount.add(p, count[w]) == count[w]) {
                        allPairs.add(p);
                    }
                    index(p, w);
                }
            }
            for (long p : allPairs) {
                heap.push(pairCount.get(p), p);
            }
        }

        /** Records that word {@code w} contains pair {@code p}; stale entries are checked later. */
        private void index(long p, int w) {
            int slot = pairSlot.putIfAbsent(p, slotWords.size());
            if (slot == slotWords.size()) {
                slotWords.add(new int[2]);
                if (slot == slotSizes.length) {
                    slotSizes = Arrays.copyOf(slotSizes, slot * 2);
                }
            }
            int[] list = slotWords.get(slot);
            int size = slotSizes[slot];
            if (size > 0 && list[size - 1] == w) {
                return;
            }
            if (size == list.length) {
                list = Arrays.copyOf(list, size * 2);
                slotWords.set(slot, list);
            }
            list[size] = w;
            slotSizes[slot] = size + 1;
        }

        void mergeAll(Consumer<String> progress) {
            int mergeNo = 0;
            while (tokens.size() < targetTokens) {
                long best = popBest();
                if (best < 0) {
                    progress.accept("bpe: no pairs left after " + mergeNo + " merges; vocab "
                            + (tokens.size() + 1));
                    break;
                }
                applyMerge(best, mergeNo);
                mergeNo++;
                if (mergeNo % 1000 == 0) {
                    progress.accept(String.format("bpe: %,d merges, vocab %,d / %,d", mergeNo,
                            tokens.size() + 1, targetTokens + 1));
                }
            }
        }

        /**
         * The most frequent pair (smallest on ties), or -1 when no pair has a positive count.
         * Invariant: every pair with count c > 0 has a heap entry stored with a count ≥ c (counts
         * only grow through {@link #mergeInWord}, which queues a fresh entry).
         */
        private long popBest() {
            while (!heap.isEmpty()) {
                int stored = heap.topCount();
                long p = heap.topPair();
                heap.pop();
                int current = pairCount.get(p);
                if (current == stored) {
                    return p;
                }
                if (current > 0 && current < stored) {
                    heap.push(current, p); // the count fell since it was queued: requeue
                }
                // current > stored: a fresher entry is queued; current <= 0: the pair is gone.
            }
            return -1;
        }

        private void applyMerge(long pair, int mergeNo) {
            int a = PairMap.left(pair);
            int b = PairMap.right(pair);
            byte[] bytes = BpeTokenizer.concat(tokens.get(a), tokens.get(b));
            String key = new String(bytes, StandardCharsets.ISO_8859_1);
            Integer existing = idOfBytes.get(key);
            int x = existing != null ? existing : tokens.size();
            if (existing == null) {
                tokens.add(bytes);
                idOfBytes.put(key, x);
            }
            merges.add(new int[] {a, b, x});

            LongList grown = new LongList();
            int slot = pairSlot.get(pair);
            int[] list = slotWords.get(slot);
            int listSize = slotSizes[slot];
            for (int i = 0; i < listSize; i++) {
                int w = list[i];
                if (lastVisit[w] != mergeNo) {
                    lastVisit[w] = mergeNo;
                    mergeInWord(w, a, b, x, grown);
                }
            }
            slotWords.set(slot, new int[0]);
            slotSizes[slot] = 0;
            pairCount.put(pair, 0);
            for (int i = 0; i < grown.size; i++) {
                long p = grown.data[i];
                int c = pairCount.get(p);
                if (c > 0) {
                    heap.push(c, p);
                }
            }
        }

        /** Replaces every (a, b) in word w by x, updating pair counts and the pair → word index. */
        private void mergeInWord(int w, int a, int b, int x, LongList grown) {
            int[] s = sym[w];
            int n = len[w];
            int c = count[w];
            int out = 0;
            int i = 0;
            while (i < n) {
                if (i + 1 < n && s[i] == a && s[i + 1] == b) {
                    if (out > 0) {
                        int prev = s[out - 1];
                        pairCount.add(PairMap.key(prev, a), -c);
                        addPair(PairMap.key(prev, x), w, c, grown);
                    }
                    if (i + 2 < n) {
                        int next = s[i + 2];
                        pairCount.add(PairMap.key(b, next), -c);
                        addPair(PairMap.key(x, next), w, c, grown);
                    }
                    s[out++] = x;
                    i += 2;
                } else {
                    s[out++] = s[i++];
                }
            }
            len[w] = out;
        }

        private void addPair(long p, int w, int c, LongList grown) {
            pairCount.add(p, c);
            grown.add(p);
            index(p, w);
        }

        BpeTokenizer build() {
            int n = tokens.size() + 1;
            byte[][] vocab = tokens.toArray(new byte[n][]);
            vocab[n - 1] = BpeTokenizer.END_OF_TEXT.getBytes(StandardCharsets.UTF_8);
            Map<String, Integer> specials = new LinkedHashMap<>();
            specials.put(BpeTokenizer.END_OF_TEXT, n - 1);
            return new BpeTokenizer(vocab, merges.toArray(new int[0][]), specials);
        }
    }

    /** Growable long array. */
    private static final class LongList {
        long[] data = new long[16];
        int size;

        void add(long v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, size * 2);
            }
            data[size++] = v;
        }
    }

    /**
     * Max-heap of (count, pair): larger count first, then the smaller pair key, i.e. the
     * lexicographically smaller {@code (left, right)}.
     */
    private static final class PairHeap {
        private int[] counts = new int[1024];
        private long[] pairs = new long[1024];
        private int size;

        boolean isEmpty() {
            return size == 0;
        }

        int topCount() {
            return counts[0];
        }

        long topPair() {
            return pairs[0];
        }

        void push(int count, long pair) {
            if (size == counts.length) {
                counts = Arrays.copyOf(counts, size * 2);
                pairs = Arrays.copyOf(pairs, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (!before(count, pair, counts[parent], pairs[parent])) {
                    break;
                }
                counts[i] = counts[parent];
                pairs[i] = pairs[parent];
                i = parent;
            }
            counts[i] = count;
            pairs[i] = pair;
        }

        void pop() {
            int count = counts[--size];
            long pair = pairs[size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size
                        && before(counts[child + 1], pairs[child + 1], counts[child],
                                pairs[child])) {
                    child++;
                }
                if (!before(counts[child], pairs[child], count, pair)) {
                    break;
                }
                counts[i] = counts[child];
                pairs[i] = pairs[child];
                i = child;
            }
            counts[i] = count;
            pairs[i] = pair;
        }

        private static boolean before(int c1, long p1, int c2, long p2) {
            return c1 > c2 || (c1 == c2 && p1 < p2);
        }
    }
}
