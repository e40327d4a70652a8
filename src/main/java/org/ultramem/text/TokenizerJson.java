package org.ultramem.text;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ultramem.io.AtomicFiles;
import org.ultramem.io.MemoryBudget;
import org.ultramem.io.RegularFiles;

/**
 * Reads and writes a {@link BpeTokenizer} as a Hugging Face {@code tokenizer.json}: model
 * {@code BPE} with {@code vocab} and {@code merges}, a {@code ByteLevel} pre-tokenizer
 * ({@code add_prefix_space: false}, {@code use_regex: true}), a {@code ByteLevel} decoder and the
 * special tokens as {@code added_tokens}. HF {@code tokenizers} loads the file and produces the
 * same ids as {@link BpeTokenizer#encode(String)}.
 *
 * <p>Token strings use GPT-2's byte-level alphabet: each byte maps to one printable character
 * (printable Latin-1 bytes to themselves, the rest to U+0100 onwards, so a space is {@code Ġ}).
 * Loading accepts any byte-level BPE file of this shape (GPT-2's own included) and rejects anything
 * else with a message naming the file, the key and the rule.
 */
public final class TokenizerJson {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final Map<Character, Integer> CHAR_TO_BYTE = new HashMap<>();

    static {
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
            BYTE_TO_CHAR[b] = printable ? (char) b : (char) (256 + extra++);
            CHAR_TO_BYTE.put(BYTE_TO_CHAR[b], b);
        }
    }

    private TokenizerJson() {
    }

    /** Writes {@code tokenizer} to {@code file} atomically, as {@link #canonicalBytes}. */
    public static void save(BpeTokenizer tokenizer, Path file) throws IOException {
        AtomicFiles.write(file, canonicalBytes(tokenizer));
    }

    /**
     * The tokenizer's canonical {@code tokenizer.json} bytes: {@link #toJson} pretty-printed, as
     * {@link #save} writes them. Two files that load to the same vocabulary, merges and special
     * tokens have the same canonical bytes whatever their formatting or extra keys.
     */
    public static byte[] canonicalBytes(BpeTokenizer tokenizer) {
        try {
            return JSON.writer(new DefaultPrettyPrinter().withObjectIndenter(
                    new DefaultIndenter("  ", "\n"))).writeValueAsBytes(toJson(tokenizer));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a tokenizer tree always serializes", e);
        }
    }

    /**
     * The tokenizer's identity: SHA-256 of its {@link #canonicalBytes} as lowercase hex. For a
     * file this build wrote it equals the sha256 of the file's bytes, so data folders prepared
     * before the identity existed (their {@code meta.json} records the file's sha256) compare
     * equal.
     */
    public static String sha256(BpeTokenizer tokenizer) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonicalBytes(tokenizer)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK provides SHA-256", e);
        }
    }

    /** The HF {@code tokenizer.json} tree of {@code tokenizer}. */
    public static ObjectNode toJson(BpeTokenizer tok) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (Map.Entry<String, Integer> e : tok.specialTokens().entrySet()) {
            ObjectNode t = added.addObject();
            t.put("id", e.getValue());
            t.put("content", e.getKey());
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
        }
        root.putNull("normalizer");
        ObjectNode pre = root.putObject("pre_tokenizer");
        pre.put("type", "ByteLevel");
        pre.put("add_prefix_space", false);
        pre.put("trim_offsets", true);
        pre.put("use_regex", true);
        root.putNull("post_processor");
        ObjectNode dec = root.putObject("decoder");
        dec.put("type", "ByteLevel");
        dec.put("add_prefix_space", true);
        dec.put("trim_offsets", true);
        dec.put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < tok.vocabSize(); id++) {
            vocab.put(tokenString(tok, id), id);
        }
        ArrayNode merges = model.putArray("merges");
        for (int r = 0; r < tok.mergeCount(); r++) {
            merges.add(tokenString(tok, tok.mergeLeft(r)) + " "
                    + tokenString(tok, tok.mergeRight(r)));
        }
        return root;
    }

    private static String tokenString(BpeTokenizer tok, int id) {
        byte[] bytes = tok.bytesOf(id);
        for (Map.Entry<String, Integer> e : tok.specialTokens().entrySet()) {
            if (e.getValue() == id) {
                return e.getKey();
            }
        }
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(BYTE_TO_CHAR[b & 0xFF]);
        }
        return sb.toString();
    }

    /**
     * Loads a byte-level BPE {@code tokenizer.json}.
     *
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it is not a byte-level BPE tokenizer.json, naming the
     *     file, the key and what was wrong
     */
    public static BpeTokenizer load(Path file) throws IOException {
        RegularFiles.require(file, "tokenizer file");
        // Jackson's tree takes several times the file's size; refuse a file that cannot fit.
        MemoryBudget.requireHeap("tokenizer file " + file + " (" + MemoryBudget.human(
                Files.size(file)) + ")", MemoryBudget.bytes("tokenizer file " + file,
                Files.size(file), 12), "use the tokenizer.json written by ultramem data prepare");
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (JacksonException e) {
            throw bad(file, "is not valid JSON (" + e.getOriginalMessage() + "); the file is"
                    + " damaged or truncated: re-create it (ultramem data prepare) or restore it");
        }
        if (root == null || !root.isObject()) {
            throw bad(file, "must hold a JSON object");
        }
        JsonNode model = requireObject(file, root, "model", "the BPE model (type, vocab, merges)");
        requireText(file, model, "model.type", "type", "BPE");
        JsonNode pre = requireObject(file, root, "pre_tokenizer", "the ByteLevel pre-tokenizer");
        requireText(file, pre, "pre_tokenizer.type", "type", "ByteLevel");
        if (pre.path("add_prefix_space").asBoolean(false)
                || !pre.path("use_regex").asBoolean(true)) {
            throw bad(file, "pre_tokenizer must have add_prefix_space false and use_regex true"
                    + " (GPT-2 byte-level pre-tokenization)");
        }
        if (!root.path("normalizer").isNull() && !root.path("normalizer").isMissingNode()) {
            throw bad(file, "has a normalizer; only byte-level BPE without normalizer is"
                    + " supported");
        }
        JsonNode vocab = model.path("vocab");
        Map<String, Integer> specials = readAddedTokens(file, root.path("added_tokens"),
                vocab.size());
        byte[][] tokens = readVocab(file, vocab, specials);
        Map<String, Integer> idOf = new HashMap<>();
        for (int id = 0; id < tokens.length; id++) {
            idOf.putIfAbsent(new String(tokens[id], StandardCharsets.ISO_8859_1), id);
        }
        int[][] merges = readMerges(file, model.path("merges"), tokens, idOf);
        try {
            return new BpeTokenizer(tokens, merges, specials);
        } catch (IllegalArgumentException e) {
            throw bad(file, e.getMessage());
        }
    }

    /**
     * The special tokens, content to id. Ids must be integers in [0, vocab + added): token ids are
     * dense, so an id beyond that leaves a hole (and a huge one would size the table by it).
     */
    private static Map<String, Integer> readAddedTokens(Path file, JsonNode added, int vocabSize) {
        Map<String, Integer> specials = new LinkedHashMap<>();
        if (added.isMissingNode() || added.isNull()) {
            return specials;
        }
        if (!added.isArray()) {
            throw bad(file, "added_tokens must be an array of {\"id\", \"content\"} objects, found "
                    + added.getNodeType());
        }
        long limit = (long) vocabSize + added.size();
        for (int i = 0; i < added.size(); i++) {
            JsonNode t = added.get(i);
            JsonNode id = t.path("id");
            if (!t.path("content").isTextual() || t.path("content").textValue().isEmpty()
                    || !id.isIntegralNumber()) {
                throw bad(file, "added_tokens[" + i + "] = " + abbreviate(t.toString())
                        + " needs a non-empty text `content` and an integer `id`");
            }
            if (!id.canConvertToLong() || id.longValue() < 0 || id.longValue() >= limit) {
                throw bad(file, "added_tokens[" + i + "].id (" + abbreviate(id.toString())
                        + ") must be in [0, " + limit + ") (ids are dense over model.vocab and"
                        + " added_tokens)");
            }
            specials.put(t.get("content").textValue(), id.intValue());
        }
        return specials;
    }

    private static byte[][] readVocab(Path file, JsonNode vocab, Map<String, Integer> specials) {
        if (!vocab.isObject() || vocab.isEmpty()) {
            throw bad(file, "model.vocab must be a non-empty object of token string -> id");
        }
        int size = vocab.size();
        for (int id : specials.values()) {
            size = Math.max(size, id + 1);
        }
        byte[][] tokens = new byte[size][];
        for (Map.Entry<String, Integer> e : specials.entrySet()) {
            if (e.getValue() < 0) {
                throw bad(file, "added token " + e.getKey() + " has negative id " + e.getValue());
            }
            tokens[e.getValue()] = e.getKey().getBytes(StandardCharsets.UTF_8);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = vocab.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String token = e.getKey();
            if (!e.getValue().isIntegralNumber() || !e.getValue().canConvertToInt()
                    || e.getValue().asInt() < 0 || e.getValue().asInt() >= size) {
                throw bad(file, "model.vocab[\"" + abbreviate(token) + "\"] = "
                        + abbreviate(e.getValue().toString()) + " must be an integer id in [0, "
                        + size + ") (ids are dense)");
            }
            int id = e.getValue().asInt();
            byte[] bytes = specials.containsKey(token)
                    ? token.getBytes(StandardCharsets.UTF_8) : bytesOf(file, token);
            if (tokens[id] != null && !Arrays.equals(tokens[id], bytes)) {
                throw bad(file, "model.vocab id " + id + " is used by two different tokens");
            }
            tokens[id] = bytes;
        }
        for (int id = 0; id < size; id++) {
            if (tokens[id] == null) {
                throw bad(file, "no token has id " + id + "; ids must be dense in [0, " + size
                        + ")");
            }
        }
        return tokens;
    }

    private static int[][] readMerges(Path file, JsonNode merges, byte[][] tokens,
            Map<String, Integer> idOf) {
        if (!merges.isArray()) {
            throw bad(file, "model.merges must be an array");
        }
        int[][] out = new int[merges.size()][];
        for (int r = 0; r < merges.size(); r++) {
            JsonNode m = merges.get(r);
            String left;
            String right;
            if (m.isTextual() && m.asText().split(" ", -1).length == 2) {
                left = m.asText().split(" ", -1)[0];
                right = m.asText().split(" ", -1)[1];
            } else if (m.isArray() && m.size() == 2 && m.get(0).isTextual()
                    && m.get(1).isTextual()) {
                left = m.get(0).asText();
                right = m.get(1).asText();
            } else {
                throw bad(file, "model.merges[" + r + "] = " + abbreviate(m.toString())
                        + " must be \"A B\" or [\"A\", \"B\"]");
            }
            int a = idOfToken(file, r, left, idOf);
            int b = idOfToken(file, r, right, idOf);
            byte[] joined = BpeTokenizer.concat(tokens[a], tokens[b]);
            Integer x = idOf.get(new String(joined, StandardCharsets.ISO_8859_1));
            if (x == null) {
                throw bad(file, "model.merges[" + r + "] = " + m + " produces a token that is not"
                        + " in model.vocab");
            }
            out[r] = new int[] {a, b, x};
        }
        return out;
    }

    private static int idOfToken(Path file, int rank, String token, Map<String, Integer> idOf) {
        Integer id = idOf.get(new String(bytesOf(file, token), StandardCharsets.ISO_8859_1));
        if (id == null) {
            throw bad(file, "model.merges[" + rank + "] uses token \"" + abbreviate(token)
                    + "\", which is not in model.vocab");
        }
        return id;
    }

    /** Decodes a byte-level token string to its bytes. */
    private static byte[] bytesOf(Path file, String token) {
        byte[] out = new byte[token.length()];
        for (int i = 0; i < token.length(); i++) {
            Integer b = CHAR_TO_BYTE.get(token.charAt(i));
            if (b == null) {
                throw bad(file, "token \"" + abbreviate(token) + "\" contains "
                        + String.format("U+%04X", (int) token.charAt(i)) + ", which is not in the"
                        + " byte-level alphabet (not a byte-level BPE vocab)");
            }
            out[i] = (byte) (int) b;
        }
        return out;
    }

    private static JsonNode requireObject(Path file, JsonNode root, String key, String what) {
        JsonNode node = root.path(key);
        if (node.isMissingNode() || node.isNull()) {
            throw bad(file, "key `" + key + "` is missing; it must hold " + what
                    + " (not a byte-level BPE tokenizer.json)");
        }
        if (!node.isObject()) {
            throw bad(file, "`" + key + "` must be an object holding " + what + ", found "
                    + node.getNodeType());
        }
        return node;
    }

    private static void requireText(Path file, JsonNode node, String key, String field,
            String want) {
        JsonNode v = node.path(field);
        if (v.isMissingNode() || v.isNull()) {
            throw bad(file, "key `" + key + "` is missing; it must be \"" + want + "\"");
        }
        if (!v.isTextual() || !want.equals(v.textValue())) {
            throw bad(file, key + " is " + abbreviate(v.toString()) + " but must be \"" + want
                    + "\"");
        }
    }

    /** A value for a one-line message: long ones cut to 60 characters. */
    private static String abbreviate(String s) {
        return s.length() <= 60 ? s : s.substring(0, 60) + "...";
    }

    private static IllegalArgumentException bad(Path file, String what) {
        return new IllegalArgumentException("tokenizer file " + file + ": " + what);
    }
}
