package org.ultramem.text;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntConsumer;

/**
 * Byte-level BPE tokenizer (GPT-2 style): text → UTF-8 bytes → {@link PreTokenizer} pieces → each
 * piece's bytes merged by rank. Every one of the 256 byte values is a base token, so any byte
 * sequence encodes, and {@link #decodeBytes} returns exactly the bytes that were encoded.
 *
 * <p>Merging follows Hugging Face's {@code BPE::merge_word}: repeatedly apply the adjacent pair
 * with the lowest merge rank (the leftmost one on ties) until no adjacent pair has a merge. This
 * gives the same ids as HF {@code tokenizers} for the same {@code tokenizer.json}
 * ({@code TokenizerJsonTest}).
 *
 * <p>Special tokens (at least {@value #END_OF_TEXT}) are recognised in {@link #encode(String)},
 * like HF's added tokens, and never in {@link #encodeOrdinary} / {@link #encodeBytes}. Immutable and
 * thread-safe; a bounded cache of piece encodings makes repeated words cheap.
 */
public final class BpeTokenizer {

    /** The document separator; every tokenizer has it. */
    public static final String END_OF_TEXT = "<|endoftext|>";

    private static final int CACHE_LIMIT = 1 << 18;
    private static final int CACHED_PIECE_MAX_BYTES = 64;

    private final byte[][] tokens;
    private final int[] byteToId = new int[256];
    private final int[] mergeLeft;
    private final int[] mergeRight;
    private final int[] mergeResult;
    private final PairMap rankOfPair;
    private final Map<String, Integer> specials;
    private final int endOfTextId;
    private final Map<String, int[]> cache = new ConcurrentHashMap<>();

    /**
     * Builds a tokenizer from its vocabulary and merges.
     *
     * @param tokens the bytes of each id; ids are dense, {@code tokens.length} is the vocab size
     * @param merges in rank order, each {@code {left, right, result}} with
     *     {@code tokens[result] = tokens[left] ++ tokens[right]}
     * @param specials special-token text → id; must contain {@value #END_OF_TEXT}
     * @throws IllegalArgumentException naming the first inconsistency
     */
    BpeTokenizer(byte[][] tokens, int[][] merges, Map<String, Integer> specials) {
        this.tokens = tokens;
        Arrays.fill(byteToId, -1);
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id].length == 1 && !specials.containsValue(id)) {
                int b = tokens[id][0] & 0xFF;
                if (byteToId[b] < 0) {
                    byteToId[b] = id;
                }
            }
        }
        for (int b = 0; b < 256; b++) {
            if (byteToId[b] < 0) {
                throw new IllegalArgumentException(String.format(
                        "vocabulary has no token for byte 0x%02X; a byte-level BPE vocabulary must"
                                + " contain all 256 single bytes", b));
            }
        }
        mergeLeft = new int[merges.length];
        mergeRight = new int[merges.length];
        mergeResult = new int[merges.length];
        rankOfPair = new PairMap(merges.length);
        for (int r = 0; r < merges.length; r++) {
            int[] m = merges[r];
            for (int id : m) {
                if (id < 0 || id >= tokens.length) {
                    throw new IllegalArgumentException("merge #" + r + " uses token id " + id
                            + ", outside the vocabulary [0, " + tokens.length + ")");
                }
            }
            byte[] joined = concat(tokens[m[0]], tokens[m[1]]);
            if (!Arrays.equals(joined, tokens[m[2]])) {
                throw new IllegalArgumentException("merge #" + r + " (" + m[0] + ", " + m[1]
                        + ") should produce the bytes of its two parts but token " + m[2]
                        + " has other bytes");
            }
            mergeLeft[r] = m[0];
            mergeRight[r] = m[1];
            mergeResult[r] = m[2];
            rankOfPair.putIfAbsent(PairMap.key(m[0], m[1]), r); // a repeated pair keeps rank 1st
        }
        this.specials = Collections.unmodifiableMap(new LinkedHashMap<>(specials));
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            int id = e.getValue();
            if (id < 0 || id >= tokens.length
                    || !Arrays.equals(tokens[id], e.getKey().getBytes(StandardCharsets.UTF_8))) {
                throw new IllegalArgumentException("special token " + e.getKey() + " has id " + id
                        + ", which is not a vocabulary entry with that text");
            }
        }
        Integer eot = specials.get(END_OF_TEXT);
        if (eot == null) {
            throw new IllegalArgumentException("the tokenizer has no special token " + END_OF_TEXT
                    + "; it is required as the document separator");
        }
        this.endOfTextId = eot;
    }

    /** Number of token ids: ids are {@code 0 .. vocabSize()-1}. */
    public int vocabSize() {
        return tokens.length;
    }

    /** Id of {@value #END_OF_TEXT}. */
    public int endOfTextId() {
        return endOfTextId;
    }

    /** Special-token text → id (read-only). */
    public Map<String, Integer> specialTokens() {
        return specials;
    }

    /** Number of merges (ranks {@code 0 .. mergeCount()-1}). */
    public int mergeCount() {
        return mergeLeft.length;
    }

    /** Encodes text, turning occurrences of special-token text into their ids (HF semantics). */
    public int[] encode(String text) {
        IntList out = new IntList(text.length() / 3 + 4);
        int from = 0;
        while (from < text.length()) {
            int best = -1;
            String bestText = null;
            for (String s : specials.keySet()) {
                int at = text.indexOf(s, from);
                boolean better = best < 0 || at < best
                        || (at == best && s.length() > bestText.length());
                if (at >= 0 && better) {
                    best = at;
                    bestText = s;
                }
            }
            int plainEnd = best < 0 ? text.length() : best;
            byte[] plain = text.substring(from, plainEnd).getBytes(StandardCharsets.UTF_8);
            encodeTo(plain, 0, plain.length, out);
            if (best < 0) {
                break;
            }
            out.accept(specials.get(bestText));
            from = best + bestText.length();
        }
        return out.toArray();
    }

    /** Encodes text as plain bytes: special-token text is not recognised. */
    public int[] encodeOrdinary(String text) {
        return encodeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** Encodes any byte sequence (invalid UTF-8 included); special-token text is not recognised. */
    public int[] encodeBytes(byte[] bytes) {
        IntList out = new IntList(bytes.length / 3 + 4);
        encodeTo(bytes, 0, bytes.length, out);
        return out.toArray();
    }

    /** Encodes {@code bytes[from, to)} as plain bytes, passing each id to {@code out} in order. */
    public void encodeTo(byte[] bytes, int from, int to, IntConsumer out) {
        PreTokenizer.split(bytes, from, to, (b, s, e) -> encodePiece(b, s, e, out));
    }

    private void encodePiece(byte[] b, int start, int end, IntConsumer out) {
        int len = end - start;
        if (len == 1) {
            out.accept(byteToId[b[start] & 0xFF]);
            return;
        }
        int[] ids;
        if (len <= CACHED_PIECE_MAX_BYTES) {
            String key = new String(b, start, len, StandardCharsets.ISO_8859_1);
            ids = cache.get(key);
            if (ids == null) {
                ids = mergePiece(b, start, end);
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(key, ids);
            }
        } else {
            ids = mergePiece(b, start, end);
        }
        for (int id : ids) {
            out.accept(id);
        }
    }

    /**
     * BPE on one piece: symbols in a linked list, candidate merges in a min-heap keyed by
     * {@code rank << 32 | position}; stale candidates are skipped when popped.
     */
    int[] mergePiece(byte[] b, int start, int end) {
        int n = end - start;
        int[] sym = new int[n];
        int[] next = new int[n];
        int[] prev = new int[n];
        for (int k = 0; k < n; k++) {
            sym[k] = byteToId[b[start + k] & 0xFF];
            next[k] = k + 1 < n ? k + 1 : -1;
            prev[k] = k - 1;
        }
        LongMinHeap heap = new LongMinHeap(n);
        for (int k = 0; k + 1 < n; k++) {
            offer(heap, sym[k], sym[k + 1], k);
        }
        int alive = n;
        while (!heap.isEmpty()) {
            long top = heap.poll();
            int rank = (int) (top >>> 32);
            int pos = (int) top;
            int nx = next[pos];
            if (sym[pos] < 0 || nx < 0 || rankOf(sym[pos], sym[nx]) != rank) {
                continue; // stale: one side was merged away since this candidate was queued
            }
            sym[pos] = mergeResult[rank];
            sym[nx] = -1;
            next[pos] = next[nx];
            if (next[nx] >= 0) {
                prev[next[nx]] = pos;
            }
            alive--;
            if (prev[pos] >= 0) {
                offer(heap, sym[prev[pos]], sym[pos], prev[pos]);
            }
            if (next[pos] >= 0) {
                offer(heap, sym[pos], sym[next[pos]], pos);
            }
        }
        int[] ids = new int[alive];
        int j = 0;
        for (int k = 0; k >= 0; k = next[k]) {
            ids[j++] = sym[k];
        }
        return ids;
    }

    private void offer(LongMinHeap heap, int left, int right, int pos) {
        int rank = rankOf(left, right);
        if (rank >= 0) {
            heap.add((long) rank << 32 | pos);
        }
    }

    private int rankOf(int left, int right) {
        return rankOfPair.get(PairMap.key(left, right));
    }

    /** Concatenated bytes of the ids (special tokens give their text); inverse of encodeBytes. */
    public byte[] decodeBytes(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            out.writeBytes(bytesOf(id));
        }
        return out.toByteArray();
    }

    /** Decodes to text; byte sequences that are not valid UTF-8 become U+FFFD. */
    public String decode(int[] ids) {
        return new String(decodeBytes(ids), StandardCharsets.UTF_8);
    }

    /** A copy of the bytes of one token (for streaming decoders, which must join partial UTF-8). */
    public byte[] tokenBytes(int id) {
        return bytesOf(id).clone();
    }

    byte[] bytesOf(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary [0, "
                    + tokens.length + ")");
        }
        return tokens[id];
    }

    int mergeLeft(int rank) {
        return mergeLeft[rank];
    }

    int mergeRight(int rank) {
        return mergeRight[rank];
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** Growable int array used as an encoding sink. */
    static final class IntList implements IntConsumer {
        private int[] data;
        private int size;

        IntList(int capacity) {
            data = new int[Math.max(4, capacity)];
        }

        @Override
        public void accept(int v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(data, size);
        }
    }

    /** Binary min-heap of longs. */
    private static final class LongMinHeap {
        private long[] heap;
        private int size;

        LongMinHeap(int capacity) {
            heap = new long[Math.max(4, capacity)];
        }

        boolean isEmpty() {
            return size == 0;
        }

        void add(long v) {
            if (size == heap.length) {
                heap = Arrays.copyOf(heap, size * 2);
            }
            int i = size++;
            while (i > 0) {
                int parent = (i - 1) >>> 1;
                if (heap[parent] <= v) {
                    break;
                }
                heap[i] = heap[parent];
                i = parent;
            }
            heap[i] = v;
        }

        long poll() {
            long top = heap[0];
            long last = heap[--size];
            int i = 0;
            while (true) {
                int child = 2 * i + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && heap[child + 1] < heap[child]) {
                    child++;
                }
                if (last <= heap[child]) {
                    break;
                }
                heap[i] = heap[child];
                i = child;
            }
            heap[i] = last;
            return top;
        }
    }
}
