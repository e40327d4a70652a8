package org.ultramem.fuzz;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Format-blind mutations of a file's bytes: bit flips, "interesting" byte values, truncation,
 * insertion and deletion, each within a region {@code [from, to)} so callers can aim at a
 * header or a data section. Every method returns a new array and a short description.
 */
final class ByteMutations {

    /** Byte values that steer parsers into edge cases: bounds, JSON structure and digits. */
    private static final byte[] INTERESTING = {0x00, (byte) 0xFF, 0x7F, (byte) 0x80, '"', '{', '}',
        '[', ']', ',', ':', '9', '-', '.', 'e', '\\', '\n', ' ', (byte) 0xC3, (byte) 0xED};

    /** A mutated copy and what was done to it. */
    record Result(byte[] bytes, String detail) {
    }

    private ByteMutations() {
    }

    /** One of the mutations below, chosen by {@code r}, inside {@code [from, to)}. */
    static Result any(SplittableRandom r, byte[] in, int from, int to) {
        return switch (r.nextInt(5)) {
            case 0 -> flipBits(r, in, from, to);
            case 1 -> setInteresting(r, in, from, to);
            case 2 -> truncate(r, in, from, to);
            case 3 -> insert(r, in, from, to);
            default -> delete(r, in, from, to);
        };
    }

    /** Flips 1 to 8 random bits. */
    static Result flipBits(SplittableRandom r, byte[] in, int from, int to) {
        byte[] out = in.clone();
        if (to <= from) {
            return new Result(out, "no bytes to flip");
        }
        int n = 1 + r.nextInt(8);
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int pos = from + r.nextInt(to - from);
            int bit = r.nextInt(8);
            out[pos] ^= (byte) (1 << bit);
            where.append(i == 0 ? "" : ",").append(pos).append('.').append(bit);
        }
        return new Result(out, "flipped bits at " + where);
    }

    /** Overwrites 1 to 4 random bytes with values that matter to parsers. */
    static Result setInteresting(SplittableRandom r, byte[] in, int from, int to) {
        byte[] out = in.clone();
        if (to <= from) {
            return new Result(out, "no bytes to set");
        }
        int n = 1 + r.nextInt(4);
        StringBuilder where = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int pos = from + r.nextInt(to - from);
            byte v = INTERESTING[r.nextInt(INTERESTING.length)];
            out[pos] = v;
            where.append(i == 0 ? "" : ",").append(pos).append('=').append(v & 0xFF);
        }
        return new Result(out, "set bytes " + where);
    }

    /** Cuts the file at a random point of the region. */
    static Result truncate(SplittableRandom r, byte[] in, int from, int to) {
        int cut = to <= from ? from : from + r.nextInt(to - from);
        return new Result(Arrays.copyOf(in, cut), "truncated to " + cut + " of " + in.length
                + " bytes");
    }

    /**
     * Inserts 1 to 16 random bytes before a random byte of the region (never after its last
     * byte: inserting at a header's end would shift the data section, a data mutation).
     */
    static Result insert(SplittableRandom r, byte[] in, int from, int to) {
        int pos = to <= from ? from : from + r.nextInt(to - from);
        int n = 1 + r.nextInt(16);
        byte[] out = new byte[in.length + n];
        System.arraycopy(in, 0, out, 0, pos);
        for (int i = 0; i < n; i++) {
            out[pos + i] = r.nextBoolean() ? INTERESTING[r.nextInt(INTERESTING.length)]
                    : (byte) r.nextInt(256);
        }
        System.arraycopy(in, pos, out, pos + n, in.length - pos);
        return new Result(out, "inserted " + n + " bytes at " + pos);
    }

    /** Deletes 1 to 16 bytes at a random point of the region. */
    static Result delete(SplittableRandom r, byte[] in, int from, int to) {
        if (to <= from) {
            return new Result(in.clone(), "no bytes to delete");
        }
        int pos = from + r.nextInt(to - from);
        int n = Math.min(1 + r.nextInt(16), in.length - pos);
        byte[] out = new byte[in.length - n];
        System.arraycopy(in, 0, out, 0, pos);
        System.arraycopy(in, pos + n, out, pos, in.length - pos - n);
        return new Result(out, "deleted " + n + " bytes at " + pos);
    }
}
